"""rasa.core.utils._lock_store_is_multi_worker_compatible: a server whose lock store keeps its
locks in one process runs one Sanic worker.

Rasa 3.6 starts SANIC_WORKERS > 1 workers for any lock store whose type is not literally
"in_memory" (RasaHQ/rasa #6629, #6676), so with endpoints.yml (type:
addons.stores.lock_store.InMemoryLockStore) each worker would keep its own locks: one conversation's
messages could be handled at once by two workers (and both would write the one SQLite file).
Rasa's own check, taught that a subclass of its InMemoryLockStore is in-memory too, keeps such a
server at one worker; the operator is told why. number_of_sanic_workers calls it in
rasa.core.run.serve_application, after the input channels are created (rasa_patches.apply)."""

from __future__ import annotations

import logging
from typing import Any

import rasa.core.utils
import rasa.shared.utils.common
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# Rasa's original
_rasa_lock_store_is_multi_worker_compatible = rasa.core.utils._lock_store_is_multi_worker_compatible


def lock_store_is_multi_worker_compatible(lock_store: Any) -> bool:
    if isinstance(lock_store, EndpointConfig) and lock_store.type and "." in lock_store.type:
        try:
            lock_store_class = rasa.shared.utils.common.class_from_module_path(lock_store.type)
        except (ImportError, AttributeError, RasaException):
            lock_store_class = None  # Rasa reports a bad type when it creates the lock store
        if lock_store_class is not None and issubclass(lock_store_class, InMemoryLockStore):
            logger.warning(
                "SANIC_WORKERS is ignored: the lock store %s keeps locks in one process, so this "
                "server runs one worker. Use endpoints.production.yml (Redis locks) for several "
                "workers.",
                lock_store.type,
            )
            return False
    return bool(_rasa_lock_store_is_multi_worker_compatible(lock_store))


def apply() -> None:
    rasa.core.utils._lock_store_is_multi_worker_compatible = lock_store_is_multi_worker_compatible
