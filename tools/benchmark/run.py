"""The benchmark's command line and its run: each deployment in turn (both assistants side by side,
measured in turn level by level), bench.json after every deployment, then bench.md and
latency.png. tools/bench.py's docstring describes the method.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from tools.benchmark import probes
from tools.benchmark.deployments import ASSISTANTS, DEPLOYMENT_LABELS, DEPLOYMENTS, AssistantDeployment, train_reference
from tools.benchmark.load import Conversation, Judge, drive
from tools.benchmark.plot import plot
from tools.benchmark.report import table, verdict_lines, write_markdown
from tools.benchmark.summary import LevelResult, summarize
from tools.benchmark.workload import (
    ReplyCatalog,
    parent_conversation,
    reference_conversation,
    reply_catalog,
    reply_is_right,
)
from tools.harness import MODEL

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "results" / "bench"
LEVELS = (1, 10, 50)
# `make bench` measures the assistant with a fifth of its conversations in Spanish.
SPANISH_SHARE = 0.2
DESCRIPTION = (
    "Load benchmark: the assistant against a stock `rasa init` assistant, both served three ways "
    "on this machine, in one run (docs/benchmark.md)."
)


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def wait_until_quiet(limit: float) -> List[str]:
    """Waits (up to `limit` seconds) while other Rasa / pytest processes run; returns those still running."""
    deadline = time.monotonic() + limit
    others = probes.other_heavy_processes()
    while others and time.monotonic() < deadline:
        print(
            f"waiting for {len(others)} other heavy process(es) to finish (they would distort the figures):", flush=True
        )
        for line in others[:5]:
            print(f"  {line}", flush=True)
        time.sleep(min(15.0, max(0.0, deadline - time.monotonic())))
        others = probes.other_heavy_processes()
    if others:
        print("WARNING: measuring while other heavy processes run; bench.md lists them.", flush=True)
    return others


def workload_of(assistant: str, spanish_share: float, catalog: Optional[ReplyCatalog]) -> Tuple[Conversation, Judge]:
    """What an assistant's simulated users say and how their replies are judged; the Spanish share
    is the assistant's only (the reference is English)."""
    if assistant == "neutropenia":
        return (
            functools.partial(parent_conversation, spanish_share=spanish_share),
            functools.partial(reply_is_right, catalog=catalog),
        )
    return reference_conversation, reply_is_right


async def measure_deployment(
    deployed_assistants: Sequence[AssistantDeployment],
    levels: Sequence[int],
    ramp: float,
    duration: float,
    warmup: float,
    spanish_share: float = 0.0,
    catalog: Optional[ReplyCatalog] = None,
) -> List[LevelResult]:
    """Warms each assistant up, then measures level by level, the assistants in turn (the first one
    alternating), so that a change in the machine's speed during the run affects both alike."""
    run = f"{deployed_assistants[0].deployment}-{int(time.time())}"
    for deployed in deployed_assistants:
        # warm-up: every process answers, lazy imports and first-message paths are done
        conversation, judge = workload_of(deployed.assistant, spanish_share, catalog)
        turns, *_ = await drive(
            deployed.url, conversation, judge, max(levels), 0, warmup, f"{run}-{deployed.assistant}-warmup"
        )
        failed = [t for t in turns if t.error]
        print(
            f"    {deployed.assistant} warm-up: {len(turns)} turns in {warmup:.0f} s, {len(failed)} failed or wrong"
            + (f" ({failed[0].error})" if failed else ""),
            flush=True,
        )
    results = []
    for number, level in enumerate(levels):
        order = list(deployed_assistants) if number % 2 == 0 else list(reversed(deployed_assistants))
        for deployed in order:
            conversation, judge = workload_of(deployed.assistant, spanish_share, catalog)
            sampler = probes.MemorySampler(deployed.roots)
            with sampler:
                turns, window, server_cpu, busy_pct, split = await _measured(
                    deployed, conversation, judge, level, ramp, duration, f"{run}-{deployed.assistant}"
                )
            result = summarize(
                deployed.assistant,
                deployed.deployment,
                level,
                turns,
                window,
                sampler.peak,
                server_cpu,
                busy_pct,
                probes.load_average(),
            )
            result.server_cpu_s_by_process = split
            results.append(result)
            print(
                f"    {deployed.assistant:>11}, {level:>2} conversations: {result.messages_per_s:6.1f} msg/s  "
                f"p50 {result.p50_ms:6.0f}  p95 {result.p95_ms:6.0f}  p99 {result.p99_ms:6.0f} ms  "
                f"errors {result.errors}  wrong {result.wrong_replies}  peak RSS {result.peak_rss_mb:.0f} MB  "
                f"CPU {result.server_cpu_ms_per_message:.1f} ms/msg",
                flush=True,
            )
    return results


