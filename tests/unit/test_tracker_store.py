"""addons/stores/tracker_store.py's tracker stores, and their patches of Rasa (addons/rasa_patches/
tracker_store.py): POSTGRES_SSLMODE, statement parameters kept out of error logs, a bounded wait
for a PostgreSQL that does not answer, and a bounded fallback store."""

import asyncio
import logging
import socket
import time

import pytest
import rasa.core.agent
import rasa.core.tracker_store
import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons import rasa_patches
from addons.stores import tracker_store
from addons.stores.tracker_store import BoundedFailSafeTrackerStore, BoundedInMemoryTrackerStore

rasa_patches.apply()  # as the server does when it creates its channels

URGENT_TEXT = "my daughter has a fever of 39"
PHONE_SENDER = "+15550100123"


def tracker(sender, text="hello there"):
    return DialogueStateTracker.from_events(
        sender, [ActionExecuted("action_listen"), UserUttered(text, {"name": "report_fever"}), BotUttered("Call now")]
    )


# --- engine options ----------------------------------------------------------------------------


def engine_kwargs(url="postgresql://rasa:secret@db.example.org:5432/rasa"):
    return rasa.core.tracker_store.create_engine_kwargs(url)


def test_sslmode_defaults_to_prefer_and_takes_postgres_sslmode(monkeypatch):
    monkeypatch.delenv("POSTGRES_SSLMODE", raising=False)
    assert engine_kwargs()["connect_args"]["sslmode"] == "prefer"
    monkeypatch.setenv("POSTGRES_SSLMODE", "require")
    kwargs = engine_kwargs()
    assert kwargs["connect_args"]["sslmode"] == "require" and kwargs["pool_pre_ping"] and kwargs["hide_parameters"]
    monkeypatch.setenv("POSTGRES_SSLMODE", "required")  # a typo must not silently mean "prefer"
    with pytest.raises(ValueError, match="POSTGRES_SSLMODE is 'required'.*verify-full"):
        engine_kwargs()


def test_sslmode_reaches_libpq(monkeypatch):
    """The engine passes it to psycopg2.connect (a server that refuses TLS then fails the connection)."""
    monkeypatch.setenv("POSTGRES_SSLMODE", "verify-full")
    engine = sa.create_engine("postgresql://rasa:secret@127.0.0.1:1/rasa", **engine_kwargs())
    _, cparams = engine.dialect.create_connect_args(engine.url)
    assert {**cparams, **engine_kwargs()["connect_args"]}["sslmode"] == "verify-full"
    assert engine.hide_parameters


