"""Two Rasa replicas sharing PostgreSQL and Redis behind nginx: 50 concurrent conversations.

Every conversation has 9 turns, a realistic mix: a greeting or a question, topic questions, and one
urgent or temperature message (a fever, a sign of infection, a 911 sign or a reading below the
threshold), the texts of one conversation all different so each turn can be found in the database.

1. Turns 1-3 go straight to the replicas, alternately (a conversation's turn n to one replica,
   turn n+1 to the other): each replica continues what the other stored.
2. Turns 4-7 go through nginx (round robin); one replica is killed (SIGKILL) mid-way. A client
   whose request failed looks in PostgreSQL: if the turn was recorded (only its answer was lost)
   it does not send it again; if not, it sends it once more. Nothing is sent twice.
3. Both replicas are restarted; turn 8 goes to each conversation's replica directly, turn 9
   through nginx: every conversation goes on where it was (no second greeting disclaimer, one
   session in the database).

After phases 2 and 3 PostgreSQL must hold every conversation whole: each message exactly once as
a user event, in order, each followed by exactly the bot messages its client received.
"""

import json
import random
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, List, Optional

import requests

from addons.nlg.hospital_nlg import DISCLAIMER
from tests.live.conftest import ROOT, TEST_CARE_TEAM_PHONE, VENV_BIN
from tests.replica.conftest import Reply

CONVERSATIONS = 50
RESULTS = ROOT / "results" / "replica"  # replicas.json: the figures of the last run
PREFIX = "replica-parent-"

OPENERS = ["hello there", "hi", "my son was just diagnosed with neutropenia what does that mean"]
QUESTIONS = [
    "what are neutrophils",
    "what is neutropenia",
    "why do kids get neutropenia",
    "what kinds of neutropenia are there",
    "how do doctors diagnose neutropenia",
    "how is neutropenia treated",
    "what are the symptoms of neutropenia",
    "when should i call the doctor",
    "how do i reach the care team",
    "what is g-csf",
    "what is cyclic neutropenia",
    "what is kostmann syndrome",
    "how should i take her temperature",
    "what happens during a bone marrow aspirate",
    "why would she need antibiotics",
    "the doctor keeps saying anc what is that",
    "what is chronic benign neutropenia",
]
# (message, what the reply must contain, whether the reply carries the care-team number)
URGENT = [
    ("she has a fever of 101.5", "Call now", True),
    ("my daughter has a fever of 38.9", "Call now", True),
    ("his temp is 102", "Call now", True),
    ("he is burning up", "Call now", True),
    ("redness spreading around his port site", "Call now", True),
    ("her lips are blue", "Call 911 now", True),
    ("my son is not breathing", "Call 911 now", True),
    ("her temp is 99.1", "about an hour", True),  # below the threshold: recheck guidance
]
PHASES = {1: range(0, 3), 2: range(3, 7), 3: range(7, 9)}
KILL_AFTER_PHASE_2_TURNS = 60  # of 200


@dataclass
class Turn:
    text: str
    expect: Optional[str] = None  # a phrase the reply must contain
    number: bool = False  # the reply must carry the care-team number
    reply: Optional[Reply] = None  # None: the answer was lost with a killed replica, but recorded
    served_by: Optional[int] = None
    attempts: int = 0
    failures: List[str] = field(default_factory=list)


@dataclass
class Conversation:
    index: int
    turns: List[Turn]

    @property
    def sender(self) -> str:
        return f"{PREFIX}{self.index:02d}"


def script(index: int) -> Conversation:
    rng = random.Random(index)
    questions = rng.sample(QUESTIONS, 7)
    turns = [Turn(rng.choice(OPENERS))] + [Turn(q) for q in questions]
    text, expect, number = URGENT[index % len(URGENT)]
    # the urgent message somewhere in turns 2-7, so it meets either replica and the kill
    turns.insert(rng.randrange(1, 7), Turn(text, expect, number))
    assert len(turns) == 9 and len({t.text for t in turns}) == 9
    return Conversation(index, turns)


