"""addons/rasa_patches: a timed-out action call fails like a refused one (Rasa's own handling and
the safety policy take over), and the action server is not called again for a few seconds;
PostgreSQL connections are checked before use."""

import asyncio

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

from addons import rasa_patches
from addons.rasa_patches import action_server as action_server_patch

rasa_patches.apply()  # as the server does when it creates its channels


@pytest.fixture
def action_server(monkeypatch):
    """The call Rasa would make, replaced: records calls and behaves as set."""
    calls = []
    behaviour = {"timeout": True}

    async def call(self, output_channel, nlg, tracker, domain):
        calls.append(self.name())
        if behaviour["timeout"]:
            raise asyncio.TimeoutError()
        return []

    monkeypatch.setattr(action_server_patch, "_rasa_remote_action_run", call)
    monkeypatch.setattr(action_server_patch, "_action_server_timed_out_at", None)
    return calls, behaviour


def run(action):
    return asyncio.run(action.run(None, None, None, None))


def test_a_timeout_is_a_failed_action_and_the_server_is_skipped_for_a_while(action_server, monkeypatch):
    calls, behaviour = action_server
    action = RemoteAction("action_escalate_fever", EndpointConfig("http://127.0.0.1:1/webhook"))
    with pytest.raises(RasaException, match="no answer from the action server"):
        run(action)
    with pytest.raises(RasaException, match="not called again yet"):
        run(action)
    assert calls == ["action_escalate_fever"]  # the second call did not wait again
    # after ACTION_SERVER_RETRY_AFTER_SECONDS it is called again, and a success clears the failure
    monkeypatch.setattr(action_server_patch, "ACTION_SERVER_RETRY_AFTER_SECONDS", 0.0)
    behaviour["timeout"] = False
    assert run(action) == []
    assert action_server_patch._action_server_timed_out_at is None and len(calls) == 2


def test_postgresql_connections_are_checked_before_use():
    from rasa.core.tracker_store import create_engine_kwargs

    assert create_engine_kwargs("postgresql://rasa@127.0.0.1:5432/rasa")["pool_pre_ping"] is True
    assert "pool_pre_ping" not in create_engine_kwargs("sqlite:///conversations.db")
