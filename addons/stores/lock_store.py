"""Conversation locks: Rasa's ticket lock kept in Redis with atomic ticket operations, failing safe
to a per-process lock when Redis is unreachable.

With several Rasa replicas the Redis lock keeps one conversation's messages in order, one at a
time. Rasa 3.6's RedisLockStore issues a ticket with a GET and then a SET (RasaHQ/rasa #9213), and
removes tickets the same way: two replicas that read the lock at the same moment both get ticket
0 and handle one parent's two messages at once, and one turn overwrites the other in the tracker
store. Here every read-modify-write of a lock is one Lua script, run atomically by Redis
(redis-py's register_script), and tickets expire by Redis's own clock, so all replicas agree on
it.

If Redis goes down, Rasa's RedisLockStore raises on every message and the parent gets no reply at
all, even to a fever report. This store logs the outage and uses Rasa's InMemoryLockStore (order is
then kept within each replica only) until Redis answers again (retried RETRY_AFTER_SECONDS after
an error). The store is chosen once per message: a message whose ticket Redis issued waits and
releases in Redis. Only if Redis fails while the message waits for its turn does the message start
its wait again in memory (its Redis ticket then expires after TICKET_LOCK_LIFETIME); a message
never holds a lock in one store and releases it in the other.

endpoints.production.yml: `lock_store: type: addons.stores.lock_store.FailSafeRedisLockStore`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.core.lock_store import InMemoryLockStore as RasaInMemoryLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# After a Redis error, try Redis again after this many seconds (not on every message).
RETRY_AFTER_SECONDS = 5.0
# Rasa checks a busy conversation's lock once a second, so a parent's second message sent
# right after the first waits up to a second for nothing; checking every 50 ms costs little.
LOCK_POLL_SECONDS = 0.05


class PromptLockMixin:
    """Polls a busy conversation lock every LOCK_POLL_SECONDS instead of every second."""

    def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> Any:
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)  # type: ignore[misc]  # a mixin: the Rasa lock store it is mixed into has lock()


class InMemoryLockStore(PromptLockMixin, RasaInMemoryLockStore):
    """Rasa's in-memory lock store (one server), polling promptly. endpoints.yml uses it. A server
    using it runs one Sanic worker (addons/rasa_patches/sanic_workers.py)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        super().__init__()


# The lock's value is Rasa's TicketLock JSON ({"conversation_id", "tickets": [ticket JSON, ...]}, so
# RedisLockStore.get_lock still reads it) plus "last_issued". Every script drops the expired tickets
# first, deletes the key once no ticket is left, and otherwise lets it expire with its last ticket:
# a replica that crashed holding a ticket leaves nothing behind in Redis for long.
_LOCK_LUA = """
local function now()
  local time = redis.call('TIME')
  return tonumber(time[1]) + tonumber(time[2]) / 1000000
end

local function load(key, at)
  local live, last = {}, -1
  local stored = redis.call('GET', key)
  if stored then
    local lock = cjson.decode(stored)
    last = tonumber(lock.last_issued) or -1
    for _, encoded in ipairs(lock.tickets or {}) do
      local ticket = cjson.decode(encoded)
      if ticket.number > last then last = ticket.number end
      if ticket.expires >= at then table.insert(live, ticket) end
    end
  end
  return live, last
end

local function store(key, conversation_id, live, last, at)
  if #live == 0 then
    redis.call('DEL', key)
    return
  end
  local encoded, expires = {}, at
  for i, ticket in ipairs(live) do
    -- each ticket is a JSON string inside the list, as Rasa's TicketLock.dumps writes it
    encoded[i] = cjson.encode(cjson.encode({number = ticket.number, expires = ticket.expires}))
    if ticket.expires > expires then expires = ticket.expires end
  end
  local value = '{"conversation_id": ' .. cjson.encode(conversation_id) .. ', "tickets": [' ..
      table.concat(encoded, ', ') .. '], "last_issued": ' .. string.format('%d', last) .. '}'
  redis.call('SET', key, value, 'PX', math.ceil((expires - at) * 1000) + 1000)
end
"""

# KEYS[1] the lock, ARGV[1] the conversation id, ARGV[2] the ticket's lifetime in seconds.
# Returns the new ticket's number: one more than the last one issued, and never below the time in
# milliseconds, so a number is not issued twice even after the key was deleted.
ISSUE_TICKET_LUA = (
    _LOCK_LUA
    + """
local at = now()
local live, last = load(KEYS[1], at)
local number = math.max(last + 1, math.floor(at * 1000))
table.insert(live, {number = number, expires = at + tonumber(ARGV[2])})
store(KEYS[1], ARGV[1], live, number, at)
return number
"""
)

# KEYS[1] the lock, ARGV[1] the conversation id, ARGV[2] a ticket number.
# Returns 1 if that ticket is now served (the first live one), 0 if it waits, -1 if it expired.
TRY_ACQUIRE_LUA = (
    _LOCK_LUA
    + """
local at = now()
local live, last = load(KEYS[1], at)
store(KEYS[1], ARGV[1], live, last, at)
local number = tonumber(ARGV[2])
for i, ticket in ipairs(live) do
  if ticket.number == number then
    if i == 1 then return 1 end
    return 0
  end
end
return -1
"""
)

