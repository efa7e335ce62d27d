"""While PostgreSQL is down, a replica's memory stays flat however many parents write.

Rasa's FailSafeTrackerStore keeps every conversation it could not store in an InMemoryTrackerStore
that never drops one: during an outage the replica's memory grew with every new sender until it
was killed. addons/stores/tracker_store.py bounds that fallback (FALLBACK_CONVERSATIONS). This test stops
PostgreSQL, sends MESSAGES messages with distinct sender ids straight to replica 0 (parents' questions
in English and Spanish; 1 in 10 a fever report, which must still get Call now / Llame ahora; 1 in 50
ids bad: very long, NUL bytes, control characters, which the channel may refuse with 400), and reads
the replica's resident memory (VmRSS) after a warm-up that fills the fallback and then every
WINDOW messages. Figures in results/replica/memory.json.

How growth is judged. The unbounded fallback grows the same amount in every window (one more
stored conversation per sender). The bounded one grows by nothing per sender, but the process
may still take one step once: CPython's table of interned strings doubles (10 to 20 MB) when the
strings interned and freed while answering (psycopg2's parse_dsn, msgpack, attribute names) fill
it, after a number of messages that depends on the model's size (tracemalloc on a replica,
2026-11-29: the 20 MB block reallocated inside parse_dsn, the 10 MB one it replaced allocated when
spaCy's tokenizer loaded). So the windows are judged without the largest one, and the largest one
on its own is capped. The texts come from a fixed set: a message of new words also grows spaCy's
vocabulary by about 0.3 kB per new word (docs/production.md), which is not the fallback's memory.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import requests

from addons.channels.input_guard import rest_conversation_id
from addons.stores import tracker_store
from tests.live.conftest import ROOT, TEST_CARE_TEAM_PHONE

RESULTS = ROOT / "results" / "replica" / "memory.json"
# four windows after the warm-up: the unbounded fallback's growth over the three smallest (about
# 10 MB) is then twice GROWTH_LIMIT_MB, while the bounded one's is none (docs/production.md)
MESSAGES = 6_000
WARM_UP = 2_000  # more than FALLBACK_CONVERSATIONS valid senders: the fallback is full after it
WINDOW = 1_000
# growth allowed after the warm-up without the largest window (measured: see memory.json), and at
# most half of what the unbounded fallback would have kept over the same windows
GROWTH_LIMIT_MB = 6
# the largest window on its own: the interned-strings table doubling (10 MB) and the window's share
ONE_STEP_LIMIT_MB = 16
URGENT = {"my daughter has a fever of 39": "Call now", "mi hija tiene 39 de fiebre": "Llame ahora"}
QUESTIONS = [
    "hello there",
    "what is neutropenia?",
    "what causes low neutrophils in kids",
    "how is neutropenia diagnosed",
    "is cyclic neutropenia treated with G-CSF?",
    "what should I watch for at home",
    "can my son go to school with neutropenia",
    "thank you so much",
    "hola",
    "¿qué es la neutropenia?",
    "¿cómo se trata la neutropenia en niños?",
    "¿qué causa los neutrófilos bajos?",
    "muchas gracias",
]
BAD_SENDERS = ["x" * 5_000, "nul\x00byte", "bell\x07\x1b[31m", "\u202eright-to-left", "tab\there"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def message(n: int):
    """(sender, text): every 50th sender is a bad id, every 10th message a fever report."""
    sender = f"{BAD_SENDERS[(n // 50) % len(BAD_SENDERS)]}-{n}" if n % 50 == 7 else f"memory-parent-{n:05d}"
    if n % 10 == 3:
        return sender, list(URGENT)[(n // 10) % len(URGENT)]
    return sender, QUESTIONS[n % len(QUESTIONS)]


def test_memory_stays_flat_while_postgresql_is_down(stack):
    replica = stack.replicas[0]
    url = f"{stack.url(0)}/webhooks/rest/webhook"
    sessions = {}
    outcomes = {"answered": 0, "refused_400": 0, "urgent_call_now": 0}

    def send(n: int):
        import threading

        session = sessions.setdefault(threading.get_ident(), requests.Session())
        sender, text = message(n)
        response = session.post(url, json={"sender": sender, "message": text}, timeout=60)
        return n, response.status_code, [m.get("text", "") for m in response.json()] if response.ok else []

    def run(numbers) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for n, status, texts in pool.map(send, numbers):
                sender, text = message(n)
                if status == 400 and n % 50 == 7:
                    outcomes["refused_400"] += 1
                    continue
                assert status == 200 and texts, f"message {n}: HTTP {status}"
                outcomes["answered"] += 1
                if text in URGENT:
                    assert texts[0].startswith(URGENT[text]) and TEST_CARE_TEAM_PHONE in texts[0], texts
                    outcomes["urgent_call_now"] += 1

    before = rss_mb(replica.pid)
    stack.postgres.stop()
    started = time.monotonic()
    try:
        run(range(WARM_UP))
        samples = [rss_mb(replica.pid)]
        for start in range(WARM_UP, MESSAGES, WINDOW):
            run(range(start, min(start + WINDOW, MESSAGES)))
            samples.append(rss_mb(replica.pid))
    finally:
        seconds = time.monotonic() - started
        stack.postgres.start()
    stack.replicas_store_again()
    # what the unbounded fallback would have kept: one such conversation per valid sender
    probe = f"memory-size-probe-{time.time_ns()}"
    assert stack.say(probe, QUESTIONS[1], 0).status == 200
    characters = stack.query("SELECT sum(length(data)) FROM events WHERE sender_id = %s", rest_conversation_id(probe))[
        0
    ][0]
    unbounded_mb_per_window = WINDOW * characters / 2**20

    windows = [after - before_window for before_window, after in pairwise(samples)]
    largest = max(windows)
    without_largest = sum(windows) - largest
    figures = {
        "messages": MESSAGES,
        **outcomes,
        "seconds": round(seconds, 1),
        "kb_per_conversation": round(characters / 1024, 1),
        "unbounded_fallback_would_grow_mb_per_window": round(unbounded_mb_per_window, 1),
        "fallback_conversations": tracker_store.FALLBACK_CONVERSATIONS,
        "rss_mb_before": round(before, 1),
        "rss_mb_after_warm_up": round(samples[0], 1),
        f"rss_mb_every_{WINDOW}": [round(s, 1) for s in samples],
        "growth_after_warm_up_mb": round(samples[-1] - samples[0], 1),
        "growth_without_the_largest_window_mb": round(without_largest, 1),
        "largest_window_mb": round(largest, 1),
        "growth_limit_mb": GROWTH_LIMIT_MB,
        "one_step_limit_mb": ONE_STEP_LIMIT_MB,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    assert outcomes["answered"] + outcomes["refused_400"] == MESSAGES
    assert outcomes["urgent_call_now"] == MESSAGES // 10
    # the unbounded fallback grows about unbounded_mb_per_window in every window
    unbounded_without_largest = (len(windows) - 1) * unbounded_mb_per_window
    assert (
        without_largest < GROWTH_LIMIT_MB and without_largest < unbounded_without_largest / 2
    ), f"the replica grew by {without_largest:.1f} MB after the warm-up, its largest window left out: {figures}"
    assert largest < ONE_STEP_LIMIT_MB, f"the replica grew by {largest:.1f} MB in one window: {figures}"
