"""Telegram on, but its API does not answer (no internet): the server still starts and answers."""

import socket
import time

import pytest

from tests.channels.conftest import channel_env
from tests.live.conftest import TEST_CARE_TEAM_PHONE, Servers


@pytest.fixture(scope="module")
def blackhole():
    """Accepts connections and never answers: the worst case, a request that would hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.fixture(scope="module")
def offline(blackhole, tmp_path_factory):
    env = {k: v for k, v in channel_env(blackhole).items() if k.startswith("TELEGRAM_")}
    servers = Servers(tmp_path_factory.mktemp("telegram-offline"), channel_env=env)
    try:
        servers.start_actions()
        started = time.time()
        servers.start_rasa()
        servers.start_seconds = time.time() - started
        yield servers
    finally:
        servers.stop()


def test_server_starts_and_answers_while_telegram_is_unreachable(offline):
    assert offline.channels_summary[0] == "channels on: rest, socketio, telegram"
    reply = offline.say("parent-offline", "she has a fever of 101.5")
    assert reply.startswith("Call now") and TEST_CARE_TEAM_PHONE in reply


def test_the_failed_webhook_registration_is_logged(offline):
    log = offline.tmp / "rasa.log"
    deadline = time.time() + 60
    while "could not set the webhook" not in log.read_text() and time.time() < deadline:
        time.sleep(1)
    assert "Telegram: could not set the webhook" in log.read_text()
    assert "setWebhook is tried again in 5 s" in log.read_text()  # in the background, no route needed
    assert offline.rasa.poll() is None  # still running