async def _measured(
    deployed: AssistantDeployment,
    conversation: Conversation,
    judge: Judge,
    level: int,
    ramp: float,
    duration: float,
    run: str,
):
    """Drives one level; also reads the servers' CPU time and the machine's CPU over the measured
    window. Returns (turns, window, server CPU seconds, machine busy %, CPU seconds of the action
    server and of each Rasa process)."""
    loop = asyncio.get_running_loop()
    marks: Dict[str, Tuple[Dict[int, float], float, float]] = {}

    async def mark(name: str, at: float) -> None:
        await asyncio.sleep(max(0.0, at - loop.time()))
        busy, total = probes.machine_busy()
        marks[name] = ({pid: probes.cpu_seconds([pid]) for pid in probes.process_tree(deployed.roots())}, busy, total)

    begin = loop.time()
    marker = asyncio.gather(mark("start", begin + ramp), mark("end", begin + ramp + duration))
    turns, window_start, window_end = await drive(
        deployed.url, conversation, judge, level, ramp, duration, f"{run}-{level}"
    )
    await marker
    (cpu0, busy0, total0), (cpu1, busy1, total1) = marks["start"], marks["end"]
    busy_pct = 100 * (busy1 - busy0) / max(1e-9, total1 - total0)
    by_pid = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    actions = deployed.actions_pid
    split = {
        "actions": round(by_pid.get(actions, 0.0), 2) if actions else 0.0,
        "rasa": sorted((round(v, 2) for pid, v in by_pid.items() if pid != actions and v >= 0.05), reverse=True),
    }
    return turns, (window_start, window_end), sum(by_pid.values()), busy_pct, split


def report(data: dict, out: Path) -> None:
    """bench.md and latency.png from the run's data; the table and the verdict printed."""
    write_markdown(data, out / "bench.md")
    plot(data["results"], out / "latency.png")
    print()
    print(table(data["results"]))
    print()
    print("\n".join(verdict_lines(data["results"])))
    print(f"\nwritten: {out / 'bench.md'}, {out / 'latency.png'}, {out / 'bench.json'}")


