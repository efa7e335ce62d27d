"""Rasa's calls to the action server (rasa.core.actions.action.RemoteAction): bounded, failing
like a refused call after a timeout, validated by one validator, over one kept-alive connection.

* Rasa 3.6 waits up to 300 s for the action server (DEFAULT_REQUEST_TIMEOUT, not configurable),
  and a parent reporting a fever must have the Call-now reply within seconds. After
  ACTION_SERVER_TIMEOUT_SECONDS (default 3) the action counts as failed and the
  UrgentSafetyPolicy sends the Call-now reply itself.
* Rasa handles a refused connection (a RasaException) but not a timeout: asyncio.TimeoutError
  escaped and the message got no reply at all. Here a timeout fails like a refused call, and the
  action server is not called again for ACTION_SERVER_RETRY_AFTER_SECONDS (5 s), so the next
  fever reports get their Call-now reply at once instead of each waiting for the timeout again.
* Rasa validates each reply with jsonschema.validate(), which first checks Rasa's own constant
  schema against the metaschema: 17-20 ms of CPU per fever report. The validator is built once.
* Rasa opens an aiohttp session and a TCP connection for every call: on a busy server every extra
  await (connect, close) puts a fever report behind the other conversations' work again. The
  action endpoint keeps one session per event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from typing import Any, Optional

import aiohttp
import jsonschema
import rasa.core.actions.action as rasa_action
from rasa.shared.exceptions import RasaException

from addons import metrics

logger = logging.getLogger(__name__)

# Rasa's originals, which the patches call (and the tests compare with)
_rasa_remote_action_run = rasa_action.RemoteAction.run
_rasa_remote_action_init = rasa_action.RemoteAction.__init__
_rasa_validate_action_result = rasa_action.RemoteAction._validate_action_result
RASA_REQUEST_TIMEOUT = rasa_action.DEFAULT_REQUEST_TIMEOUT


def action_server_timeout() -> float:
    """ACTION_SERVER_TIMEOUT_SECONDS: how long Rasa waits for the action server (default 3 s)."""
    raw = os.environ.get("ACTION_SERVER_TIMEOUT_SECONDS", "3")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"ACTION_SERVER_TIMEOUT_SECONDS is {raw!r}; set it to a number of seconds, e.g. 3") from None
    if not 0.5 <= value <= 60:
        raise ValueError(f"ACTION_SERVER_TIMEOUT_SECONDS is {value}; it must be between 0.5 and 60 seconds")
    return value


# --------------------------------------------------------------------------------------------
# A timed-out call fails like a refused one; then calls fail at once for a while.
# --------------------------------------------------------------------------------------------
ACTION_SERVER_RETRY_AFTER_SECONDS = 5.0
_action_server_timed_out_at: Optional[float] = None


async def run_remote_action(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
    global _action_server_timed_out_at
    timed_out_at = _action_server_timed_out_at
    if timed_out_at is not None and time.monotonic() - timed_out_at < ACTION_SERVER_RETRY_AFTER_SECONDS:
        metrics.count_action_server_failure(metrics.SKIPPED_AFTER_TIMEOUT)
        raise RasaException(
            f"Failed to execute custom action '{self.name()}': the action server timed out "
            f"{time.monotonic() - timed_out_at:.1f} s ago; not called again yet."
        )
    try:
        events = await _rasa_remote_action_run(self, output_channel, nlg, tracker, domain)
    except asyncio.TimeoutError as error:
        _action_server_timed_out_at = time.monotonic()
        metrics.count_action_server_failure(metrics.TIMEOUT)
        logger.error(
            "The action server did not answer '%s' within %s s; not calling it for %s s.",
            self.name(),
            rasa_action.DEFAULT_REQUEST_TIMEOUT,
            ACTION_SERVER_RETRY_AFTER_SECONDS,
        )
        raise RasaException(
            f"Failed to execute custom action '{self.name()}': no answer from the action "
            f"server within {rasa_action.DEFAULT_REQUEST_TIMEOUT} s."
        ) from error
    except rasa_action.ActionExecutionRejection:
        raise  # a form's validation said no (400): the action server works
    except RasaException as error:
        metrics.count_action_server_failure(action_server_failure_reason(error))
        raise
    _action_server_timed_out_at = None
    return events


def action_server_failure_reason(error: RasaException) -> str:
    """Why Rasa's RemoteAction.run failed, from the aiohttp error it raised it for."""
    cause = error.__cause__ or error.__context__
    return metrics.NOT_REACHABLE if isinstance(cause, aiohttp.ClientConnectionError) else metrics.ERROR


# --------------------------------------------------------------------------------------------
# Replies validated by one validator.
# --------------------------------------------------------------------------------------------
_action_reply_validator = None


def validate_action_result(self: Any, result: Any) -> Any:
    global _action_reply_validator
    if _action_reply_validator is None:
        schema = self.action_response_format_spec()
        _action_reply_validator = jsonschema.validators.validator_for(schema)(schema)
    try:
        _action_reply_validator.validate(result)
    except jsonschema.ValidationError as error:
        # Rasa's hint for whoever wrote the action server
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid."
        )
        raise
    return True


# --------------------------------------------------------------------------------------------
# One kept-alive connection per event loop.
# --------------------------------------------------------------------------------------------
# Idle connections are dropped after this many seconds: before the action server (Sanic, 5 s
# keep-alive timeout) drops them, so a request never goes out on a connection being closed.
ACTION_SERVER_KEEPALIVE_SECONDS = 2.0


class _KeptSession:
    """`async with` for a shared session: entering gives the session, leaving does not close it."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _kept_alive_session(endpoint: Any) -> _KeptSession:
    loop = asyncio.get_running_loop()
    kept = getattr(endpoint, "_kept_session", None)
    if kept is None or kept[0] is not loop or kept[1].closed:
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth
            else None,
            # RemoteAction.run passes its own bounded timeout (DEFAULT_REQUEST_TIMEOUT) with every request
            connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_SERVER_KEEPALIVE_SECONDS),
        )
        endpoint._kept_session = kept = (loop, session)
    return _KeptSession(kept[1])


def keep_action_endpoint_alive(endpoint: Any) -> None:
    """Gives Rasa's action EndpointConfig the kept-alive session (an instance attribute, so no other
    endpoint, such as a model server, is affected)."""
    if endpoint is not None and "session" not in vars(endpoint):
        endpoint.session = functools.partial(_kept_alive_session, endpoint)


def init_remote_action(self: Any, name: str, action_endpoint: Any) -> None:
    _rasa_remote_action_init(self, name, action_endpoint)
    keep_action_endpoint_alive(action_endpoint)


def apply() -> None:
    # RemoteAction.run reads this module global at call time.
    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_server_timeout()
    rasa_action.RemoteAction.run = run_remote_action
    rasa_action.RemoteAction._validate_action_result = validate_action_result
    rasa_action.RemoteAction.__init__ = init_remote_action
