"""The benchmark's report (tools/benchmark/report.py, plot.py): the target verdict, bench.md as the
committed run wrote it, the Spanish share, latency.png."""

import copy
import json

import pytest

from tests.conftest import ROOT
from tools.benchmark.plot import plot
from tools.benchmark.report import verdicts, write_markdown

COMMITTED = ROOT / "results" / "bench"


def level(assistant, deployment="single", concurrency=10, msg_s=80.0, p95=200.0, errors=0):
    return {
        "assistant": assistant,
        "deployment": deployment,
        "concurrency": concurrency,
        "messages_per_s": msg_s,
        "p95_ms": p95,
        "errors": errors,
    }


@pytest.mark.parametrize(
    ("ours", "meets"),
    [
        (level("neutropenia", msg_s=80.0, p95=200.0), True),
        (level("neutropenia", msg_s=80.0, p95=249.9), True),
        (level("neutropenia", msg_s=79.0, p95=200.0), False),  # 1.98x the reference
        (level("neutropenia", msg_s=80.0, p95=250.0), False),  # p95 not under 250 ms
        (level("neutropenia", msg_s=80.0, p95=200.0, errors=1), False),
    ],
)
def test_a_deployment_meets_the_target_with_twice_the_references_messages_and_p95_under_250_ms(ours, meets):
    (verdict,) = verdicts([ours, level("rasa-init", msg_s=40.0, p95=400.0)])
    assert verdict["meets"] is meets


def test_a_deployment_without_both_assistants_at_10_conversations_has_no_verdict():
    assert verdicts([level("neutropenia"), level("rasa-init", concurrency=1)]) == []


@pytest.fixture(scope="module")
def committed_run():
    return json.loads((COMMITTED / "bench.json").read_text())


def test_bench_md_is_what_the_report_writes_from_the_committed_bench_json(committed_run, tmp_path):
    # the split of tools/bench.py changed no line of the report
    write_markdown(committed_run, tmp_path / "bench.md")
    assert (tmp_path / "bench.md").read_text() == (COMMITTED / "bench.md").read_text()


def english_only(run: dict) -> dict:
    """The run as if every conversation had been English: no share, no Spanish counts."""
    run = copy.deepcopy(run)
    run["config"]["spanish_share"] = 0
    for result in run["results"]:
        result.pop("messages_by_language", None)
        result["error_kinds"] = {k: n for k, n in result.get("error_kinds", {}).items() if not k.startswith("es ")}
    return run


def test_a_run_with_a_spanish_share_says_so_and_counts_the_wrong_spanish_replies(committed_run, tmp_path):
    # built from an English-only copy, so the figures are this test's whatever run is committed
    run = english_only(committed_run)
    run["config"]["spanish_share"] = 0.2
    ours = next(r for r in run["results"] if r["assistant"] == "neutropenia")
    ours["messages_by_language"] = {"en": 800, "es": 200}
    ours["error_kinds"] = {"es fever: unexpected reply": 3, "es topic: unexpected reply": 4, "TimeoutError": 1}
    text = write_markdown(run, tmp_path / "bench.md")
    assert "20% of the assistant's conversations are in Spanish (200 Spanish messages answered" in text
    assert "7 of them wrong" in text
    assert "Spanish" not in write_markdown(english_only(committed_run), tmp_path / "english.md")


def test_the_plot_is_written_as_a_png(committed_run, tmp_path):
    plot(committed_run["results"], tmp_path / "latency.png")
    assert (tmp_path / "latency.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
