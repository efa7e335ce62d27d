"""Extensions that run inside the Rasa server (not the action server).

They are what keeps urgent replies working when the action server is not: the NLG fills the
hospital's numbers into answers in-process, the safety policy answers an urgent message whose
custom action failed, and the lock store survives a Redis outage.

Importing this package (Rasa does, to load the NLG named in endpoints.yml and the policy in
config.yml) also bounds how long Rasa waits for the action server: Rasa 3.6 waits up to 300 s
(rasa.core.constants.DEFAULT_REQUEST_TIMEOUT, not configurable), and a parent reporting a fever
must have the Call-now reply within seconds. After ACTION_SERVER_TIMEOUT_SECONDS (default 3) the
action counts as failed and the UrgentSafetyPolicy sends the Call-now reply itself.

Two more fixes for production (README "Production", measured by tests/replica/test_faults.py):

* A timed-out action call fails like a refused one. Rasa 3.6 handles a refused connection (a
  RasaException) but not a timeout: asyncio.TimeoutError escaped and the message got no reply at
  all. After a timeout the action server is not called again for
  ACTION_SERVER_RETRY_AFTER_SECONDS (5 s), so the next fever reports get their Call-now reply at
  once instead of each waiting for the timeout again.
* PostgreSQL connections are checked before use (SQLAlchemy's pool_pre_ping): after a database
  restart, Rasa's SQLTrackerStore would otherwise fail the next message of each server on a dead
  pooled connection, answer it as a new conversation and not store it. This must run before Rasa
  creates its tracker store: it does, because Rasa loads the channels in credentials.yml (addons)
  first.

The patches that make a message cheaper (same behaviour, less CPU) are in addons/per_message_cost.py,
imported at the end.
"""
import asyncio
import logging
import os
import time
from typing import Optional

import rasa.core.actions.action as _rasa_actions
import rasa.core.tracker_store as _rasa_tracker_store
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)


def _action_server_timeout() -> float:
    raw = os.environ.get("ACTION_SERVER_TIMEOUT_SECONDS", "3")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"ACTION_SERVER_TIMEOUT_SECONDS is {raw!r}; set it to a number of seconds, e.g. 3") from None
    if not 0.5 <= value <= 60:
        raise ValueError(f"ACTION_SERVER_TIMEOUT_SECONDS is {value}; it must be between 0.5 and 60 seconds")
    return value


# RemoteAction.run reads this module global at call time.
_rasa_actions.DEFAULT_REQUEST_TIMEOUT = _action_server_timeout()


# After an action call times out, calls fail at once (the safety policy answers) for this long.
ACTION_SERVER_RETRY_AFTER_SECONDS = 5.0
_action_server_timed_out_at: Optional[float] = None
_rasa_remote_action_run = _rasa_actions.RemoteAction.run


async def _run_remote_action(self, output_channel, nlg, tracker, domain):  # type: ignore[no-untyped-def]
    global _action_server_timed_out_at
    timed_out_at = _action_server_timed_out_at
    if timed_out_at is not None and time.monotonic() - timed_out_at < ACTION_SERVER_RETRY_AFTER_SECONDS:
        raise RasaException(f"Failed to execute custom action '{self.name()}': the action server timed out "
                            f"{time.monotonic() - timed_out_at:.1f} s ago; not called again yet.")
    try:
        events = await _rasa_remote_action_run(self, output_channel, nlg, tracker, domain)
    except asyncio.TimeoutError as error:
        _action_server_timed_out_at = time.monotonic()
        logger.error("The action server did not answer '%s' within %s s; not calling it for %s s.",
                     self.name(), _rasa_actions.DEFAULT_REQUEST_TIMEOUT, ACTION_SERVER_RETRY_AFTER_SECONDS)
        raise RasaException(f"Failed to execute custom action '{self.name()}': no answer from the action "
                            f"server within {_rasa_actions.DEFAULT_REQUEST_TIMEOUT} s.") from error
    _action_server_timed_out_at = None
    return events


_rasa_actions.RemoteAction.run = _run_remote_action

_rasa_create_engine_kwargs = _rasa_tracker_store.create_engine_kwargs


def _create_engine_kwargs(url):  # type: ignore[no-untyped-def]
    kwargs = _rasa_create_engine_kwargs(url)
    if _rasa_tracker_store.is_postgresql_url(url):
        kwargs["pool_pre_ping"] = True
    return kwargs


# SQLTrackerStore.__init__ calls the module's create_engine_kwargs at construction time.
_rasa_tracker_store.create_engine_kwargs = _create_engine_kwargs

from addons import per_message_cost  # noqa: E402,F401  (patches Rasa when imported)
from addons import lock_store  # noqa: E402,F401  (one worker with in-process locks; before Rasa starts workers)
