"""Retention on PostgreSQL (scripts/delete_old_conversations.py): `--days nan` is refused before
anything is deleted (PostgreSQL sorts NaN above every number, so it matched every conversation),
and a parent who comes back while the deletion runs keeps the whole conversation."""

import json
import subprocess
import time

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from scripts.delete_old_conversations import delete_old_conversations
from tests.live.conftest import ROOT, VENV_BIN

DAY = 86400


def store_old_turn(stack, sender: str, days_ago: float) -> None:
    stamp = time.time() - days_ago * DAY
    event = json.dumps({"event": "user", "timestamp": stamp, "text": "a question"})
    stack.query(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (%s, 'user', %s, %s)", sender, stamp, event
    )


def stored(stack, sender: str) -> int:
    return stack.query("SELECT count(*) FROM events WHERE sender_id = %s", sender)[0][0]


def test_days_nan_is_refused_and_deletes_nothing(stack):
    sender = f"retention-recent-{time.time_ns()}"
    store_old_turn(stack, sender, 1)
    total = stack.query("SELECT count(*) FROM events")[0][0]
    for days in ("nan", "inf", "0"):
        result = subprocess.run(
            [
                str(VENV_BIN / "python"),
                "scripts/delete_old_conversations.py",
                "--endpoints",
                "endpoints.production.yml",
                f"--days={days}",
            ],
            cwd=ROOT,
            env=stack.servers.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 2 and "not a number of days above 0" in result.stderr, result.stderr[-2000:]
    assert stack.query("SELECT count(*) FROM events")[0][0] == total and stored(stack, sender) == 1


def test_a_parent_who_comes_back_during_the_deletion_keeps_the_whole_conversation(stack):
    postgres = stack.postgres
    store = SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host=postgres.host,
        port=postgres.port,
        db=postgres.database,
        username=postgres.user,
        password=postgres.password,
    )
    returning, gone = f"retention-returning-{time.time_ns()}", f"retention-gone-{time.time_ns()}"
    for sender in (returning, gone):
        store_old_turn(stack, sender, 45)
        store_old_turn(stack, sender, 44)
    came_back = []

    def parent_comes_back(conn, cursor, statement, parameters, context, executemany):
        # the new turn is committed by another connection as the deletion starts
        if "DELETE" in statement.upper() and not came_back:
            came_back.append(True)
            store_old_turn(stack, returning, 0)

    sa.event.listen(store.engine, "before_cursor_execute", parent_comes_back)
    try:
        deleted = delete_old_conversations(store, 30)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", parent_comes_back)
        store.engine.dispose()
    assert came_back and deleted >= 1
    assert stored(stack, returning) == 3  # the two old turns and the new one
    assert stored(stack, gone) == 0
