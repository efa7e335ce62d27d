"""addons/stores/lock_store.py, and its patch of Rasa (addons/rasa_patches/sanic_workers.py): a server
whose locks live in one process runs one Sanic worker, whatever SANIC_WORKERS says; a shared
(Redis) lock store may run several."""

import logging

import rasa.core.lock_store
import rasa.core.utils
from rasa.utils.endpoints import EndpointConfig

from addons import rasa_patches

rasa_patches.apply()  # as the server does when it creates its channels


def workers(lock_store_type, monkeypatch, value="2"):
    monkeypatch.setenv("SANIC_WORKERS", value)
    return rasa.core.utils.number_of_sanic_workers(EndpointConfig(type=lock_store_type))


def test_in_process_locks_keep_the_server_at_one_worker(monkeypatch, caplog):
    with caplog.at_level(logging.WARNING):
        assert workers("addons.stores.lock_store.InMemoryLockStore", monkeypatch) == 1
    assert "SANIC_WORKERS is ignored" in caplog.text and "endpoints.production.yml" in caplog.text
    assert workers("in_memory", monkeypatch) == 1  # Rasa's own rule still holds


def test_shared_locks_allow_several_workers(monkeypatch):
    assert workers("addons.stores.lock_store.FailSafeRedisLockStore", monkeypatch) == 2
    assert workers("redis", monkeypatch) == 2
    assert workers("addons.stores.lock_store.FailSafeRedisLockStore", monkeypatch, value="1") == 1


def test_a_lock_store_type_that_does_not_load_is_left_to_rasa(monkeypatch):
    # Rasa names the bad type when it creates the lock store; the worker count is not the place
    assert workers("addons.no_such_module.LockStore", monkeypatch) == 2
