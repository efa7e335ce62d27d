"""The tracker store's failure paths (docs/production.md "Faults",
tests/replica/test_faults.py, tests/replica/test_tracker_store_memory.py), which
addons/rasa_patches/tracker_store.py puts in place of Rasa's:

* A hung PostgreSQL (frozen, or a network that drops packets) is bounded. Rasa queries it
  synchronously in the server's event loop; a frozen server still has its connections accepted
  and acknowledged by the kernel, so neither connect_timeout nor TCP keepalives nor
  tcp_user_timeout notice it, and the replica answered nothing until PostgreSQL did. psycopg2's
  wait callback (the hook it offers for waiting on the socket) waits at most
  POSTGRES_ANSWER_SECONDS (2) for each step, then closes the connection's socket and fails; for
  POSTGRES_RETRY_AFTER_SECONDS (5) after that, database calls fail at once. The message is then
  answered from memory, as when PostgreSQL is down.
* Rasa's FailSafeTrackerStore keeps every conversation it could not store in an
  InMemoryTrackerStore that never forgets one (and never reads it back): during a long database
  outage the server's memory grows with every new sender. BoundedFailSafeTrackerStore keeps at
  most FALLBACK_CONVERSATIONS of them (the least recently written are dropped first), forgets a
  conversation once the database stores it again, and reads a conversation from there when the
  database cannot be read, so a conversation continues during the outage.
* POSTGRES_SSLMODE, libpq's sslmode for the tracker store's connections (postgres_sslmode).
"""

import logging
import os
import select
import socket
import time
from collections import OrderedDict
from typing import Any, Optional

import psycopg2
import psycopg2.extensions
import rasa.core.tracker_store as _rasa_tracker_store

logger = logging.getLogger(__name__)


# libpq's sslmode values (https://www.postgresql.org/docs/current/libpq-ssl.html)
POSTGRES_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


def postgres_sslmode() -> str:
    """POSTGRES_SSLMODE, default prefer (TLS when the server offers it): require or verify-full
    where PostgreSQL is reached across a network (deploy/README.md)."""
    value = os.environ.get("POSTGRES_SSLMODE", "").strip() or "prefer"
    if value not in POSTGRES_SSLMODES:
        raise ValueError(
            f"POSTGRES_SSLMODE is {value!r}; set it to one of {', '.join(POSTGRES_SSLMODES)} "
            f"(default prefer; require or verify-full when PostgreSQL is across a network)"
        )
    return value


# --------------------------------------------------------------------------------------------
# A hung PostgreSQL: each wait on its socket is bounded.
# --------------------------------------------------------------------------------------------
POSTGRES_ANSWER_SECONDS = 2.0
POSTGRES_RETRY_AFTER_SECONDS = 5.0
_postgres_unanswered_at: Optional[float] = None


class PostgresNotAnswering(psycopg2.OperationalError):
    """PostgreSQL did not answer in time: an OperationalError, as a lost connection is, so
    SQLAlchemy wraps it and discards the connection."""


def _drop_socket(connection: Any) -> None:
    """Shuts the connection's socket down, so psycopg2 and SQLAlchemy see a broken connection and
    discard it (connection.close() here would wait for psycopg2's lock, which this call holds)."""
    try:
        sock = socket.socket(fileno=os.dup(connection.fileno()))
    except (OSError, ValueError):
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


def wait_for_postgres(connection: Any) -> None:
    """psycopg2's wait callback (psycopg2.extensions.set_wait_callback): what psycopg2 does for each
    blocking libpq step (connect, send a query, read its result), with a deadline."""
    global _postgres_unanswered_at
    unanswered_at = _postgres_unanswered_at
    if unanswered_at is not None and time.monotonic() - unanswered_at < POSTGRES_RETRY_AFTER_SECONDS:
        _drop_socket(connection)
        raise PostgresNotAnswering(
            f"PostgreSQL did not answer within {POSTGRES_ANSWER_SECONDS:g} s "
            f"{time.monotonic() - unanswered_at:.1f} s ago; not waiting for it again yet"
        )
    deadline = time.monotonic() + POSTGRES_ANSWER_SECONDS
    poller = select.poll()
    while True:
        state = connection.poll()
        if state == psycopg2.extensions.POLL_OK:
            if unanswered_at is not None:
                logger.warning("PostgreSQL answers again.")
                _postgres_unanswered_at = None
            return
        events = select.POLLIN if state == psycopg2.extensions.POLL_READ else select.POLLOUT
        remaining = deadline - time.monotonic()
        ready = []
        if remaining > 0:
            poller.register(connection.fileno(), events)
            try:
                ready = poller.poll(remaining * 1000)
            finally:
                poller.unregister(connection.fileno())
        if not ready:
            if _postgres_unanswered_at is None:
                logger.error(
                    "PostgreSQL did not answer within %g s; database calls fail at once for %g s "
                    "(messages are answered from memory).",
                    POSTGRES_ANSWER_SECONDS,
                    POSTGRES_RETRY_AFTER_SECONDS,
                )
            _postgres_unanswered_at = time.monotonic()
            _drop_socket(connection)
            raise PostgresNotAnswering(f"PostgreSQL did not answer within {POSTGRES_ANSWER_SECONDS:g} s")


