"""What a message costs in the Rasa server: work Rasa 3.6 repeats for every message although its
result never changes, done once instead. Imported by addons/__init__.py (so it applies wherever
Rasa loads this project's NLG, policy or classifier).

Each patch keeps Rasa's behaviour and is checked by tests/unit/test_per_message_cost.py; where
the time went is in results/bench/profile.md (py-spy on a loaded server). Together they took one
server from about 20 to about 8 ms of CPU per message (`make bench`).

1. Action-server replies are validated by a JSON-schema validator built once. Rasa calls
   jsonschema.validate(), which first checks Rasa's own constant schema against the metaschema:
   17-20 ms of CPU per fever report.
2. The action server is called over one kept-alive connection per event loop instead of a new
   aiohttp session and TCP connection per call: on a busy server every extra await (connect,
   close) puts a fever report behind the other conversations' work again.
3. The SQLite tracker store (endpoints.yml) keeps its connections in a pool (SQLAlchemy 1.4 opens
   two new ones per message for a file database) and writes a write-ahead log instead of a
   rollback journal with two fsyncs per commit.
4. The graph runner computes the part of the model graph a prediction needs once per target set
   instead of on every run, and runs it with dask's simple synchronous scheduler (dask.core.get)
   rather than the threaded-scheduler machinery (dask.local.get_sync) that plans memory release
   for large graphs: about 10 % of a message's time for a graph of a dozen nodes.
5. Event classes are looked up by type name in a table instead of by walking every subclass of
   Event for every stored event each time a conversation is loaded.
"""
from __future__ import annotations

import asyncio
import functools
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import aiohttp
import dask.core
import jsonschema
import rasa.core.actions.action as _rasa_actions
import rasa.core.tracker_store as _rasa_tracker_store
import rasa.shared.utils.common
import sqlalchemy
import sqlalchemy.engine
import sqlalchemy.event
import sqlalchemy.pool
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event

# --------------------------------------------------------------------------------------------
# 1. Action-server replies: one validator.
# --------------------------------------------------------------------------------------------
_action_reply_validator = None


def _validate_action_result(self, result):  # type: ignore[no-untyped-def]
    global _action_reply_validator
    if _action_reply_validator is None:
        schema = self.action_response_format_spec()
        _action_reply_validator = jsonschema.validators.validator_for(schema)(schema)
    try:
        _action_reply_validator.validate(result)
    except jsonschema.ValidationError as error:
        # Rasa's hint for whoever wrote the action server
        error.message += (". Failed to validate Action server response from API, make sure your response "
                          "from the Action endpoint is valid.")
        raise
    return True


_rasa_actions.RemoteAction._validate_action_result = _validate_action_result

# --------------------------------------------------------------------------------------------
# 2. The action server over a kept-alive connection.
# --------------------------------------------------------------------------------------------
# Idle connections are dropped after this many seconds: before the action server (Sanic, 5 s
# keep-alive timeout) drops them, so a request never goes out on a connection being closed.
ACTION_SERVER_KEEPALIVE_SECONDS = 2.0


class _KeptSession:
    """`async with` for a shared session: entering gives the session, leaving does not close it."""

    def __init__(self, session):  # type: ignore[no-untyped-def]
        self.session = session

    async def __aenter__(self):  # type: ignore[no-untyped-def]
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _kept_alive_session(endpoint):  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    kept = getattr(endpoint, "_kept_session", None)
    if kept is None or kept[0] is not loop or kept[1].closed:
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
            if endpoint.basic_auth else None,
            # RemoteAction.run passes its own bounded timeout (addons/__init__.py) with every request
            connector=aiohttp.TCPConnector(keepalive_timeout=ACTION_SERVER_KEEPALIVE_SECONDS),
        )
        endpoint._kept_session = kept = (loop, session)
    return _KeptSession(kept[1])


def keep_action_endpoint_alive(endpoint) -> None:  # type: ignore[no-untyped-def]
    """Gives Rasa's action EndpointConfig the kept-alive session (an instance attribute, so no other
    endpoint, such as a model server, is affected)."""
    if endpoint is not None and "session" not in vars(endpoint):
        endpoint.session = functools.partial(_kept_alive_session, endpoint)


_rasa_remote_action_init = _rasa_actions.RemoteAction.__init__


def _remote_action_init(self, name, action_endpoint):  # type: ignore[no-untyped-def]
    _rasa_remote_action_init(self, name, action_endpoint)
    keep_action_endpoint_alive(action_endpoint)


_rasa_actions.RemoteAction.__init__ = _remote_action_init

# --------------------------------------------------------------------------------------------
# 3. The SQLite tracker store: pooled connections, write-ahead log.
# --------------------------------------------------------------------------------------------


def is_sqlite_file_url(url) -> bool:  # type: ignore[no-untyped-def]
    parsed = sqlalchemy.engine.make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


_create_engine_kwargs_before = _rasa_tracker_store.create_engine_kwargs


def _create_engine_kwargs(url):  # type: ignore[no-untyped-def]
    kwargs = _create_engine_kwargs_before(url)
    if is_sqlite_file_url(url):
        # as SQLAlchemy 2.0 does for file databases; Rasa uses the store from its event loop only
        kwargs["poolclass"] = sqlalchemy.pool.QueuePool
        kwargs["connect_args"] = {"check_same_thread": False}
    return kwargs


# SQLTrackerStore.__init__ calls the module's create_engine_kwargs at construction time.
_rasa_tracker_store.create_engine_kwargs = _create_engine_kwargs


# The file stays consistent after a crash of the server or the machine; with synchronous=NORMAL a
# power cut can lose the last turns written (the parent then sees a conversation start over).
# Readers (the retention script, tests) are not blocked by the writer in this mode.
@sqlalchemy.event.listens_for(sqlalchemy.engine.Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, connection_record) -> None:  # type: ignore[no-untyped-def]
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


# --------------------------------------------------------------------------------------------
# 4. The graph runner: the needed part of the graph once per target set, dask's simple scheduler.
# --------------------------------------------------------------------------------------------


def _run_graph(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
               targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    run_targets = list(targets if targets else self._graph_schema.target_names)
    graphs: Dict[Tuple[Text, ...], Dict[Text, Any]] = self.__dict__.setdefault("_graphs_by_targets", {})
    graph = graphs.get(tuple(run_targets))
    if graph is None:
        graph = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
        graphs[tuple(run_targets)] = graph
    run_graph = dict(graph)  # the inputs are added to a copy
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(dask.core.get(run_graph, run_targets))
    except RuntimeError as error:  # as DaskGraphRunner.run
        raise GraphRunError("Error running runner.") from error


_rasa_run_graph = DaskGraphRunner.run
DaskGraphRunner.run = _run_graph

# --------------------------------------------------------------------------------------------
# 5. Event classes by type name.
# --------------------------------------------------------------------------------------------
_event_classes: Dict[Text, Type[Event]] = {}
_rasa_resolve_by_type = Event.resolve_by_type


def _event_class_table() -> Dict[Text, Type[Event]]:
    table: Dict[Text, Type[Event]] = {}
    for cls in rasa.shared.utils.common.all_subclasses(Event):
        table.setdefault(cls.type_name, cls)  # the first match, as Rasa's loop returns
    return table


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    found = _event_classes.get(type_name)
    if found is None:
        # unknown here: an Event class imported since the table was built, "topic", or not an event
        _event_classes.clear()
        _event_classes.update(_event_class_table())
        found = _event_classes.get(type_name)
        if found is None:
            return _rasa_resolve_by_type(type_name, default)
    return found


Event.resolve_by_type = staticmethod(_resolve_by_type)