def test_a_failed_statement_logs_no_message_text_and_no_sender(tmp_path, caplog):
    """The INSERT of a parent's message fails: the log says so, without the statement's parameters
    (the message text, the sender id), which SQLAlchemy would otherwise put in the error."""
    database = tmp_path / "conversations.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(database))
    with store.engine.begin() as connection:
        connection.execute(
            sa.text("CREATE TRIGGER full BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        )
    fail_safe = BoundedFailSafeTrackerStore(store)
    with caplog.at_level(logging.INFO):
        asyncio.run(fail_safe.save(tracker(PHONE_SENDER, URGENT_TEXT)))
    assert PHONE_SENDER in fail_safe.fallback_tracker_store.store  # kept in memory
    assert "disk full" in caplog.text and "INSERT INTO events" in caplog.text and "SQL parameters hidden" in caplog.text
    assert URGENT_TEXT not in caplog.text and "fever" not in caplog.text and PHONE_SENDER not in caplog.text
    # what the log line would have held without hide_parameters
    plain = sa.create_engine(f"sqlite:///{database}")
    with pytest.raises(sa.exc.IntegrityError) as error, plain.begin() as connection:
        connection.execute(store.SQLEvent.__table__.insert(), {"sender_id": PHONE_SENDER, "data": URGENT_TEXT})
    assert URGENT_TEXT in str(error.value) and PHONE_SENDER in str(error.value)


# --- a PostgreSQL that does not answer -----------------------------------------------------------


@pytest.fixture
def silent_server():
    """A TCP port whose connections the kernel accepts and nothing ever answers (a frozen server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def test_a_postgresql_that_does_not_answer_fails_within_the_bound_then_at_once(silent_server, monkeypatch):
    import psycopg2
    import psycopg2.extensions

    monkeypatch.setattr(tracker_store, "_postgres_unanswered_at", None)
    psycopg2.extensions.set_wait_callback(tracker_store.wait_for_postgres)
    try:
        seconds = []
        for _ in range(3):
            started = time.monotonic()
            with pytest.raises(psycopg2.OperationalError, match="did not answer within 2 s"):
                # connect_timeout alone does not apply in this mode; the wait callback bounds it
                psycopg2.connect(
                    host="127.0.0.1",
                    port=silent_server,
                    user="rasa",
                    password="x",
                    dbname="rasa",
                    connect_timeout=30,
                    sslmode="disable",
                )
            seconds.append(time.monotonic() - started)
    finally:
        psycopg2.extensions.set_wait_callback(None)
    assert tracker_store.POSTGRES_ANSWER_SECONDS - 0.1 < seconds[0] < tracker_store.POSTGRES_ANSWER_SECONDS + 1
    assert seconds[1] < 0.5 and seconds[2] < 0.5  # not waited for again for POSTGRES_RETRY_AFTER_SECONDS


# --- the fallback store ----------------------------------------------------------------------------


class BrokenStore(InMemoryTrackerStore):
    """A tracker store whose database fails until `working` is set."""

    working = False

    async def save(self, tracker):
        if not self.working:
            raise sa.exc.OperationalError("INSERT INTO events", {}, ConnectionRefusedError("refused"))
        await super().save(tracker)

    async def retrieve(self, sender_id):
        if not self.working:
            raise sa.exc.OperationalError("SELECT FROM events", {}, ConnectionRefusedError("refused"))
        return await super().retrieve(sender_id)


def test_the_agent_wraps_its_store_in_the_bounded_fail_safe_store():
    wrapped = rasa.core.agent.Agent._create_tracker_store(InMemoryTrackerStore(Domain.empty()), Domain.empty())
    assert isinstance(wrapped, BoundedFailSafeTrackerStore)
    assert isinstance(wrapped.fallback_tracker_store, BoundedInMemoryTrackerStore)


def test_the_fallback_keeps_the_latest_conversations_only_and_logs_the_outage_once(caplog):
    primary = BrokenStore(Domain.empty())
    fallback = BoundedInMemoryTrackerStore(Domain.empty(), max_conversations=100)
    store = BoundedFailSafeTrackerStore(primary, fallback_tracker_store=fallback)

    async def outage():
        for n in range(1000):
            await store.save(tracker(f"parent-{n}"))

    with caplog.at_level(logging.ERROR):
        asyncio.run(outage())
    assert len(fallback.store) == 100 and fallback.characters == sum(map(len, fallback.store.values()))
    assert asyncio.run(store.retrieve("parent-999")) is not None  # the conversation goes on during the outage
    assert asyncio.run(store.retrieve("parent-0")) is None  # the oldest were dropped
    assert caplog.text.count("failed") == 1
    primary.working = True
    asyncio.run(store.save(tracker("parent-999")))
    assert "parent-999" not in fallback.store  # stored in the database: forgotten here
    assert asyncio.run(store.retrieve("parent-999")) is not None


def test_the_fallback_keeps_at_most_its_characters():
    fallback = BoundedInMemoryTrackerStore(Domain.empty(), max_conversations=1000, max_characters=20_000)

    async def fill():
        for n in range(50):
            await fallback.save(tracker(f"parent-{n}", "x" * 2_000))
        await fallback.save(tracker("huge", "x" * 30_000))  # larger than the whole bound: not kept

    asyncio.run(fill())
    assert 0 < fallback.characters <= 20_000 and "huge" not in fallback.store and "parent-49" in fallback.store
