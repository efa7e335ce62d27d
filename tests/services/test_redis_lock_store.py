"""addons/stores/lock_store.py's FailSafeRedisLockStore on a real Redis: atomic tickets keep two
replicas from holding one conversation at once, tickets expire by Redis's clock, and while Redis is
down a message is answered with an in-process lock, Redis being tried again later."""

import asyncio
import logging
import threading
import time

import pytest
import rasa.core.lock_store
import redis
from rasa.utils.endpoints import EndpointConfig

import addons.stores.lock_store
from addons.stores.lock_store import FailSafeRedisLockStore


def lock_store(redis_server, port=None, password=None, **options):
    config = EndpointConfig(
        url="127.0.0.1",
        type="addons.stores.lock_store.FailSafeRedisLockStore",
        port=port or redis_server.port,
        password=password or redis_server.password,
        db=0,
        socket_timeout=1,
        **options,
    )
    return FailSafeRedisLockStore(config)


def conversation_id(name):
    return f"{name}-{time.time_ns()}"


def test_two_replicas_never_hold_one_conversation_at_once(redis_server):
    """Threads on two stores (two replicas) take one conversation's lock 400 times: Rasa's GET-then-SET
    gave two of them the same ticket; with atomic tickets no two critical sections overlap."""
    replicas = [lock_store(redis_server), lock_store(redis_server)]
    conversation = conversation_id("race")
    holders, overlaps, served = [0], [], []
    guard = threading.Lock()

    async def messages(store, count):
        for _ in range(count):
            async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.001):
                with guard:
                    holders[0] += 1
                    if holders[0] > 1:
                        overlaps.append(holders[0])
                time.sleep(0.0005)  # a turn's work, blocking this thread as Rasa's stores do
                with guard:
                    holders[0] -= 1
                    served.append(1)

    threads = [threading.Thread(target=asyncio.run, args=(messages(replicas[i % 2], 50),)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(served) == 400 and not overlaps
    assert replicas[0].red.get(replicas[0].key_prefix + conversation) is None  # released: nothing left


def test_messages_are_served_in_ticket_order(redis_server):
    store = lock_store(redis_server)
    conversation = conversation_id("order")
    first, second, third = (store.issue_ticket(conversation, 30) for _ in range(3))
    assert first < second < third
    assert [store.ticket_state(conversation, t) for t in (first, second, third)] == [1, 0, 0]
    store.cleanup(conversation, first)
    assert [store.ticket_state(conversation, t) for t in (second, third)] == [1, 0]
    store.cleanup(conversation, third)  # a message given up while waiting leaves the queue
    store.cleanup(conversation, second)
    assert store.red.exists(store.key_prefix + conversation) == 0


def test_a_crashed_replicas_ticket_holds_the_conversation_for_its_lifetime_only(redis_server):
    store = lock_store(redis_server)
    conversation = conversation_id("crash")
    store.issue_ticket(conversation, 1.0)  # issued, never released: the replica died
    key = store.key_prefix + conversation
    assert 0 < store.red.pttl(key) <= 2000  # the key goes with its last ticket

    async def next_message():
        started = time.monotonic()
        async with store.lock(conversation, lock_lifetime=10):
            return time.monotonic() - started

    assert 0.5 < asyncio.run(next_message()) < 2.0
    assert store.red.exists(key) == 0


def test_a_ticket_that_expires_while_waiting_raises_as_in_rasa(redis_server):
    store = lock_store(redis_server)
    conversation = conversation_id("expired")
    store.issue_ticket(conversation, 30)

    async def waiting_message():
        async with store.lock(conversation, lock_lifetime=0.3):
            pass

    with pytest.raises(rasa.core.lock_store.LockError, match="expired") as error:
        asyncio.run(waiting_message())
    assert conversation not in str(error.value)  # sender ids can be phone numbers


def held_in_redis(store, conversation):
    """One message on `conversation`: whether its lock was held in Redis (Rasa's get_lock reads Redis)."""

    async def message():
        async with store.lock(conversation):
            try:
                return store.get_lock(conversation) is not None
            except (redis.exceptions.RedisError, OSError):
                return False

    return asyncio.run(message())


def tickets_asked_for(store, conversation):
    """One message on `conversation`: how many tickets it asked Redis for (none while Redis counts as down)."""
    asked = []
    issue = store.issue_ticket

    def counted(*args, **kwargs):
        asked.append(args)
        return issue(*args, **kwargs)

    store.issue_ticket = counted
    try:
        held_in_redis(store, conversation)
    finally:
        store.issue_ticket = issue
    return len(asked)


def test_redis_down_gives_in_process_locks_and_redis_is_tried_again(redis_to_restart, monkeypatch, caplog):
    store = lock_store(redis_to_restart)
    conversation = conversation_id("down")
    redis_to_restart.stop()

    with caplog.at_level(logging.WARNING):
        assert not held_in_redis(store, conversation)  # answered, with the lock held in this process
        assert not held_in_redis(store, conversation)  # and released there: the next one is answered too
        assert caplog.text.count("Redis lock store unreachable") == 1 and conversation not in caplog.text
        redis_to_restart.start()
        assert tickets_asked_for(store, conversation) == 0  # not before RETRY_AFTER_SECONDS
        monkeypatch.setattr(addons.stores.lock_store, "RETRY_AFTER_SECONDS", 0.0)
        assert held_in_redis(store, conversation)  # Redis again
    assert "Redis lock store reachable again" in caplog.text


def test_redis_failing_while_a_message_waits_moves_its_whole_wait_to_memory(redis_server):
    """A message whose ticket Redis issued, when Redis fails while it waits, waits and releases in
    memory only: it never releases in memory a lock it got from Redis, nor the reverse."""
    store = lock_store(redis_server)
    conversation = conversation_id("fails-while-waiting")
    holder = store.issue_ticket(conversation, 30)  # another replica is answering this conversation
    answered = store.ticket_state

    def failing_state(conversation_id, ticket):
        if ticket != holder:
            raise redis.exceptions.ConnectionError("Redis went away")
        return answered(conversation_id, ticket)

    store.ticket_state = failing_state
    released_in_redis = []
    store.cleanup = lambda *args: released_in_redis.append(args)

    async def message():
        async with store.lock(conversation):
            return "answered"

    assert asyncio.run(message()) == "answered"  # in memory, while the other replica's ticket is live
    assert released_in_redis == []
    assert tickets_asked_for(store, conversation) == 0  # Redis counts as down until it is retried


def test_a_failed_release_does_not_fail_the_message(redis_server):
    store = lock_store(redis_server)
    conversation = conversation_id("release-fails")

    def failing_release(*args):
        raise redis.exceptions.ConnectionError("Redis went away")

    store.cleanup = failing_release

    async def message():
        async with store.lock(conversation):
            return "answered"

    assert asyncio.run(message()) == "answered"
    assert tickets_asked_for(store, conversation) == 0  # Redis counts as down until it is retried


def test_a_redis_without_a_password_is_refused(redis_server):
    config = EndpointConfig(url="127.0.0.1", port=redis_server.port, password="", db=0)
    with pytest.raises(ValueError, match="REDIS_PASSWORD"):
        FailSafeRedisLockStore(config)
