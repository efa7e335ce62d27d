"""Retention: deletes conversations whose last message is older than N days.

Conversations are health information; the hospital keeps them only as long as its policy says.
Works on the SQL tracker store configured in the endpoints file (SQLite by default,
PostgreSQL in production), through Rasa's own SQLTrackerStore. Prints counts only: sender ids
can be phone numbers.

Usage: python scripts/delete_old_conversations.py [--days N] [--endpoints FILE] [--dry-run]
  --days defaults to $CONVERSATION_RETENTION_DAYS, else 30.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def delete_old_conversations(store, days: float, dry_run: bool = False) -> int:
    """Deletes every event of the conversations last active more than `days` ago; returns how many."""
    import sqlalchemy as sa

    events = store.SQLEvent.__table__
    cutoff = time.time() - days * 86400
    with store.engine.begin() as connection:
        last_activity = sa.select(events.c.sender_id).group_by(events.c.sender_id).having(
            sa.func.max(events.c.timestamp) < cutoff)
        senders = [row[0] for row in connection.execute(last_activity)]
        if senders and not dry_run:
            for start in range(0, len(senders), 500):
                connection.execute(events.delete().where(events.c.sender_id.in_(senders[start:start + 500])))
    return len(senders)


def open_store(endpoints_file: Path):
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.core.domain import Domain

    config = AvailableEndpoints.read_endpoints(str(endpoints_file)).tracker_store
    if config is None or (config.type or "").lower() != "sql":
        raise SystemExit(f"{endpoints_file}: no SQL tracker_store configured; retention works on the SQL store only.")
    store = TrackerStore.create(config, Domain.empty())
    store = getattr(store, "_tracker_store", store)  # Rasa wraps stores in a fail-safe wrapper
    if not isinstance(store, SQLTrackerStore):
        raise SystemExit(f"{endpoints_file}: the tracker store is {type(store).__name__}, not SQL.")
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description="Delete conversations older than N days.")
    parser.add_argument("--days", type=float, default=float(os.environ.get("CONVERSATION_RETENTION_DAYS", 30)))
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--dry-run", action="store_true", help="count, do not delete")
    args = parser.parse_args()
    if args.days <= 0:
        print("--days must be more than 0.", file=sys.stderr)
        return 2
    count = delete_old_conversations(open_store(args.endpoints), args.days, args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {count} conversation(s) with no message in the last {args.days:g} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
