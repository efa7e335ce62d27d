"""The one-off move of conversations into their channel's key space (scripts/prefix_conversation_ids.py)
on an SQLite tracker store as Rasa writes it: each conversation under a bare id gets its
channel's prefix, whole; mixed ones go with the channel that opened them; nothing else changes; a
second run moves nothing. (tests/replica/test_prefix_conversation_ids_postgres.py: PostgreSQL.)"""

import asyncio

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.channels.input_guard import conversation_id
from scripts.prefix_conversation_ids import apply, main, plan

# the bare ids each channel stored under before each had its own key space
BARE = {
    "2400000000000007": "facebook",
    "+15551234567": "twilio",
    "whatsapp:+15551234567": "twilio",
    "123456789": "telegram",
    "U0PARENT05": "slack",
    "0123456789abcdef0123456789abcdef": "socketio",
}


def save(store, sender, *channels):
    events = []
    for channel in channels:
        events += [ActionExecuted("action_listen"), UserUttered("a question", {"name": "ask"}, input_channel=channel)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


def stored(store):
    """Every conversation id and its events, as Rasa reads them back."""
    return {
        sender: [e.as_dict()["event"] for e in asyncio.run(store.retrieve_full_tracker(sender)).events]
        for sender in asyncio.run(store.keys())
    }


@pytest.fixture
def store(tmp_path):
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "conversations.db"))
    for sender, channel in BARE.items():
        save(store, sender, channel, channel)
    save(store, conversation_id("rest", "parent-1"), "rest")  # REST's were in their key space already
    save(store, "2400000000000008", "facebook", "socketio", "facebook")  # a socket client wrote into it
    save(store, "console-user", "cmdline")  # rasa shell: no channel of this assistant
    asyncio.run(store.save(DialogueStateTracker.from_events("started-only", [SessionStarted()])))
    save(store, "5550001112223334", "socketio")  # its new id is taken: the new server stored one
    save(store, conversation_id("socketio", "5550001112223334"), "socketio")
    return store


def test_every_bare_conversation_moves_whole_into_its_channels_key_space(store):
    before = stored(store)
    result = plan(store)
    assert result.moves == {
        **{sender: conversation_id(channel, sender) for sender, channel in BARE.items()},
        "2400000000000008": "facebook:2400000000000008",
    }
    assert (result.mixed, result.taken, result.no_channel, result.already) == (1, 1, 2, 2)
    apply(store, result.moves)
    after = stored(store)
    for old, new in result.moves.items():
        assert old not in after and after[new] == before[old]
    for untouched in ("rest:parent-1", "console-user", "started-only", "5550001112223334", "socketio:5550001112223334"):
        assert after[untouched] == before[untouched]
    assert len(after) == len(before)
    assert plan(store).moves == {}  # a second run moves nothing


def test_the_command_reports_counts_only_and_its_dry_run_changes_nothing(store, tmp_path, capsys):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'conversations.db'}\n")
    before = stored(store)
    assert main(["--endpoints", str(endpoints), "--dry-run"]) == 0
    output = capsys.readouterr().out
    assert output.startswith("would move 7 conversation(s) into their channel's key space")
    assert "twilio 2" in output and "1 of them had messages from several channels" in output
    assert stored(store) == before
    assert main(["--endpoints", str(endpoints)]) == 0
    output = capsys.readouterr().out
    assert output.startswith("moved 7 conversation(s)")
    for sender in (*BARE, "2400000000000008", "parent-1"):
        assert sender not in output  # sender ids can be phone numbers
    assert main(["--endpoints", str(endpoints)]) == 0
    assert capsys.readouterr().out.startswith("moved 0 conversation(s)")