class Run:
    """Drives the conversations; counts what happened."""

    def __init__(self, stack):
        self.stack = stack
        self.conversations = [script(i) for i in range(CONVERSATIONS)]
        self.lock = threading.Lock()
        self.phase_2_done = 0
        self.sessions = [requests.Session() for _ in self.conversations]

    def send(self, conversation: Conversation, turn: Turn, replica: Optional[int]) -> None:
        """One turn; on a failed request, resends it once (through nginx) unless it was recorded."""
        for attempt in (1, 2):
            turn.attempts = attempt
            try:
                reply = self.stack.say(
                    conversation.sender, turn.text, replica, session=self.sessions[conversation.index]
                )
                if reply.status == 200:
                    turn.reply = reply
                    turn.served_by = replica if replica is not None else self.stack.replica_of(reply.upstream)
                    return
                turn.failures.append(f"HTTP {reply.status}")
            except requests.RequestException as error:
                turn.failures.append(type(error).__name__)
            if self.stack.user_message_recorded(conversation.sender, turn.text):
                return  # processed and stored; only the answer was lost: never send it twice
            replica = None
        raise AssertionError(f"{conversation.sender}: {turn.text!r} failed twice: {turn.failures}")

    def phase(self, number: int, route) -> None:
        """Each conversation sends its turns of this phase in order; all conversations at once."""

        def converse(conversation: Conversation) -> None:
            for n in PHASES[number]:
                self.send(conversation, conversation.turns[n], route(conversation, n))
                if number == 2:
                    with self.lock:
                        self.phase_2_done += 1

        with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
            for future in [pool.submit(converse, c) for c in self.conversations]:
                future.result()


def check_stored(stack, conversations: List[Conversation], upto: int) -> dict:
    """Every conversation's turns [0, upto) are in PostgreSQL exactly once, in order, each with
    exactly the bot messages its client received; returns counts."""
    events: dict[str, list[Any]] = {}
    for sender, kind, event in stack.events(PREFIX):
        events.setdefault(sender, []).append((kind, event))
    counts = {"user_events": 0, "bot_events": 0, "sessions": 0}
    for conversation in conversations:
        stored = events.get(conversation.sender, [])
        users = [i for i, (kind, _) in enumerate(stored) if kind == "user"]
        texts = [stored[i][1]["text"] for i in users]
        assert texts == [t.text for t in conversation.turns[:upto]], f"{conversation.sender}: turns stored {texts}"
        sessions = sum(kind == "session_started" for kind, _ in stored)
        assert sessions == 1, f"{conversation.sender}: {sessions} sessions"
        for n, start in enumerate(users):
            end = users[n + 1] if n + 1 < len(users) else len(stored)
            bots = [event.get("text") or "" for kind, event in stored[start:end] if kind == "bot"]
            turn = conversation.turns[n]
            assert bots, f"{conversation.sender}: {turn.text!r} has no stored answer"
            if turn.reply is not None:  # the client's answer is what was stored, once
                parts = [part for text in bots for part in text.strip().split("\n\n")]
                assert parts == turn.reply.texts, f"{conversation.sender}: {turn.text!r} stored {bots}"
            counts["bot_events"] += len(bots)
        counts["user_events"] += len(users)
        counts["sessions"] += sessions
    return counts


def check_replies(conversations: List[Conversation], turns: range) -> None:
    for conversation in conversations:
        for n in turns:
            turn = conversation.turns[n]
            if turn.reply is None:
                continue
            text = turn.reply.text
            assert text, f"{conversation.sender}: no answer to {turn.text!r}"
            if turn.expect:
                assert turn.expect in text, f"{conversation.sender}: {turn.text!r} got {text!r}"
            if turn.number:
                assert TEST_CARE_TEAM_PHONE in text, f"{conversation.sender}: {turn.text!r} got {text!r}"