# --------------------------------------------------------------------------------------------
# The tracker store's fallback: bounded, and read back.
# --------------------------------------------------------------------------------------------
# Conversations kept in memory while the database fails, per server (each a few kB serialised)
FALLBACK_CONVERSATIONS = 1000
# and at most this many characters of serialised conversations in all
FALLBACK_CHARACTERS = 20_000_000


class BoundedInMemoryTrackerStore(_rasa_tracker_store.InMemoryTrackerStore):
    """Rasa's InMemoryTrackerStore keeping the most recently written `max_conversations`
    conversations (and at most `max_characters` of them serialised); older ones are dropped."""

    def __init__(
        self,
        domain: Any,
        event_broker: Any = None,
        max_conversations: int = FALLBACK_CONVERSATIONS,
        max_characters: int = FALLBACK_CHARACTERS,
    ) -> None:
        super().__init__(domain, event_broker)
        self.store: "OrderedDict[str, str]" = OrderedDict()
        self.max_conversations, self.max_characters = max_conversations, max_characters
        self.characters = 0

    async def save(self, tracker: Any) -> None:
        await self.stream_events(tracker)
        serialised = self.serialise_tracker(tracker)
        self.forget(tracker.sender_id)
        if len(serialised) > self.max_characters:
            return
        self.store[tracker.sender_id] = serialised
        self.characters += len(serialised)
        while len(self.store) > self.max_conversations or self.characters > self.max_characters:
            _, dropped = self.store.popitem(last=False)
            self.characters -= len(dropped)

    def forget(self, sender_id: str) -> None:
        dropped = self.store.pop(sender_id, None)
        if dropped is not None:
            self.characters -= len(dropped)


class BoundedFailSafeTrackerStore(_rasa_tracker_store.FailSafeTrackerStore):
    """Rasa's FailSafeTrackerStore (the Agent wraps every tracker store in it; rasa_patches has it
    use this class) with a bounded fallback that is read back while the database fails, one log
    line when the database starts failing and one when it works again (not one per message), and,
    on PostgreSQL, a bounded wait for each database call (wait_for_postgres)."""

    def __init__(
        self, tracker_store: Any, on_tracker_store_error: Any = None, fallback_tracker_store: Any = None
    ) -> None:
        super().__init__(
            tracker_store,
            on_tracker_store_error,
            fallback_tracker_store or BoundedInMemoryTrackerStore(tracker_store.domain, tracker_store.event_broker),
        )
        self._failing = False
        engine = getattr(tracker_store, "engine", None)
        if engine is not None and engine.dialect.name == "postgresql":
            psycopg2.extensions.set_wait_callback(wait_for_postgres)

    def _failed(self, error: Exception) -> None:
        if self._on_tracker_store_error:
            self._on_tracker_store_error(error)
        elif not self._failing:
            # SQLAlchemy's message: the statement without its parameters (hide_parameters,
            # addons/rasa_patches/tracker_store.py)
            logger.error(
                "The tracker store %s failed (%s); conversations are kept in memory (at most %d) "
                "until it works again.",
                type(self._tracker_store).__name__,
                error,
                getattr(self.fallback_tracker_store, "max_conversations", -1),
            )
        self._failing = True

    def _worked(self) -> None:
        if self._failing:
            logger.warning("The tracker store %s works again.", type(self._tracker_store).__name__)
            self._failing = False

    async def retrieve(self, sender_id: str) -> Any:
        try:
            tracker = await self._tracker_store.retrieve(sender_id)
        except Exception as error:
            self._failed(error)
            return await self.fallback_tracker_store.retrieve(sender_id)
        self._worked()
        return tracker

    async def retrieve_full_tracker(self, sender_id: str) -> Any:
        try:
            tracker = await self._tracker_store.retrieve_full_tracker(sender_id)
        except Exception as error:
            self._failed(error)
            return await self.fallback_tracker_store.retrieve_full_tracker(sender_id)
        self._worked()
        return tracker

    async def save(self, tracker: Any) -> None:
        try:
            await self._tracker_store.save(tracker)
        except Exception as error:
            self._failed(error)
            await self.fallback_tracker_store.save(tracker)
            return
        self._worked()
        forget = getattr(self.fallback_tracker_store, "forget", None)
        if forget is not None:
            forget(tracker.sender_id)
