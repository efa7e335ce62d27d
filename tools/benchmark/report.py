"""bench.md and the printed summary: the table, the target verdict per deployment, how long urgent
messages wait, the machine and its load. Pure functions of bench.json's data (`--replot` redoes
them without measuring).
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from tools.benchmark.deployments import ASSISTANTS, DEPLOYMENT_LABELS, DEPLOYMENTS

# The target, at TARGET_LEVEL conversations at once, for each deployment.
TARGET_LEVEL = 10
TARGET_RATIO = 2.0
TARGET_P95_MS = 250.0


def verdicts(results: List[dict]) -> List[dict]:
    """The target for each deployment: at TARGET_LEVEL conversations, >= TARGET_RATIO x the reference's
    messages per second, and p95 < TARGET_P95_MS."""
    found = {(r["assistant"], r["deployment"], r["concurrency"]): r for r in results}
    out = []
    for deployment in DEPLOYMENTS:
        ours = found.get(("neutropenia", deployment, TARGET_LEVEL))
        ref = found.get(("rasa-init", deployment, TARGET_LEVEL))
        if not ours or not ref:
            continue
        ratio = ours["messages_per_s"] / ref["messages_per_s"] if ref["messages_per_s"] else float("inf")
        meets = ratio >= TARGET_RATIO and ours["p95_ms"] < TARGET_P95_MS and ours["errors"] == 0
        out.append(
            {
                "deployment": deployment,
                "ours_msg_s": ours["messages_per_s"],
                "ref_msg_s": ref["messages_per_s"],
                "ratio": round(ratio, 2),
                "p95_ms": ours["p95_ms"],
                "errors": ours["errors"],
                "meets": meets,
            }
        )
    return out


def verdict_lines(results: List[dict]) -> List[str]:
    lines = []
    for v in verdicts(results):
        lines.append(
            f"- {DEPLOYMENT_LABELS[v['deployment']]}: {v['ours_msg_s']:.1f} msg/s vs {v['ref_msg_s']:.1f} "
            f"({v['ratio']:.2f}x, target >= {TARGET_RATIO:g}x), p95 {v['p95_ms']:.0f} ms "
            f"(target < {TARGET_P95_MS:g} ms){', ' + str(v['errors']) + ' errors' if v['errors'] else ''}: "
            f"**{'meets the target' if v['meets'] else 'misses the target'}**"
        )
    return lines


def urgent_lines(results: List[dict]) -> List[str]:
    """How long a fever or infection-sign report waits compared with a question, and how the work
    spreads over the Rasa processes, at TARGET_LEVEL conversations."""
    lines = []
    for r in results:
        if r["assistant"] != "neutropenia" or r["concurrency"] != TARGET_LEVEL:
            continue
        p50, p95 = r.get("p50_ms_by_kind", {}), r.get("p95_ms_by_kind", {})
        if "fever" in p50 and "topic" in p50:
            split = r.get("server_cpu_s_by_process") or {}
            rasa = split.get("rasa") or []
            share = (
                " Rasa processes' CPU seconds in the window: " + ", ".join(f"{v:g}" for v in rasa) + "."
                if len(rasa) > 1
                else ""
            )
            lines.append(
                f"- {DEPLOYMENT_LABELS[r['deployment']]}: fever report p50 {p50['fever']:.0f} ms "
                f"(p95 {p95['fever']:.0f}), topic question p50 {p50['topic']:.0f} ms "
                f"(p95 {p95['topic']:.0f}).{share}"
            )
    if not lines:
        return []
    return [
        f"## Urgent messages at {TARGET_LEVEL} conversations",
        "",
        "A fever or infection-sign report calls the action server; the others do not.",
        "",
        *lines,
        "",
    ]


def spanish_lines(data: dict) -> List[str]:
    """The Spanish share of the assistant's conversations, and the Spanish turns answered."""
    share = data["config"].get("spanish_share", 0)
    if not share:
        return []
    answered = sum(r.get("messages_by_language", {}).get("es", 0) for r in data["results"])
    wrong = sum(
        count for r in data["results"] for kind, count in r.get("error_kinds", {}).items() if kind.startswith("es ")
    )
    return [
        f"{share:.0%} of the assistant's conversations are in Spanish ({answered} Spanish messages answered "
        f"in the measured windows, {wrong} of them wrong: a Spanish fever or infection report must get "
        '"Llame ahora", and no Spanish turn an English answer or, for a question, the please-rephrase reply); '
        "the reference's are all English.",
        "",
    ]


