"""Rasa's SQL tracker store engine and the fail-safe wrapper the Agent puts around every store.

* Engine options (rasa.core.tracker_store.create_engine_kwargs, which SQLTrackerStore.__init__
  calls at construction time, hence before Rasa creates its tracker store):
  - every dialect: statement parameters (message texts, sender ids) are kept out of SQL error
    messages, hence out of logs (SQLAlchemy's hide_parameters);
  - PostgreSQL: connections are checked before use (pool_pre_ping): after a database restart,
    Rasa would otherwise fail the next message of each server on a dead pooled connection, answer
    it as a new conversation and not store it; and libpq's sslmode is POSTGRES_SSLMODE
    (addons.stores.tracker_store.postgres_sslmode, default prefer);
  - an SQLite file (endpoints.yml): connections are kept in a QueuePool, as SQLAlchemy 2.0 does
    for file databases (SQLAlchemy 1.4 opens two new ones per message), and (a process-wide
    "connect" listener) the file writes a write-ahead log with synchronous=NORMAL instead of a
    rollback journal with two fsyncs per commit. The file stays consistent after a crash of the
    server or the machine; a power cut can lose the last turns written (the parent then sees a
    conversation start over). Readers (the retention script, tests) are not blocked by the writer.
* rasa.core.agent.FailSafeTrackerStore, the class Agent._create_tracker_store wraps the configured
  store in, is addons.stores.tracker_store.BoundedFailSafeTrackerStore (a bounded fallback read back during an outage,
  and a bounded wait for a hung PostgreSQL: addons/stores/tracker_store.py).
"""

from __future__ import annotations

from typing import Any, Dict

import rasa.core.agent as rasa_agent
import rasa.core.tracker_store as rasa_tracker_store
import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.event
import sqlalchemy.pool

from addons.stores.tracker_store import BoundedFailSafeTrackerStore, postgres_sslmode

# Rasa's originals
_rasa_create_engine_kwargs = rasa_tracker_store.create_engine_kwargs
RASA_FAIL_SAFE_TRACKER_STORE = rasa_agent.FailSafeTrackerStore


def is_sqlite_file_url(url: Any) -> bool:
    parsed = sqlalchemy.engine.make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def create_engine_kwargs(url: Any) -> Dict[str, Any]:
    kwargs: Dict[str, Any] = _rasa_create_engine_kwargs(url)
    # a failed statement's error message would carry its parameters: message texts, sender ids
    kwargs["hide_parameters"] = True
    if rasa_tracker_store.is_postgresql_url(url):
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "sslmode": postgres_sslmode()}
    elif is_sqlite_file_url(url):
        # Rasa uses the store from its event loop only
        kwargs["poolclass"] = sqlalchemy.pool.QueuePool
        kwargs["connect_args"] = {"check_same_thread": False}
    return kwargs


def sqlite_write_ahead_log(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLAlchemy "connect" listener on every Engine: an SQLite connection writes a write-ahead log."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def apply() -> None:
    rasa_tracker_store.create_engine_kwargs = create_engine_kwargs
    if not sqlalchemy.event.contains(sqlalchemy.engine.Engine, "connect", sqlite_write_ahead_log):
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", sqlite_write_ahead_log)
    rasa_agent.FailSafeTrackerStore = BoundedFailSafeTrackerStore
