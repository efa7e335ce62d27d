"""One parent's messages reach both replicas at the same moment, 1,000 times: the Redis conversation
lock (addons/stores/lock_store.py, atomic tickets) lets one replica handle them at a time, so PostgreSQL
records every message exactly once, each followed by the answer its client got.

Rasa's own RedisLockStore gives both replicas ticket 0 when they read the lock at once (RasaHQ/rasa
#9213): both then load the same tracker and store their turns over each other. Each round here
sends one message of a conversation straight to replica 0 and another to replica 1 at once, and
waits for both replies before the next round; CONVERSATIONS conversations run side by side.
Figures in results/replica/contention.json.
"""

import json
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.live.conftest import ROOT

RESULTS = ROOT / "results" / "replica" / "contention.json"
PREFIX = "contention-parent-"
CONVERSATIONS = 100
ROUNDS = 10  # CONVERSATIONS * ROUNDS = 1,000 concurrent pairs, 2,000 messages
SIDE_BY_SIDE = 6  # conversations in flight at once (12 requests)
QUESTIONS = [
    "what are neutrophils",
    "what is neutropenia",
    "what is g-csf",
    "how is neutropenia treated",
    "when should i call the doctor",
    "what is cyclic neutropenia",
    "why would she need antibiotics",
    "how should i take her temperature",
    "what kinds of neutropenia are there",
    "how do doctors diagnose neutropenia",
]


def message(conversation: int, round_: int, replica: int) -> str:
    # unique per turn, so each can be found in the database
    return f"{QUESTIONS[(conversation + round_ + replica) % len(QUESTIONS)]} ({round_ + 1}{'ab'[replica]})"


def test_concurrent_messages_of_one_parent_on_two_replicas_are_each_stored_once(stack):
    sender_of = {c: f"{PREFIX}{c:03d}-{time.time_ns()}" for c in range(CONVERSATIONS)}
    replies = {}  # (conversation, round, replica) -> reply texts
    overlapped = Counter()
    guard = threading.Lock()
    sessions = threading.local()
    requests_pool = ThreadPoolExecutor(max_workers=2 * SIDE_BY_SIDE)

    def say(conversation: int, round_: int, replica: int):
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        started = time.monotonic()
        reply = stack.say(
            sender_of[conversation],
            message(conversation, round_, replica),
            replica,
            timeout=60,
            session=sessions.session,
        )
        assert (
            reply.status == 200 and reply.texts
        ), f"{message(conversation, round_, replica)!r} to replica {replica}: HTTP {reply.status} {reply.texts}"
        return started, time.monotonic(), reply.texts

    def converse(conversation: int) -> None:
        for round_ in range(ROUNDS):
            pair = [requests_pool.submit(say, conversation, round_, replica) for replica in (0, 1)]
            (start_a, end_a, texts_a), (start_b, end_b, texts_b) = (future.result() for future in pair)
            with guard:
                replies[conversation, round_, 0], replies[conversation, round_, 1] = texts_a, texts_b
                # both requests were in the replicas at once: one waited for the other's lock
                overlapped["pairs_in_flight_together"] += start_a < end_b and start_b < end_a

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=SIDE_BY_SIDE) as conversations:
            for future in [conversations.submit(converse, c) for c in range(CONVERSATIONS)]:
                future.result()
    finally:
        requests_pool.shutdown(wait=True)
    seconds = time.monotonic() - started

    stored = {}
    for sender, kind, event in stack.events(PREFIX):
        stored.setdefault(sender, []).append((kind, event))
    turns_checked = 0
    for conversation, sender in sender_of.items():
        events = stored.get(sender, [])
        users = [i for i, (kind, _) in enumerate(events) if kind == "user"]
        texts = [events[i][1]["text"] for i in users]
        expected = [message(conversation, r, replica) for r in range(ROUNDS) for replica in (0, 1)]
        duplicated = [text for text, count in Counter(texts).items() if count > 1]
        assert not duplicated, f"{sender}: stored more than once: {duplicated}"
        assert sorted(texts) == sorted(expected), f"{sender}: lost {sorted(set(expected) - set(texts))}"
        # the rounds in order (within a round either message may be first)
        rounds = [expected.index(text) // 2 for text in texts]
        assert rounds == sorted(rounds), f"{sender}: turns stored out of order: {texts}"
        for n, start in enumerate(users):
            end = users[n + 1] if n + 1 < len(users) else len(events)
            bots = [event.get("text") or "" for kind, event in events[start:end] if kind == "bot"]
            index = expected.index(texts[n])
            received = replies[conversation, index // 2, index % 2]
            parts = [part for text in bots for part in text.strip().split("\n\n")]
            assert parts == received, f"{sender}: {texts[n]!r} stored answer {bots}, its client got {received}"
            turns_checked += 1
        assert sum(kind == "session_started" for kind, _ in events) == 1, f"{sender}: more than one session"

    assert turns_checked == 2 * CONVERSATIONS * ROUNDS
    # the test is only worth something if the pairs really met in the replicas
    assert overlapped["pairs_in_flight_together"] >= 0.9 * CONVERSATIONS * ROUNDS
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "concurrent_pairs": CONVERSATIONS * ROUNDS,
                "messages": 2 * CONVERSATIONS * ROUNDS,
                "pairs_in_flight_together": overlapped["pairs_in_flight_together"],
                "stored_exactly_once_with_its_answer": turns_checked,
                "seconds": round(seconds, 1),
            },
            indent=2,
        )
        + "\n"
    )