def table(results: List[dict]) -> str:
    head = (
        "| assistant | deployment | conversations | msg/s | p50 ms | p95 ms | p99 ms | errors | wrong replies | "
        "peak RSS MB | server CPU ms/msg |"
    )
    rows = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    order = {a: i for i, a in enumerate(ASSISTANTS)}
    for r in sorted(
        results, key=lambda r: (DEPLOYMENTS.index(r["deployment"]), order[r["assistant"]], r["concurrency"])
    ):
        rows.append(
            f"| {r['assistant']} | {DEPLOYMENT_LABELS[r['deployment']]} | {r['concurrency']} | "
            f"{r['messages_per_s']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | "
            f"{r['errors']} | {r['wrong_replies']} | {r['peak_rss_mb']:.0f} | {r['server_cpu_ms_per_message']:.1f} |"
        )
    return "\n".join(rows)


def write_markdown(data: dict, path: Path) -> str:
    m = data["machine"]
    cfg = data["config"]
    lines = [
        "# Load benchmark",
        "",
        f"Run {data['started']} on {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"Python {m['python']}, Rasa {m['rasa']}; commit {data['commit']}. "
        f"Load average before the run: {' '.join(f'{x:.2f}' for x in data['load_before'])}.",
        "",
        f"Each level: {cfg['ramp']:g} s ramp (not measured), then {cfg['duration']:g} s measured; "
        f"a {cfg['warmup']:g} s warm-up per deployment; the two assistants of a deployment run side by side and "
        "are measured in turn, level by level. Each simulated conversation has its own connection and sends its "
        "next message as soon as the reply arrives. Latency is per message (request to reply), over the REST "
        "channel on 127.0.0.1. Peak RSS: the Rasa server process(es) plus the action server (the reference has none), "
        "summed (forked workers share some pages, so their sum overstates). Server CPU: CPU time of those "
        "processes per message.",
        *(
            [f"Extra environment of every server: `{' '.join(f'{k}={v}' for k, v in cfg['server_env'].items())}`.", ""]
            if cfg.get("server_env")
            else []
        ),
        *spanish_lines(data),
        "",
        table(data["results"]),
        "",
        f"## Target: at {TARGET_LEVEL} conversations, >= {TARGET_RATIO:g}x the stock assistant's messages per "
        f"second, p95 < {TARGET_P95_MS:g} ms",
        "",
        *verdict_lines(data["results"]),
        "",
        "## Deployments",
        "",
        "- single server: one `rasa run`; the assistant on `endpoints.yml` (SQLite tracker store, "
        "in-process locks), the reference on Rasa's SQLite tracker store and in-memory lock store.",
        "- 2 Sanic workers: one `rasa run` with `SANIC_WORKERS=2` (Rasa 3.6 has no `--workers` option), "
        "PostgreSQL tracker store and Redis lock store (the assistant: `endpoints.production.yml`; the "
        "reference: Rasa's stock `SQL` and `redis` stores).",
        "- 2 replicas + nginx: two `rasa run` sharing the same PostgreSQL and Redis, nginx round robin in front.",
        "- The assistant has one action server (`rasa run actions`) in every deployment; the stock `rasa init` "
        "assistant has no custom action (its `actions.py` is all comments), so it has no action server.",
        "- The reference: `rasa init --no-prompt` trained at bench time "
        f"({data.get('reference_training_s', 0):.0f} s) with its default config (DIET, TED, UnexpecTED "
        "policies); its conversations mix greet, mood_great, mood_unhappy, affirm/deny, bot_challenge, goodbye.",
        "",
        *urgent_lines(data["results"]),
        "## Machine load",
        "",
        f"Other heavy processes at the start: {len(data['other_processes_before'])}"
        + (" (" + "; ".join(data["other_processes_before"]) + ")" if data["other_processes_before"] else "")
        + f"; at the end: {len(data['other_processes_after'])}"
        + (" (" + "; ".join(data["other_processes_after"]) + ")" if data["other_processes_after"] else "")
        + ".",
        "The load generator runs on the same machine. Per level, machine CPU busy % (all processes):",
        "",
        ", ".join(
            f"{r['assistant']}/{r['deployment']}/{r['concurrency']}: {r['machine_cpu_busy_pct']:.0f}%"
            for r in data["results"]
        ),
        "",
        "![latency](latency.png)",
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text)
    return text
