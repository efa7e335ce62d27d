"""The retention command deletes whole conversations older than the configured days."""
import asyncio
import time

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from scripts.delete_old_conversations import delete_old_conversations


def conversation(store, sender, days_ago):
    stamp = time.time() - days_ago * 86400
    events = [ActionExecuted("action_listen", timestamp=stamp), UserUttered("hi", {"name": "greet"}, timestamp=stamp)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def test_old_conversations_are_deleted_and_recent_ones_kept(tmp_path):
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"))
    conversation(store, "old-1", 45)
    conversation(store, "old-2", 31)
    conversation(store, "recent", 2)
    assert delete_old_conversations(store, 30, dry_run=True) == 2
    assert set(asyncio.run(store.keys())) == {"old-1", "old-2", "recent"}
    assert delete_old_conversations(store, 30) == 2
    assert set(asyncio.run(store.keys())) == {"recent"}
    assert delete_old_conversations(store, 1) == 1
    assert list(asyncio.run(store.keys())) == []