# KEYS[1] the lock, ARGV[1] the conversation id, ARGV[2] the ticket number to remove.
# Returns how many tickets are left.
RELEASE_TICKET_LUA = (
    _LOCK_LUA
    + """
local at = now()
local live, last = load(KEYS[1], at)
local number = tonumber(ARGV[2])
for i, ticket in ipairs(live) do
  if ticket.number == number then
    table.remove(live, i)
    break
  end
end
store(KEYS[1], ARGV[1], live, last, at)
return #live
"""
)


class FailSafeRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore with atomic tickets, falling back to in-process locks while Redis is down."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        options = dict(endpoint_config.kwargs) if endpoint_config else {}
        options.update(kwargs)
        host = (endpoint_config.url if endpoint_config else None) or options.pop("host", "localhost")
        options.pop("type", None)
        if not options.get("password"):
            # Redis holds which conversation is being answered; an open Redis lets anyone on the
            # network hold a conversation's lock and stall its replies.
            raise ValueError(
                "The Redis lock store has no password: set REDIS_PASSWORD to the password of "
                "Redis (its requirepass); a Redis without a password is not supported."
            )
        super().__init__(host=host, **options)
        self._issue_ticket = self.red.register_script(ISSUE_TICKET_LUA)
        self._try_acquire = self.red.register_script(TRY_ACQUIRE_LUA)
        self._release_ticket = self.red.register_script(RELEASE_TICKET_LUA)
        self._fallback = InMemoryLockStore()
        self._redis_down_since: Optional[float] = None

    # --- which store ---

    def _use_redis(self) -> bool:
        return self._redis_down_since is None or time.monotonic() - self._redis_down_since > RETRY_AFTER_SECONDS

    def _redis_failed(self, error: Exception) -> None:
        if self._redis_down_since is None:
            logger.error(
                "Redis lock store unreachable (%s); using in-process locks until it is back.", type(error).__name__
            )
        self._redis_down_since = time.monotonic()

    def _redis_answered(self) -> None:
        if self._redis_down_since is not None:
            logger.warning("Redis lock store reachable again.")
            self._redis_down_since = None

    # --- atomic ticket operations in Redis (each raises redis' errors) ---

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return int(
            self._issue_ticket(keys=[self.key_prefix + conversation_id], args=[conversation_id, float(lock_lifetime)])
        )

    def ticket_state(self, conversation_id: Text, ticket: int) -> int:
        """1: the ticket is served now, 0: it waits, -1: it expired (and expired tickets are dropped)."""
        return int(self._try_acquire(keys=[self.key_prefix + conversation_id], args=[conversation_id, ticket]))

    def update_lock(self, conversation_id: Text) -> None:
        self.ticket_state(conversation_id, -1)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._release_ticket(keys=[self.key_prefix + conversation_id], args=[conversation_id, ticket_number])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # the release deletes the lock when it was the last ticket, in the same atomic step
        self.finish_serving(conversation_id, ticket_number)

    # --- one message's lock ---

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = LOCK_POLL_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        import redis

        ticket = await self._acquire_in_redis(conversation_id, lock_lifetime, wait_time_in_seconds)
        if ticket is None:
            async with self._fallback.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as held:
                yield held
            return
        try:
            yield TicketLock(conversation_id)
        finally:
            try:
                self.cleanup(conversation_id, ticket)
            except (redis.exceptions.RedisError, OSError) as error:
                # the ticket expires after lock_lifetime: the conversation's next message waits until then
                self._redis_failed(error)

    async def _acquire_in_redis(
        self, conversation_id: Text, lock_lifetime: float, wait_time_in_seconds: float
    ) -> Optional[int]:
        """Waits for this message's turn in Redis; returns its ticket, or None when Redis is not
        usable (the caller then locks in memory). Raises LockError if the ticket expired while waiting."""
        import redis

        if not self._use_redis():
            return None
        ticket = None
        try:
            ticket = self.issue_ticket(conversation_id, lock_lifetime)
            self._redis_answered()
            while True:
                state = self.ticket_state(conversation_id, ticket)
                if state == 1:
                    return ticket
                if state == -1:
                    # no conversation id: sender ids can be phone numbers, and this reaches the log
                    raise LockError(
                        f"Could not acquire a conversation lock: its ticket expired after "
                        f"{lock_lifetime} s of waiting."
                    )
                await asyncio.sleep(wait_time_in_seconds)
        except (redis.exceptions.RedisError, OSError) as error:
            # the Redis ticket, if issued, expires on its own; this message waits in memory instead
            self._redis_failed(error)
            return None
        except BaseException:
            if ticket is not None:  # cancelled while waiting: give the turn to the next message
                try:
                    self.finish_serving(conversation_id, ticket)
                except (redis.exceptions.RedisError, OSError) as error:
                    self._redis_failed(error)
            raise
