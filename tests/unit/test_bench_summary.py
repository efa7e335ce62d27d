"""One benchmark level's figures (tools/benchmark/summary.py): the percentiles keep their definition,
and only the turns of the measured window count."""

import math
import random

import pytest

from tools.benchmark.load import Turn
from tools.benchmark.summary import percentile, summarize


def nearest_rank(values, q):
    """The benchmark's percentile before numpy computed it (tools/bench.py until this session):
    the value of rank ceil(q/100 * n) in the sorted values. Kept here as the definition."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


@pytest.mark.parametrize("size", [1, 2, 19, 20, 21, 99, 100, 101, 997, 2500])
def test_the_percentiles_equal_the_nearest_rank_definition(size):
    rng = random.Random(size)
    latencies = [rng.lognormvariate(4.5, 0.6) for _ in range(size)]
    for q in (50, 95, 99):
        assert percentile(latencies, q) == nearest_rank(latencies, q)


def test_a_percentile_is_an_observed_latency_never_an_interpolation():
    latencies = [100.0] * 94 + [900.0] * 6
    assert percentile(latencies, 95) == 900.0  # 95th of 100: the 95th value, not a blend
    assert percentile(latencies, 50) == 100.0
    assert math.isnan(percentile([], 95))


def turn(start, latency_s, kind="topic", answered=True, right=True, error=None, language="en"):
    return Turn(start, start + latency_s, answered, right, error, kind, language)


def test_a_level_counts_the_turns_that_ended_in_its_window():
    turns = [
        turn(9.0, 0.5),  # ended in the ramp: not counted
        turn(10.0, 0.1),
        turn(11.0, 0.2, kind="fever"),
        turn(12.0, 0.3, kind="fever", right=False, error="fever: unexpected reply"),
        turn(13.0, 0.4, language="es", right=False, error="es topic: unexpected reply"),
        turn(14.0, 60.0, answered=False, error="TimeoutError"),  # ended after the window
        turn(15.0, 0.1, answered=False, error="ClientConnectorError"),
    ]
    result = summarize(
        "neutropenia",
        "single",
        10,
        turns,
        (10.0, 20.0),
        peak_rss=800 * 2**20,
        server_cpu=0.06,
        machine_busy_pct=53.21,
        load_average=[1.0, 0.5, 0.25],
    )
    assert result.messages == 4 and result.messages_per_s == 0.4
    assert result.errors == 1 and result.wrong_replies == 2
    assert result.error_kinds == {
        "fever: unexpected reply": 1,
        "es topic: unexpected reply": 1,
        "ClientConnectorError": 1,
    }
    assert (result.p50_ms, result.p95_ms, result.mean_ms) == (200.0, 400.0, 250.0)
    assert result.p95_ms_by_kind == {"fever": 300.0, "topic": 400.0}
    assert result.messages_by_language == {"en": 3, "es": 1}
    assert result.peak_rss_mb == 800.0
    assert result.server_cpu_ms_per_message == 12.0  # 60 ms over the 5 messages sent in the window
    assert result.machine_cpu_busy_pct == 53.2 and result.load_average == [1.0, 0.5, 0.25]
