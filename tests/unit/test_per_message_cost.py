"""The patches of addons/rasa_patches that make a message cheaper (results/bench/profile.md): the
action server's replies are validated by a validator built once, the action server is called over
one kept-alive connection, the default SQLite tracker store keeps its connections and writes a
write-ahead log, the graph runner keeps the graph it needs, and event classes are looked up in a
table. Each keeps Rasa's behaviour; these tests check that it is kept."""

import asyncio
import sqlite3

import jsonschema
import pytest
import rasa.core.tracker_store as rasa_tracker_store
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from addons import rasa_patches
from addons.rasa_patches import action_server, graph_runner
from addons.rasa_patches import events as events_patch

rasa_patches.apply()  # as the server does when it creates its channels

GOOD_REPLY = {"events": [{"event": "slot", "name": "triage_decision", "value": "call_now"}], "responses": []}


def test_action_replies_are_validated_against_rasas_schema_by_one_validator(monkeypatch):
    action = RemoteAction("action_escalate_fever", None)
    monkeypatch.setattr(action_server, "_action_reply_validator", None)
    built = []
    real_validator_for = jsonschema.validators.validator_for

    def counting_validator_for(schema, *args, **kwargs):
        built.append(schema)
        return real_validator_for(schema, *args, **kwargs)

    monkeypatch.setattr(jsonschema.validators, "validator_for", counting_validator_for)
    for _ in range(3):
        assert action._validate_action_result(GOOD_REPLY) is True
    # (jsonschema also looks up validators for subschemas while validating; those are cheap)
    spec = RemoteAction.action_response_format_spec()
    assert sum(1 for schema in built if schema == spec) == 1
    # a reply Rasa's schema rejects is still rejected, with the hint to the action server's author
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})
    with pytest.raises(jsonschema.ValidationError):
        action._validate_action_result({"events": [{"no_event_key": 1}]})


class CountingActionServer:
    """A minimal action server on loopback that answers GOOD_REPLY and counts TCP connections."""

    def __init__(self, port: int = 0):
        self.port = port  # 0: any free port
        self.connections: set[object] = set()
        self.requests = 0

    async def webhook(self, request):
        self.requests += 1
        self.connections.add(request.transport.get_extra_info("peername"))
        return web.json_response(GOOD_REPLY)

    async def __aenter__(self):
        app = web.Application()
        app.router.add_post("/webhook", self.webhook)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()


def tracker() -> DialogueStateTracker:
    return DialogueStateTracker.from_events("parent-1", [UserUttered("she has a fever of 101.5")])


def test_the_action_server_is_called_over_one_kept_alive_connection():
    async def scenario():
        async with CountingActionServer() as server:
            endpoint = EndpointConfig(server.url)
            action = RemoteAction("action_escalate_fever", endpoint)
            for _ in range(4):
                events = await action.run(None, None, tracker(), Domain.empty())
                assert events == [SlotSet("triage_decision", "call_now")]
            assert server.requests == 4 and len(server.connections) == 1
            # other endpoints (a model server, an NLG server) keep Rasa's session per request
            other = EndpointConfig(server.url)
            await other.request(json={}, method="post")
            await other.request(json={}, method="post")
            assert len(server.connections) == 3
            await endpoint._kept_session[1].close()

    asyncio.run(scenario())


def test_an_idle_kept_connection_is_dropped_before_the_action_server_drops_it(monkeypatch):
    monkeypatch.setattr(action_server, "ACTION_SERVER_KEEPALIVE_SECONDS", 0.2)

    async def scenario():
        async with CountingActionServer() as server:
            endpoint = EndpointConfig(server.url)
            action = RemoteAction("action_escalate_fever", endpoint)
            await action.run(None, None, tracker(), Domain.empty())
            await asyncio.sleep(0.5)
            await action.run(None, None, tracker(), Domain.empty())
            assert server.requests == 2 and len(server.connections) == 2
            await endpoint._kept_session[1].close()

    asyncio.run(scenario())


def test_the_action_server_restarting_costs_no_fever_report():
    """A kept connection to an action server that has restarted is not reused: the next call
    succeeds on a new connection."""

    async def scenario():
        async with CountingActionServer() as first:
            endpoint = EndpointConfig(first.url)
            action = RemoteAction("action_escalate_fever", endpoint)
            await action.run(None, None, tracker(), Domain.empty())
        await asyncio.sleep(0.05)
        try:
            async with CountingActionServer(first.port) as second:  # restarted on the same port
                events = await action.run(None, None, tracker(), Domain.empty())
                assert events == [SlotSet("triage_decision", "call_now")] and second.requests == 1
        finally:
            await endpoint._kept_session[1].close()

    asyncio.run(scenario())


