"""`make review` on PostgreSQL: the seeded conversations (tests/unit/review_conversations.py) stored
through Rasa's SQLTrackerStore in the replica stack's database, read back through
endpoints.production.yml and its variables, among the other tests' conversations."""

import subprocess
import sys
import time

from rasa.core.tracker_store import SQLTrackerStore

from content.conversations import read_endpoint_conversations
from tests.unit import review_conversations as seeded
from tools.harness import ROOT
from tools.project_domain import load_domain


def test_the_review_reads_the_conversations_from_postgresql(stack, tmp_path, monkeypatch):
    postgres = stack.postgres
    store = SQLTrackerStore(
        load_domain(),
        dialect="postgresql",
        host=postgres.host,
        port=postgres.port,
        db=postgres.database,
        username=postgres.user,
        password=postgres.password,
    )
    try:
        seeded.seed(store, prefix=f"review-{time.time_ns()}-")
    finally:
        store.engine.dispose()

    for name, value in postgres.env().items():
        monkeypatch.setenv(name, value)
    conversations = read_endpoint_conversations(ROOT / "endpoints.production.yml")
    starts = seeded.conversation_starts()
    ours = [c for c in conversations if c.turns[0].timestamp in starts]
    assert len(ours) == 8 and sorted(c.channel for c in ours) == ["slack", "socketio", "socketio", *["twilio"] * 5]
    assert sum(c.urgent for c in ours) == 2
    assert [t.decision for c in ours for t in c.turns if t.decision] == ["call_now_reading"]
    assert [t.corrected_to for c in ours for t in c.turns if t.corrected_to] == ["ask_bone_marrow_transplant"]

    # the command itself, as `RASA_ENDPOINTS=endpoints.production.yml make review` runs it without a terminal
    out = tmp_path / "review"
    result = subprocess.run(
        [sys.executable, "-m", "tools.review", "--report-only", "--out", str(out)],
        cwd=ROOT,
        env={**stack.servers.env, "RASA_ENDPOINTS": "endpoints.production.yml"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Read {len(conversations)} conversations" in result.stdout.replace("\n", " ")
    report = (out / "report.md").read_text()
    assert "call_now_reading" in report
    for personal in ("555-123-4567", "jane.doe@example.com", "Jake", "Emma", seeded.URGENT_FALLBACK_MASKED):
        assert personal not in report + result.stdout