def test_replicas_share_conversations_survive_a_kill_and_a_restart(stack):
    run = Run(stack)
    summary = {"conversations": CONVERSATIONS, "turns_per_conversation": 9}

    # 1. alternating replicas, addressed directly
    started = time.monotonic()
    run.phase(1, lambda c, n: (c.index + n) % 2)
    summary["phase_1_seconds"] = round(time.monotonic() - started, 1)
    check_replies(run.conversations, PHASES[1])
    for conversation in run.conversations:
        assert {t.served_by for t in conversation.turns[:3]} == {0, 1}

    # 2. through nginx; replica 0 is killed once a third of these turns are done
    killed = threading.Event()

    def killer():
        while not killed.is_set():
            with run.lock:
                due = run.phase_2_done >= KILL_AFTER_PHASE_2_TURNS
            if due:
                stack.kill_replica(0)
                summary["killed_after_phase_2_turns"] = run.phase_2_done
                killed.set()
            time.sleep(0.01)

    killer_thread = threading.Thread(target=killer, daemon=True)
    killer_thread.start()
    started = time.monotonic()
    try:
        run.phase(2, lambda c, n: None)
    finally:
        killed.set()
    summary["phase_2_seconds"] = round(time.monotonic() - started, 1)
    assert stack.replicas[0].poll() is not None, "replica 0 was not killed during the run"
    check_replies(run.conversations, PHASES[2])
    phase_2 = [c.turns[n] for c in run.conversations for n in PHASES[2]]
    summary["phase_2_served_by"] = {f"replica_{i}": sum(t.served_by == i for t in phase_2) for i in (0, 1)}
    summary["phase_2_failed_requests"] = sum(len(t.failures) for t in phase_2)
    summary["phase_2_resent"] = sum(t.attempts == 2 and t.reply is not None for t in phase_2)
    summary["phase_2_recorded_answer_lost"] = sum(t.reply is None for t in phase_2)
    assert summary["phase_2_served_by"]["replica_0"] > 0 and summary["phase_2_served_by"]["replica_1"] > 0
    summary["after_phase_2"] = check_stored(stack, run.conversations, 7)

    # 3. both replicas restarted: every conversation goes on where it was
    stack.stop_replicas(1)
    started = time.monotonic()
    stack.start_replicas(0, 1)
    summary["restart_seconds"] = round(time.monotonic() - started, 1)
    run.phase(3, lambda c, n: c.index % 2 if n == 7 else None)
    check_replies(run.conversations, PHASES[3])
    for conversation in run.conversations:
        for turn in conversation.turns[7:]:
            assert DISCLAIMER not in turn.reply.text, f"{conversation.sender} was greeted as new after the restart"
    summary["after_restart"] = check_stored(stack, run.conversations, 9)
    latencies = sorted(t.reply.seconds for c in run.conversations for t in c.turns if t.reply is not None)
    summary["latency_seconds"] = {
        "p50": round(latencies[len(latencies) // 2], 3),
        "p95": round(latencies[int(len(latencies) * 0.95)], 3),
        "max": round(latencies[-1], 3),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "replicas.json").write_text(json.dumps(summary, indent=2) + "\n")


def test_retention_works_on_postgresql(stack):
    """scripts/delete_old_conversations.py with endpoints.production.yml deletes old conversations
    from PostgreSQL and keeps recent ones."""
    old = time.time() - 40 * 86400
    event = json.dumps({"event": "user", "timestamp": old, "text": "an old question"})
    stack.query(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (%s, 'user', %s, %s)",
        "retention-old-parent",
        old,
        event,
    )
    before = {row[0] for row in stack.query("SELECT DISTINCT sender_id FROM events")}
    result = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "scripts/delete_old_conversations.py",
            "--endpoints",
            "endpoints.production.yml",
            "--days",
            "30",
        ],
        cwd=ROOT,
        env=stack.servers.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "deleted 1 conversation(s)" in result.stdout
    after = {row[0] for row in stack.query("SELECT DISTINCT sender_id FROM events")}
    assert after == before - {"retention-old-parent"}
