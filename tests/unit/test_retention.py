"""The retention command deletes whole conversations older than the configured days, never a turn
stored while it runs, and refuses a number of days that is not a finite number above 0."""

import asyncio
import time

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from scripts.delete_old_conversations import delete_old_conversations, main


def turn(days_ago):
    stamp = time.time() - days_ago * 86400
    return [ActionExecuted("action_listen", timestamp=stamp), UserUttered("hi", {"name": "greet"}, timestamp=stamp)]


def conversation(store, sender, *turns_days_ago):
    """Stores the turns (Rasa's save adds the events the database does not have yet)."""
    events = [event for days_ago in turns_days_ago for event in turn(days_ago)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


@pytest.fixture
def store(tmp_path):
    return SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"))


def events_of(store, sender):
    events = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        return (
            connection.execute(sa.select(events.c.type_name).where(events.c.sender_id == sender).order_by(events.c.id))
            .scalars()
            .all()
        )


def test_old_conversations_are_deleted_and_recent_ones_kept(store):
    conversation(store, "old-1", 45)
    conversation(store, "old-2", 31)
    conversation(store, "recent", 2)
    assert delete_old_conversations(store, 30, dry_run=True) == 2
    assert set(asyncio.run(store.keys())) == {"old-1", "old-2", "recent"}
    assert delete_old_conversations(store, 30) == 2
    assert set(asyncio.run(store.keys())) == {"recent"}
    assert delete_old_conversations(store, 1) == 1
    assert list(asyncio.run(store.keys())) == []


def test_a_parent_who_comes_back_during_the_run_keeps_the_whole_conversation(store):
    """The old code listed the old conversations, then deleted every event of those senders: a turn
    stored in between was deleted with them. The turn here is stored just before the DELETE runs."""
    conversation(store, "returning", 45)
    conversation(store, "gone", 45)
    before = events_of(store, "returning")

    came_back = []

    def parent_comes_back(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("DELETE") and not came_back:
            came_back.append(True)
            conversation(store, "returning", 45, 0)  # a new turn, on another connection, committed

    sa.event.listen(store.engine, "before_cursor_execute", parent_comes_back)
    delete_old_conversations(store, 30)
    assert came_back
    assert events_of(store, "returning") == before + before  # the old turns and the new one
    assert events_of(store, "gone") == []


@pytest.mark.parametrize("days", ["nan", "NaN", "inf", "-inf", "0", "-3", "1e308", "thirty", ""])
def test_days_must_be_a_finite_number_above_0(store, days, capsys, monkeypatch):
    conversation(store, "old", 45)
    with pytest.raises(SystemExit) as exit_:
        main([f"--days={days}"])
    assert exit_.value.code == 2 and "not a number of days above 0" in capsys.readouterr().err
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", days)
    with pytest.raises(SystemExit):
        main([])
    assert "CONVERSATION_RETENTION_DAYS" in capsys.readouterr().err
    with pytest.raises(ValueError, match="finite number above 0"):
        delete_old_conversations(store, float(days) if days not in ("thirty", "") else days)
    assert events_of(store, "old")  # nothing was deleted