def share(value: str) -> float:
    """argparse type of --spanish-share: a fraction from 0 to 1."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number; give a fraction such as 0.2") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 1; give a fraction such as 0.2 (20 %)")
    return number


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrent conversations (1,10,50)")
    parser.add_argument("--deployments", default=",".join(DEPLOYMENTS))
    parser.add_argument("--assistants", default=",".join(ASSISTANTS))
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per level")
    parser.add_argument("--ramp", type=float, default=3, help="unmeasured seconds at the start of each level")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of warm-up traffic per deployment")
    parser.add_argument(
        "--spanish-share",
        type=share,
        default=SPANISH_SHARE,
        help=f"share of the assistant's conversations in Spanish (default {SPANISH_SHARE:g}; "
        "0 for English only; the reference is always English)",
    )
    parser.add_argument("--reference-dir", type=Path, help="a `rasa init` project already trained (else trained now)")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=600,
        help="seconds to wait for other rasa/pytest processes to finish before starting",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra environment variable for every server started (to try a setting); repeatable",
    )
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs (the temporary folder)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--replot", action="store_true", help="only redo bench.md and latency.png from bench.json")
    args = parser.parse_args(argv)
    try:
        args.levels = [int(v) for v in args.levels.split(",") if v]
    except ValueError:
        parser.error(f"--levels {args.levels!r}: give numbers of conversations separated by commas, e.g. 1,10,50")
    if not args.levels or min(args.levels) < 1:
        parser.error("--levels: give at least one number of conversations, each 1 or more")
    for item in args.server_env:
        if "=" not in item:
            parser.error(f"--server-env {item!r}: give NAME=VALUE")
    args.deployments = [d for d in args.deployments.split(",") if d]
    args.assistants = [a for a in args.assistants.split(",") if a]
    for d in args.deployments:
        if d not in DEPLOYMENTS:
            parser.error(f"unknown deployment {d!r}; one of {DEPLOYMENTS}")
    for a in args.assistants:
        if a not in ASSISTANTS:
            parser.error(f"unknown assistant {a!r}; one of {ASSISTANTS}")
    return args


def load_reply_catalog() -> ReplyCatalog:
    """How the assistant's answers begin, from its domain (to judge the Spanish turns)."""
    import warnings

    from tools.project_domain import load_domain

    with warnings.catch_warnings():  # Rasa's notice about slot auto-fill is not ours to act on here
        warnings.simplefilter("ignore")
        return reply_catalog(load_domain().responses)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        report(json.loads((out / "bench.json").read_text()), out)
        return 0

    levels: List[int] = args.levels
    server_env = dict(item.split("=", 1) for item in args.server_env)
    deployments: List[str] = args.deployments
    assistants: List[str] = args.assistants
    if "neutropenia" in assistants and not MODEL.exists():
        print("no trained model: run 'make train'", file=sys.stderr)
        return 1
    catalog = load_reply_catalog() if "neutropenia" in assistants and args.spanish_share else None

    # SIGTERM (make interrupted, a CI timeout) stops the servers and removes the temporary folder too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    others_before = wait_until_quiet(args.wait_idle)
    tmp_root = Path(tempfile.mkdtemp(prefix="neutropenia-bench-"))
    data: Dict[str, Any] = {
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": probes.machine_info(),
        "commit": git_commit(),
        "load_before": probes.load_average(),
        "other_processes_before": others_before,
        "config": {
            "levels": levels,
            "duration": args.duration,
            "ramp": args.ramp,
            "warmup": args.warmup,
            "server_env": server_env,
            "spanish_share": args.spanish_share,
        },
        "model": {
            "path": str(MODEL.relative_to(ROOT)),
            "mtime": datetime.fromtimestamp(MODEL.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        }
        if MODEL.exists()
        else None,
        "results": [],
    }
    started = time.monotonic()
    try:
        reference_dir = args.reference_dir
        if "rasa-init" in assistants and reference_dir is None:
            reference_dir = tmp_root / "rasa-init"
            print("training the stock `rasa init` assistant (the reference) ...", flush=True)
            data["reference_training_s"] = round(train_reference(reference_dir), 1)
            print(f"  trained in {data['reference_training_s']:.0f} s", flush=True)
        for deployment in deployments:
            print(f"{DEPLOYMENT_LABELS[deployment]}:", flush=True)
            deployed_assistants: List[AssistantDeployment] = []
            try:
                # both assistants' servers side by side (an idle server uses no CPU), measured in turn
                for assistant in assistants:
                    tmp = tmp_root / f"{assistant}-{deployment}"
                    tmp.mkdir()
                    deployed = AssistantDeployment(
                        assistant, deployment, tmp, reference_dir.resolve() if reference_dir else None, server_env
                    )
                    deployed_assistants.append(deployed)
                    t0 = time.monotonic()
                    deployed.start()
                    print(
                        f"    {assistant} up in {time.monotonic() - t0:.0f} s ({deployed.stores}); {deployed.url}",
                        flush=True,
                    )
                results = asyncio.run(
                    measure_deployment(
                        deployed_assistants, levels, args.ramp, args.duration, args.warmup, args.spanish_share, catalog
                    )
                )
            finally:
                for deployed in deployed_assistants:
                    deployed.stop()
            data["results"].extend(asdict(r) for r in results)
            (out / "bench.json").write_text(json.dumps(data, indent=1))
    finally:
        if args.keep:
            print(f"servers' logs kept in {tmp_root}")
        else:
            shutil.rmtree(tmp_root, ignore_errors=True)
    data["total_s"] = round(time.monotonic() - started)
    data["other_processes_after"] = probes.other_heavy_processes()
    data["load_after"] = probes.load_average()
    (out / "bench.json").write_text(json.dumps(data, indent=1))
    report(data, out)
    print(f"bench took {data['total_s'] / 60:.1f} min")
    return 0
