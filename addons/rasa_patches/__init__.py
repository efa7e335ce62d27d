"""Every patch of Rasa's own code in this project, applied by one call, `apply()`, when the Rasa
server starts.

`rasa run` calls it when it creates the input channels of credentials.yml (every channel of this
project is an addons.channels.input_guard.GuardedInput: GuardedInput.from_credentials), which is before it
creates the tracker store, the lock store and the agent, and before it decides how many Sanic
workers to start. The hospital NLG (addons/nlg/hospital_nlg.py, endpoints.yml) calls it too, for `rasa
shell` and a server started with only Rasa's own channels: there the tracker store is created
first (its engine options come too late), but the action-server timeout holds. `rasa train`,
`rasa test`, `rasa data validate` create neither: they run Rasa as released. Importing anything
under addons patches nothing. Tools that open the server's tracker store (scripts/delete_old_conversations.py)
call `apply()` themselves, for the same engine options.

The patches are written against Rasa 3.6.21's source (requirements/*.lock), and `apply()` refuses
any other version: a patch of a changed function could silently undo Rasa's fix or this one.

Each patch keeps Rasa's behaviour except for what the table says; the tests compare it with
Rasa's original (tests/unit/test_action_server_failures.py, test_per_message_cost.py,
test_tracker_store.py, test_lock_store.py). Figures: docs/production.md "Faults" (measured by
tests/replica/test_faults.py and test_tracker_store_memory.py) and results/bench/profile.md
(server CPU per message at 10 conversations, before 21.8 ms on one server, 19.8 ms on a replica).

| patched symbol (module here) | what it fixes or saves | upstream issue | remove when |
| --- | --- | --- | --- |
| `rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT` (action_server) | Rasa waits up to 300 s for the action server, not configurable; here ACTION_SERVER_TIMEOUT_SECONDS (default 3). Action server hung: Call now in 3.05 s | none found (related, closed: RasaHQ/rasa #4047, #4606) | Rasa takes the action endpoint's timeout from endpoints.yml |
| `RemoteAction.run` (action_server) | a timed-out call escaped as asyncio.TimeoutError: the message got no reply at all, not even a fever report; now it fails like a refused call (the safety policy answers), and the action server is skipped for 5 s (the 911 sign sent next: Call 911 in 0.04 s, not another 3 s) | none found | Rasa turns a timeout into a failed action itself |
| `RemoteAction._validate_action_result` (action_server) | jsonschema.validate() re-checked Rasa's constant schema on every reply: 17-20 ms of CPU per fever report; one validator now | none found | Rasa builds the validator once |
| `RemoteAction.__init__` (action_server) | one kept-alive connection per event loop instead of a new aiohttp session per call; with the row above, a replica's CPU per message 19.8 to 12.0 ms | none found | Rasa's EndpointConfig keeps its session |
| `rasa.core.tracker_store.create_engine_kwargs` (tracker_store) | PostgreSQL: pool_pre_ping (after a restart the next message of each server was answered as a new conversation and not stored) and POSTGRES_SSLMODE; every dialect: hide_parameters (no message text or sender id in SQL errors, hence logs); an SQLite file: a QueuePool (with the WAL row and the action-server rows, one server 21.8 to 10.2 ms per message) | none found | Rasa lets endpoints.yml set engine options (PostgreSQL) and runs on SQLAlchemy 2.0, whose pool for SQLite files is a QueuePool |
| SQLAlchemy "connect" listener on every `Engine` (tracker_store) | an SQLite file writes a write-ahead log, synchronous=NORMAL, instead of two fsyncs per commit (figure in the row above) | not a Rasa bug: a choice | the SQLite store is no longer used |
| `rasa.core.agent.FailSafeTrackerStore` (tracker_store) | addons.stores.tracker_store.BoundedFailSafeTrackerStore: Rasa's fallback kept every conversation it could not store, forever, and never read it back; now at most 1,000, read back during the outage (10,000 senders with PostgreSQL down: memory +3.6 MB, then flat); PostgreSQL hung: answered in 2.08 s instead of nothing within 20 s | none found (the fallback: RasaHQ/rasa #3243, #4699) | Rasa's fallback is bounded, read back, and a hung database is bounded |
| `rasa.engine.runner.dask.DaskGraphRunner.run` (graph_runner) | the needed part of the graph planned once per target set, run with dask.core.get: about 10 % of a message's time; with the row below, 10.2 to 8.6 ms (one server), 11.4 to 9.9 ms (a replica) | none found | Rasa caches the minimal graph, or leaves dask |
| `rasa.shared.core.events.Event.resolve_by_type` (events) | a table instead of walking every Event subclass for each stored event: about 5 % | none found | Rasa looks event types up in a table |
| `rasa.core.utils._lock_store_is_multi_worker_compatible` (sanic_workers) | with SANIC_WORKERS > 1, Rasa started several workers for any lock store not literally "in_memory", so addons.stores.lock_store.InMemoryLockStore would have kept one set of locks per worker; such a server runs one worker and says why | RasaHQ/rasa #6629 (closed by #6676, which introduced the rule) | Rasa treats subclasses of its InMemoryLockStore as in-memory |
| `rasa.core.run.configure_app` (metrics_route) | the app also answers GET /metrics (Prometheus, addons/metrics.py) on the server's own port, without the HTTP API: Rasa mounts no route of ours outside /webhooks/ | not a bug: Rasa has no hook for a server route | Rasa lets a server add routes (a plugin hook or endpoints.yml) |
"""

from __future__ import annotations

import logging

import rasa
from rasa.shared.exceptions import RasaException

from addons.rasa_patches import action_server, events, graph_runner, metrics_route, sanic_workers, tracker_store

logger = logging.getLogger(__name__)

# The Rasa version every patch was written against and tested with: the pin of requirements/*.lock
# (tests/unit/test_rasa_patches.py checks that the two agree).
PATCHED_RASA_VERSION = "3.6.21"

PATCHES = (action_server, tracker_store, graph_runner, events, sanic_workers, metrics_route)

_applied = False


class RasaVersionNotPatched(RasaException):
    """The installed Rasa is not the version the patches were written for."""


def check_rasa_version() -> None:
    installed = rasa.__version__
    if installed != PATCHED_RASA_VERSION:
        raise RasaVersionNotPatched(
            f"This project patches Rasa {PATCHED_RASA_VERSION} (requirements/rasa-server.lock), but Rasa "
            f"{installed} is installed, so the server does not start. Install the locked version: `make setup`, "
            f"or `pip install --require-hashes --no-deps -r requirements/rasa-server.lock`. To move to Rasa "
            f"{installed}, check each patch in the table of addons/rasa_patches/__init__.py against its source, "
            f"run the tests that table names, then change PATCHED_RASA_VERSION and requirements/rasa-server.in "
            f"together (tools/lock_dependencies.sh)."
        )


def apply() -> None:
    """Patches Rasa as the table above says; once per process (later calls do nothing). Raises
    RasaVersionNotPatched on another Rasa version, and ValueError for a bad ACTION_SERVER_TIMEOUT_SECONDS."""
    global _applied
    if _applied:
        return
    check_rasa_version()
    for patch in PATCHES:
        patch.apply()
    _applied = True
    # one line at start, so an operator can tell a server that runs them from one that does not
    logger.info(
        "Rasa %s patched: %s (addons/rasa_patches).",
        PATCHED_RASA_VERSION,
        ", ".join(patch.__name__.rsplit(".", 1)[-1] for patch in PATCHES),
    )


def applied() -> bool:
    return _applied
