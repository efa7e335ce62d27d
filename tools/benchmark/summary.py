"""One level's figures from its turns: messages per second, latency percentiles, errors and wrong
replies, peak memory and server CPU.

Only the turns that ended inside the measured window count. Percentiles are nearest-rank (the
smallest latency with at least q % of the latencies at or below it: an observed latency, never
an interpolation), numpy's "inverted_cdf" method.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

import numpy

from tools.benchmark.load import Turn


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not len(values):
        return float("nan")
    return float(numpy.percentile(values, q, method="inverted_cdf"))


@dataclass
class LevelResult:
    assistant: str
    deployment: str
    concurrency: int
    duration_s: float
    messages: int  # answered in the window
    messages_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    errors: int  # not answered: refused, timed out, HTTP error
    wrong_replies: int  # answered, but not as workload.reply_is_right expects
    error_kinds: Dict[str, int]
    p50_ms_by_kind: Dict[str, float]
    p95_ms_by_kind: Dict[str, float]
    peak_rss_mb: float
    server_cpu_ms_per_message: float
    machine_cpu_busy_pct: float
    load_average: List[float] = field(default_factory=list)
    # CPU seconds in the window: the action server, and each Rasa process that served (workers, replicas)
    server_cpu_s_by_process: Dict[str, object] = field(default_factory=dict)
    # answered messages by language of the conversation (en, es)
    messages_by_language: Dict[str, int] = field(default_factory=dict)


def summarize(
    assistant: str,
    deployment: str,
    concurrency: int,
    turns: List[Turn],
    window: Tuple[float, float],
    peak_rss: int,
    server_cpu: float,
    machine_busy_pct: float,
    load_average: Sequence[float] = (),
) -> LevelResult:
    start, end = window
    measured = [t for t in turns if start <= t.ended <= end]
    answered = [t for t in measured if t.answered]
    latencies = [(t.ended - t.started) * 1000 for t in answered]
    kinds: Dict[str, int] = {}
    for t in measured:
        if t.error:
            kinds[t.error] = kinds.get(t.error, 0) + 1
    by_kind: Dict[str, List[float]] = {}
    by_language: Dict[str, int] = {}
    for t in answered:
        by_kind.setdefault(t.kind, []).append((t.ended - t.started) * 1000)
        by_language[t.language] = by_language.get(t.language, 0) + 1
    duration = end - start
    return LevelResult(
        assistant,
        deployment,
        concurrency,
        round(duration, 1),
        len(answered),
        round(len(answered) / duration, 2),
        round(percentile(latencies, 50), 1),
        round(percentile(latencies, 95), 1),
        round(percentile(latencies, 99), 1),
        round(statistics.fmean(latencies), 1) if latencies else float("nan"),
        len(measured) - len(answered),
        sum(1 for t in answered if not t.right),
        kinds,
        {k: round(percentile(v, 50), 1) for k, v in sorted(by_kind.items())},
        {k: round(percentile(v, 95), 1) for k, v in sorted(by_kind.items())},
        round(peak_rss / 2**20, 1),
        round(server_cpu * 1000 / max(1, len(measured)), 1),
        round(machine_busy_pct, 1),
        list(load_average),
        messages_by_language=dict(sorted(by_language.items())),
    )
