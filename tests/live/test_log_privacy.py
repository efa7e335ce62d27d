"""No message text and no phone number in either server's log, on the error paths too: each test
forces one path with a message carrying a unique marker word and a phone number, and the last
test searches the Rasa server's and the action server's logs (both started with logging.yml, as
in production) for them, and checks that each path was reached (its log line is there)."""

import json
import os
import signal
import time

import pytest
import requests

from tests.live.conftest import TEST_CARE_TEAM_PHONE, Servers

MARKER = "Zanzibarquokka"
PHONE = "+1 555 010 0177"
PHONE_DIGITS = ("0100177", "010 0177", "5550100177")
MESSAGE = f"my son {MARKER} has a fever of 101.5, call me at {PHONE}"
# Sanic answers 503 and cancels the handler after this many seconds; a fever report waits up to
# ACTION_SERVER_TIMEOUT for a hung action server, so it outlasts the response timeout
RESPONSE_TIMEOUT = 4
ACTION_SERVER_TIMEOUT = 7


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with Servers(
        tmp_path_factory.mktemp("log-privacy"),
        extra_env={
            "SANIC_RESPONSE_TIMEOUT": str(RESPONSE_TIMEOUT),
            "ACTION_SERVER_TIMEOUT_SECONDS": str(ACTION_SERVER_TIMEOUT),
        },
    ) as servers:
        yield servers


def rest(servers, body, timeout=30):
    return requests.post(
        f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=timeout,
    )


def logs(servers):
    return {name: (servers.tmp / name).read_text(errors="replace") for name in ("rasa.log", "actions.log")}


def test_an_ordinary_fever_report(servers):
    assert "Call now" in servers.say("privacy-ordinary", MESSAGE)


def test_a_message_over_2000_characters(servers):
    assert "shorten" in servers.say("privacy-long", (MESSAGE + " ") * 40)


def test_a_bad_sender_id(servers):
    answer = rest(servers, json.dumps({"sender": f"{PHONE}\u0007", "message": MESSAGE}).encode())
    assert answer.status_code == 400
    answer = rest(servers, json.dumps({"sender": PHONE * 20, "message": MESSAGE}).encode())
    assert answer.status_code == 400


def test_an_exception_in_an_action(servers):
    """A tracker the action cannot read: the action server answers 500 (without echoing the call)
    and logs the exception."""
    call = {
        "next_action": "action_escalate_fever",
        "sender_id": PHONE,
        "version": "3.6.21",
        "tracker": {
            "sender_id": PHONE,
            "slots": {},
            "events": [],
            "latest_event_time": None,
            "latest_message": {"text": MESSAGE, "intent": MESSAGE, "entities": [MESSAGE]},
        },
        "domain": {},
    }
    answer = requests.post(f"http://127.0.0.1:{servers.actions_port}/webhook", json=call, timeout=30)
    assert answer.status_code == 500 and MARKER not in answer.text


def test_a_client_that_disconnects_while_waiting_and_a_request_that_times_out(servers):
    """The action server hangs (stopped): a REST client gives up after 1 s, and another request
    outlasts Sanic's response timeout, which cancels its handler: rest.py logs that with the
    message's text as a structlog field. The parent still gets the care-team number."""
    os.kill(servers.actions.pid, signal.SIGSTOP)
    try:
        with pytest.raises(requests.ReadTimeout):
            rest(servers, json.dumps({"sender": "privacy-gone", "message": MESSAGE}).encode(), timeout=1)
        answer = rest(servers, json.dumps({"sender": "privacy-slow", "message": MESSAGE}).encode())
        assert answer.status_code == 200
        assert [m["recipient_id"] for m in answer.json()] == ["privacy-slow"]
        assert "could not answer in time" in answer.json()[0]["text"]
        assert TEST_CARE_TEAM_PHONE in answer.json()[0]["text"]
        time.sleep(ACTION_SERVER_TIMEOUT - RESPONSE_TIMEOUT + 1)  # every action call has ended
    finally:
        os.kill(servers.actions.pid, signal.SIGCONT)


def test_the_action_server_down(servers):
    """The path a message takes with the action server down, for the log check below (its reply is
    tests/live/test_rest_channel.py's to check)."""
    servers.stop_actions()
    time.sleep(1)
    assert servers.say("privacy-down", MESSAGE)


def test_neither_log_has_the_text_or_a_phone_number_and_every_path_was_logged(servers):
    texts = logs(servers)
    for name, text in texts.items():
        assert MARKER not in text, f"{name} has the message text"
        for digits in PHONE_DIGITS:
            assert digits not in text, f"{name} has the sender's phone number"
        assert TEST_CARE_TEAM_PHONE not in text, f"{name} has the care-team number"
    rasa, actions = texts["rasa.log"], texts["actions.log"]
    # the paths were reached: their log lines are there, with the text fields redacted
    assert '{"text": "[redacted]", "event": "rest.message.received.timeout"' in rasa
    assert "Failed to run custom action 'action_escalate_fever'" in rasa  # the action server down
    # the action server's own line (rasa_sdk_plugins/), with the traceback the first time
    assert "action server: the action action_escalate_fever failed (" in actions and "Traceback" in actions
