"""One-off: moves conversations stored under a bare sender id into their channel's key space.

Every channel now keeps its conversations under `<channel>:<sender>` (addons/channels/input_guard.py):
before, only REST did (`rest:<sender>`); the web chat stored under its session id, Twilio under
`+15551234567` or `whatsapp:+1...`, Messenger under the page-scoped id, Telegram under the chat id
and Slack under the user id, all in one key space, so an id sent on one channel could reach
another channel's conversation. After the upgrade a conversation left under its bare id is not
found again (the parent's next message starts a new one) and retention and review still see it.

For each conversation whose id is not already in a channel's key space, its channel is the
`input_channel` Rasa stored with its user messages:

* one channel: the conversation gets the id `<channel>:<id>` (all its events, one UPDATE);
* several (what the shared key space made possible, e.g. a socket client naming a Messenger user's id): the
  channel of its first user message, which opened it, and it is counted as mixed;
* none (no user message, or a channel this assistant does not have, e.g. `rasa shell`'s
  cmdline): left as it is, counted;
* a conversation whose new id is already taken (a server of the new version already stored one)
  is left as it is, counted: the two are not merged.

Web chat conversations are moved too (retention and review find them), but a page that kept an
old session id starts a new conversation: the server no longer accepts an id it did not sign.

Run it once, with the Rasa servers stopped (a message stored meanwhile would start the new id's
conversation), on the tracker store of the endpoints file, SQLite or PostgreSQL, through Rasa's
SQLTrackerStore as retention does. Prints counts only (sender ids can be phone numbers). A second
run finds nothing to move.

Usage: python scripts/prefix_conversation_ids.py [--endpoints FILE] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from scripts.delete_old_conversations import open_store

ROOT = Path(__file__).resolve().parent.parent
# The channels' names, as Rasa stores them in `input_channel` and as the key spaces begin
# (addons/metrics.py CHANNELS: the channels of credentials.yml).
CHANNELS = ("rest", "socketio", "twilio", "facebook", "telegram", "slack")


def in_a_key_space(sender_id: str) -> bool:
    return sender_id.split(":", 1)[0] in CHANNELS and ":" in sender_id


@dataclass
class Plan:
    """What a run does: old id -> new id, and what it leaves, counted."""

    moves: Dict[str, str] = field(default_factory=dict)
    by_channel: Counter = field(default_factory=Counter)
    mixed: int = 0
    no_channel: int = 0
    taken: int = 0
    already: int = 0


def plan(store) -> Plan:
    import sqlalchemy as sa

    events = store.SQLEvent.__table__
    channels: Dict[str, List[str]] = {}  # sender id -> its user messages' channels, in order
    with store.engine.connect() as connection:
        senders = set(connection.execute(sa.select(events.c.sender_id).distinct()).scalars())
        rows = connection.execution_options(stream_results=True).execute(
            sa.select(events.c.sender_id, events.c.data).where(events.c.type_name == "user").order_by(events.c.id)
        )
        for sender_id, data in rows:
            if in_a_key_space(sender_id):
                continue
            try:
                channel = json.loads(data).get("input_channel")
            except (TypeError, ValueError, AttributeError):
                channel = None
            seen = channels.setdefault(sender_id, [])
            if channel in CHANNELS and channel not in seen:
                seen.append(channel)
    result = Plan()
    for sender_id in sorted(senders):
        if in_a_key_space(sender_id):
            result.already += 1
            continue
        seen = channels.get(sender_id) or []
        if not seen:
            result.no_channel += 1
            continue
        new_id = f"{seen[0]}:{sender_id}"  # addons.channels.input_guard.conversation_id
        if new_id in senders:
            result.taken += 1
            continue
        result.mixed += len(seen) > 1
        result.moves[sender_id] = new_id
        result.by_channel[seen[0]] += 1
    return result


def apply(store, moves: Dict[str, str]) -> None:
    """Renames every conversation of `moves`, in one transaction."""
    events = store.SQLEvent.__table__
    with store.engine.begin() as connection:
        for old_id, new_id in moves.items():
            connection.execute(events.update().where(events.c.sender_id == old_id).values(sender_id=new_id))


def report(result: Plan, dry_run: bool) -> str:
    verb = "would move" if dry_run else "moved"
    channels = ", ".join(f"{name} {result.by_channel[name]}" for name in CHANNELS if result.by_channel[name])
    lines = [
        f"{verb} {len(result.moves)} conversation(s) into their channel's key space"
        + (f" ({channels})" if channels else "")
    ]
    if result.mixed:
        lines.append(
            f"  {result.mixed} of them had messages from several channels: kept with the channel that opened them"
        )
    if result.taken:
        lines.append(f"left {result.taken} conversation(s) as they were: their new id is already taken (not merged)")
    if result.no_channel:
        lines.append(
            f"left {result.no_channel} conversation(s) as they were: no user message from a channel of this assistant"
        )
    lines.append(f"{result.already} conversation(s) were already in their channel's key space")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
    args = parser.parse_args(argv)
    store = open_store(args.endpoints)
    result = plan(store)
    if not args.dry_run:
        apply(store, result.moves)
    print(report(result, args.dry_run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
