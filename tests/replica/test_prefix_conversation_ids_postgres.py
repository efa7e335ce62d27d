"""The one-off move into each channel's key space (scripts/prefix_conversation_ids.py) on
PostgreSQL, run as hospital IT runs it: the command, on endpoints.production.yml. Conversations
stored under bare ids, as the replicas stored them before, get their channel's prefix whole; the
rest is not touched; a second run moves nothing."""

import json
import subprocess
import time

from tests.live.conftest import ROOT, VENV_BIN


def store_turn(stack, sender: str, channel: str) -> None:
    stamp = time.time()
    event = json.dumps({"event": "user", "timestamp": stamp, "text": "a question", "input_channel": channel})
    stack.query(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (%s, 'user', %s, %s)", sender, stamp, event
    )


def events_under(stack, sender: str) -> int:
    return stack.query("SELECT count(*) FROM events WHERE sender_id = %s", sender)[0][0]


def move(stack, *options):
    result = subprocess.run(
        [str(VENV_BIN / "python"), "scripts/prefix_conversation_ids.py", "--endpoints", "endpoints.production.yml"]
        + list(options),
        cwd=ROOT,
        env=stack.servers.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_bare_conversations_move_into_their_channels_key_space_on_postgres(stack):
    unique = time.time_ns()
    bare = {
        f"24000{unique}": "facebook",
        f"whatsapp:+1555{unique}": "twilio",
        f"{unique:032x}"[-32:]: "socketio",
    }
    for sender, channel in bare.items():
        store_turn(stack, sender, channel)
        store_turn(stack, sender, channel)
    total = stack.query("SELECT count(*) FROM events")[0][0]
    assert move(stack, "--dry-run").startswith("would move")
    assert all(events_under(stack, sender) == 2 for sender in bare)
    output = move(stack)
    assert output.startswith("moved ") and not any(sender in output for sender in bare)
    for sender, channel in bare.items():
        assert events_under(stack, sender) == 0 and events_under(stack, f"{channel}:{sender}") == 2
    assert stack.query("SELECT count(*) FROM events")[0][0] == total
    assert move(stack).startswith("moved 0 conversation(s)")
