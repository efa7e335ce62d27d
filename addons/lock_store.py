"""Rasa's RedisLockStore, failing safe to a per-process lock when Redis is unreachable.

With several Rasa replicas the Redis lock keeps one conversation's messages in order. If Redis
goes down, Rasa's RedisLockStore raises on every message and the parent gets no reply at all,
even to a fever report. This subclass logs the outage and falls back to Rasa's
InMemoryLockStore (order is then kept within each replica only) until Redis answers again.

endpoints.production.yml: `lock_store: type: addons.lock_store.FailSafeRedisLockStore`.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Optional, Text

import rasa.core.utils
import rasa.shared.utils.common
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.core.lock_store import InMemoryLockStore as RasaInMemoryLockStore
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# After a Redis error, try Redis again after this many seconds (not on every message).
RETRY_AFTER_SECONDS = 5.0
# Rasa checks a busy conversation's lock once a second, so a parent's second message sent
# right after the first waits up to a second for nothing; checking every 50 ms costs little.
LOCK_POLL_SECONDS = 0.05


class PromptLockMixin:
    """Polls a busy conversation lock every LOCK_POLL_SECONDS instead of every second."""

    def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
             wait_time_in_seconds: float = LOCK_POLL_SECONDS):  # type: ignore[override]
        return super().lock(conversation_id, lock_lifetime, wait_time_in_seconds)  # type: ignore[misc]


class InMemoryLockStore(PromptLockMixin, RasaInMemoryLockStore):
    """Rasa's in-memory lock store (one server), polling promptly. endpoints.yml uses it."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None) -> None:
        super().__init__()


class FailSafeRedisLockStore(PromptLockMixin, RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        options = dict(endpoint_config.kwargs) if endpoint_config else {}
        options.update(kwargs)
        host = (endpoint_config.url if endpoint_config else None) or options.pop("host", "localhost")
        options.pop("type", None)
        super().__init__(host=host, **options)
        self._fallback = RasaInMemoryLockStore()
        self._redis_down_since: Optional[float] = None

    def _use_redis(self) -> bool:
        return self._redis_down_since is None or time.monotonic() - self._redis_down_since > RETRY_AFTER_SECONDS

    def _redis_failed(self, error: Exception) -> None:
        if self._redis_down_since is None:
            logger.error("Redis lock store unreachable (%s); using in-process locks until it is back.", error)
        self._redis_down_since = time.monotonic()

    def _call(self, redis_method, fallback_method, *args: Any) -> Any:
        import redis

        if self._use_redis():
            try:
                result = redis_method(*args)
                if self._redis_down_since is not None:
                    logger.warning("Redis lock store reachable again.")
                    self._redis_down_since = None
                return result
            except (redis.exceptions.RedisError, OSError) as error:
                self._redis_failed(error)
        return fallback_method(*args)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self._call(super().get_lock, self._fallback.get_lock, conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self._call(super().delete_lock, self._fallback.delete_lock, conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._call(super().save_lock, self._fallback.save_lock, lock)


# Rasa 3.6 starts SANIC_WORKERS > 1 workers for any lock store whose type is not literally
# "in_memory", so with endpoints.yml (type: addons.lock_store.InMemoryLockStore) each worker would
# keep its own locks: one conversation's messages could be handled at once by two workers (and
# both would write the one SQLite file). Rasa's own check, taught that this class is in-memory
# too, keeps such a server at one worker; the operator is told why.
_rasa_lock_store_is_multi_worker_compatible = rasa.core.utils._lock_store_is_multi_worker_compatible


def _lock_store_is_multi_worker_compatible(lock_store) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(lock_store, EndpointConfig) and lock_store.type and "." in lock_store.type:
        try:
            lock_store_class = rasa.shared.utils.common.class_from_module_path(lock_store.type)
        except (ImportError, AttributeError, RasaException):
            lock_store_class = None  # Rasa reports a bad type when it creates the lock store
        if lock_store_class is not None and issubclass(lock_store_class, RasaInMemoryLockStore):
            logger.warning("SANIC_WORKERS is ignored: the lock store %s keeps locks in one process, so this "
                           "server runs one worker. Use endpoints.production.yml (Redis locks) for several "
                           "workers.", lock_store.type)
            return False
    return _rasa_lock_store_is_multi_worker_compatible(lock_store)


rasa.core.utils._lock_store_is_multi_worker_compatible = _lock_store_is_multi_worker_compatible
