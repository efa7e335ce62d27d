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
  RasaException) but not a timeout: asyncio.TimeoutError escaped ActionExtractSlots (which calls
  action_escalate_fever for the slots' custom mappings on every message) and the message got no
  reply at all. After a timeout the action server is not called again for
  ACTION_SERVER_RETRY_AFTER_SECONDS (5 s): one message calls it twice (slot mapping, then the
  action), and two waits would pass the 5 seconds a fever report may take.
* PostgreSQL connections are checked before use (SQLAlchemy's pool_pre_ping): after a database
  restart, Rasa's SQLTrackerStore would otherwise fail the next message of each server on a dead
  pooled connection, answer it as a new conversation and not store it. This must run before Rasa
  creates its tracker store: it does, because Rasa loads the channels in credentials.yml (addons)
  first.
"""
import asyncio
import functools
import logging
import os
import time
from typing import Optional

import rasa.core.actions.action as _rasa_actions
import sqlalchemy
import sqlalchemy.event
import sqlalchemy.engine
import sqlalchemy.pool
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
    _keep_action_endpoint_alive(self.action_endpoint)
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


def _is_sqlite_file_url(url) -> bool:  # type: ignore[no-untyped-def]
    parsed = sqlalchemy.engine.make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def _create_engine_kwargs(url):  # type: ignore[no-untyped-def]
    kwargs = _rasa_create_engine_kwargs(url)
    if _rasa_tracker_store.is_postgresql_url(url):
        kwargs["pool_pre_ping"] = True
    elif _is_sqlite_file_url(url):
        # SQLAlchemy 1.4 opens a new SQLite connection for every session of a file database
        # (NullPool), i.e. two per message; keep them in a pool instead, as SQLAlchemy 2.0 does.
        kwargs["poolclass"] = sqlalchemy.pool.QueuePool
        kwargs["connect_args"] = {"check_same_thread": False}
    return kwargs


# SQLTrackerStore.__init__ calls the module's create_engine_kwargs at construction time.
_rasa_tracker_store.create_engine_kwargs = _create_engine_kwargs


# The default SQLite tracker store (endpoints.yml) in write-ahead-log mode with synchronous=NORMAL:
# a commit appends to the log instead of rewriting a rollback journal with two fsyncs, which was
# 7 % of a loaded single server's time (results/bench/profile.md). The file stays consistent after
# a crash of the server or the machine; a power cut can lose the last turns written, which the
# parent sees as a conversation that starts over. Readers (the retention script, tests) are not
# blocked by the writer in this mode.
@sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# --------------------------------------------------------------------------------------------
# Per-message cost (results/bench/profile.md). Rasa 3.6 spends most of a fever report's time
# in two places that do the same work on every call; both fixes keep Rasa's behaviour.
# --------------------------------------------------------------------------------------------

# 1. RemoteAction._validate_action_result calls jsonschema.validate(), which checks Rasa's own
#    constant response schema against the JSON Schema metaschema before every validation:
#    17-20 ms of CPU per action call, about 12 % of a loaded server's time. The validator is
#    built once here; invalid replies still raise the same ValidationError with Rasa's hint.
_action_reply_validator = None


def _validate_action_result(self, result):  # type: ignore[no-untyped-def]
    import jsonschema

    global _action_reply_validator
    if _action_reply_validator is None:
        schema = self.action_response_format_spec()
        _action_reply_validator = jsonschema.validators.validator_for(schema)(schema)
    try:
        _action_reply_validator.validate(result)
    except jsonschema.ValidationError as error:
        error.message += (". Failed to validate Action server response from API, make sure your response "
                          "from the Action endpoint is valid.")
        raise
    return True


_rasa_actions.RemoteAction._validate_action_result = _validate_action_result


# 2. EndpointConfig.request opens a new aiohttp session, and so a new TCP connection, for every
#    action call and closes it afterwards. On a busy server each extra await (connect, close) puts
#    the fever report behind the other conversations' work again. The action endpoint keeps one
#    session per event loop instead. Its idle connections are dropped after 2 s, before the action
#    server's (Sanic's) 5 s keep-alive timeout, so a request never goes out on a connection the
#    server is closing.
ACTION_SERVER_KEEPALIVE_SECONDS = 2.0


class _KeptSession:
    """`async with` for a shared session: entering gives the session, leaving does not close it."""

    def __init__(self, session):  # type: ignore[no-untyped-def]
        self.session = session

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        return self.session

    async def __aexit__(self, *exc) -> None:
        return None


def _kept_alive_session(endpoint):  # type: ignore[no-untyped-def]
    import aiohttp

    loop = asyncio.get_running_loop()
    kept = getattr(endpoint, "_kept_session", None)
    if kept is None or kept[0] is not loop or kept[1].closed:
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None,
            # RemoteAction.run passes its own (bounded) timeout with every request
            connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_SERVER_KEEPALIVE_SECONDS),
        )
        endpoint._kept_session = kept = (loop, session)
    return _KeptSession(kept[1])


def _keep_action_endpoint_alive(endpoint) -> None:  # type: ignore[no-untyped-def]
    """Gives Rasa's action EndpointConfig the kept-alive session (an instance attribute, so no other
    endpoint, such as a model server, is affected)."""
    if endpoint is not None and "session" not in vars(endpoint):
        endpoint.session = functools.partial(_kept_alive_session, endpoint)