def test_the_sqlite_tracker_store_keeps_its_connections_and_writes_ahead(tmp_path):
    create_engine_kwargs = rasa_tracker_store.create_engine_kwargs  # as patched
    assert create_engine_kwargs(f"sqlite:///{tmp_path}/conversations.db")["poolclass"].__name__ == "QueuePool"
    assert "poolclass" not in create_engine_kwargs("sqlite://")  # in memory: SQLAlchemy's own pool
    assert "poolclass" not in create_engine_kwargs("postgresql://rasa@127.0.0.1:5432/rasa")

    db = tmp_path / "conversations.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))

    async def save_and_retrieve():
        await store.save(tracker())
        return await store.retrieve("parent-1")

    retrieved = asyncio.run(save_and_retrieve())
    assert retrieved.latest_message.text == "she has a fever of 101.5"
    # another process (the retention script) reads the same file while the server holds it
    with sqlite3.connect(db) as reader:
        assert reader.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert reader.execute("SELECT count(*) FROM events WHERE sender_id = 'parent-1'").fetchone() == (1,)
    store.engine.dispose()


def toy_runner():
    """A DaskGraphRunner over a small graph whose nodes are plain functions returning (name, value),
    as GraphNode does: x -> double -> plus_one, x -> square; unused is never needed."""
    from rasa.engine.graph import GraphSchema, SchemaNode
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    def node(name, fn):
        return lambda *args: (name, fn(*args))

    def schema_node(**needs):
        return SchemaNode(needs=needs, uses=FallbackClassifier, constructor_name="create", fn="process", config={})

    schema = GraphSchema(
        {
            "double": schema_node(value="x"),
            "plus_one": schema_node(value="double"),
            "square": schema_node(value="x"),
            "both": schema_node(a="plus_one", b="square"),
            "unused": schema_node(value="missing_input"),
        }
    )
    runner = object.__new__(DaskGraphRunner)
    runner._graph_schema = schema
    runner._execution_context = None
    runner._instantiated_nodes = {
        "double": node("double", lambda x: (x[1] * 2)),
        "plus_one": node("plus_one", lambda d: d[1] + 1),
        "square": node("square", lambda x: x[1] ** 2),
        "both": node("both", lambda a, b: (a[1], b[1])),
        "unused": node("unused", lambda m: 1 / 0),
    }
    return runner


@pytest.mark.parametrize("targets", [["plus_one"], ["both"], ["square", "double"], ["both", "plus_one"]])
def test_the_graph_runner_gives_what_rasas_runner_gives(targets):
    runner = toy_runner()
    for value in (3, 5, 3):  # the second and third runs use the kept graph, with new inputs
        ours = runner.run(inputs={"x": value}, targets=targets)
        rasas = graph_runner._rasa_run_graph(runner, inputs={"x": value}, targets=targets)
        assert ours == rasas
        assert set(ours) == set(targets)
    assert runner.run(inputs={"x": 4}, targets=["both"]) == {"both": (9, 16)}


def test_the_graph_runner_raises_what_rasas_runner_raises():
    from rasa.engine.exceptions import GraphRunError

    runner = toy_runner()
    runner._instantiated_nodes["square"] = lambda x: (_ for _ in ()).throw(RuntimeError("broken node"))
    with pytest.raises(GraphRunError):
        runner.run(inputs={"x": 2}, targets=["square"])
    runner = toy_runner()
    runner._instantiated_nodes["square"] = lambda x: 1 / 0
    with pytest.raises(ZeroDivisionError):  # other errors pass through, as with dask's threaded scheduler
        runner.run(inputs={"x": 2}, targets=["square"])
    with pytest.raises(GraphRunError, match="clashes with a node name"):
        runner.run(inputs={"x": "double"}, targets=["double"])


def test_events_are_resolved_by_type_name_as_rasa_resolves_them():
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    type_names = {cls.type_name for cls in all_subclasses(events.Event)}
    assert {"user", "bot", "slot", "action", "session_started", "restart"} <= type_names
    for name in type_names:
        assert events.Event.resolve_by_type(name) is events_patch._rasa_resolve_by_type(name)
    assert events.Event.resolve_by_type("topic") is None
    assert events.Event.resolve_by_type("no_such_event", events.UserUttered) is events.UserUttered
    with pytest.raises(ValueError, match="Unknown event name"):
        events.Event.resolve_by_type("no_such_event")

    class LateEvent(events.AlwaysEqualEventMixin):  # an Event class imported after the table was built
        type_name = "late_event_for_test"

        def as_story_string(self):
            return None

    assert events.Event.resolve_by_type("late_event_for_test") is LateEvent
    restored = events.Event.from_parameters({"event": "slot", "name": "triage_decision", "value": "call_now"})
    assert restored == SlotSet("triage_decision", "call_now")
