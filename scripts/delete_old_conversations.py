"""Retention: deletes conversations whose last message is older than N days.

Conversations are health information; the hospital keeps them only as long as its policy says.
Works on the SQL tracker store configured in the endpoints file (SQLite by default,
PostgreSQL in production), through Rasa's own SQLTrackerStore. Prints counts only: sender ids
can be phone numbers.

A conversation is deleted whole, by one DELETE statement whose condition is the conversation's
newest event: a parent who comes back while this runs keeps the whole conversation (if the new
turn is stored before the statement starts) or at least every turn stored after the statement's
snapshot (PostgreSQL never deletes a row it cannot see). No turn added during the run is deleted.

Usage: python scripts/delete_old_conversations.py [--days N] [--endpoints FILE] [--dry-run]
  --days defaults to $CONVERSATION_RETENTION_DAYS, else 30; a finite number above 0.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECONDS_PER_DAY = 86400


def check_days(days: float) -> float:
    """A finite number of days above 0: NaN would pass a `<= 0` check, and PostgreSQL then matches
    every conversation (NaN sorts above every number there)."""
    if not (isinstance(days, (int, float)) and math.isfinite(days * SECONDS_PER_DAY) and days > 0):
        raise ValueError(f"the number of days must be a finite number above 0, e.g. 30; got {days!r}")
    return float(days)


def retention_days(text: str) -> float:
    """--days (or $CONVERSATION_RETENTION_DAYS, its default) read from the command line."""
    try:
        return check_days(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days above 0 (--days, or "
            f"CONVERSATION_RETENTION_DAYS when --days is not given); "
            f"give e.g. 30"
        ) from None


def delete_old_conversations(store, days: float, dry_run: bool = False) -> int:
    """Deletes every event of the conversations last active more than `days` ago; returns how many."""
    import sqlalchemy as sa

    check_days(days)
    events = store.SQLEvent.__table__
    cutoff = time.time() - days * SECONDS_PER_DAY
    old_senders = (
        sa.select(events.c.sender_id).group_by(events.c.sender_id).having(sa.func.max(events.c.timestamp) < cutoff)
    )
    with store.engine.begin() as connection:
        if dry_run:
            return connection.execute(sa.select(sa.func.count()).select_from(old_senders.subquery())).scalar()
        # one statement: the condition on the newest event is checked as the rows are deleted
        delete = events.delete().where(events.c.sender_id.in_(old_senders))
        if connection.dialect.name == "postgresql":
            deleted = delete.returning(events.c.sender_id).cte("deleted")
            return connection.execute(sa.select(sa.func.count(sa.distinct(deleted.c.sender_id)))).scalar()
        # SQLite (one server, development): counted just before; the deletion itself is the same
        # single statement, so only the printed count could be off if a parent writes in between
        count = connection.execute(sa.select(sa.func.count()).select_from(old_senders.subquery())).scalar()
        connection.execute(delete)
        return count


def open_store(endpoints_file: Path):
    from addons import rasa_patches

    rasa_patches.apply()  # the server's engine options: POSTGRES_SSLMODE, parameters kept out of errors
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Delete conversations older than N days.")
    parser.add_argument(
        "--days",
        type=retention_days,
        default=os.environ.get("CONVERSATION_RETENTION_DAYS", "30"),
        help="keep conversations active in the last N days (default: $CONVERSATION_RETENTION_DAYS, " "else 30)",
    )
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--dry-run", action="store_true", help="count, do not delete")
    args = parser.parse_args(argv)
    count = delete_old_conversations(open_store(args.endpoints), args.days, args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(f"{verb} {count} conversation(s) with no message in the last {args.days:g} days")
    return 0


if __name__ == "__main__":
    sys.exit(main())
