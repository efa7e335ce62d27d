"""The action server fails cleanly, run as `make run` and the images run it (rasa_sdk with
rasa_sdk_plugins/): an unknown path 404, a body that is not an action call 400 (415 when it is not
declared JSON), an unknown action 404, never echoing the body, and a failing action 500 with its
traceback logged once. tests/abuse/ probes the same against `make run`."""

import json
import os
import socket
import subprocess
import sys
import time
import zlib

import pytest
import requests

from scripts.model_servers import free_port
from tests.conftest import ROOT

ECHO = "Quokka-echo-marker"
ACTION_CALL = {
    "next_action": "action_escalate_fever",
    "sender_id": "rest:parent",
    "version": "3.6.21",
    "tracker": {"sender_id": "rest:parent", "slots": {}, "events": [], "latest_message": {}},
    "domain": {},
}


def started(command, port, log, **env):
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "SANIC_HOST": "127.0.0.1", "PYTHONWARNINGS": "ignore", **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    """rasa_sdk's own command, as deploy/actions-serve.sh runs it (the plugin found from the root)."""
    port, log = free_port(), tmp_path_factory.mktemp("actions") / "actions.log"
    with open(log, "w") as output:
        command = [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)]
        process = started(command + ["--logging-config_file", "logging.yml"], port, output)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=30)


def post(url, body, content_type="application/json", **headers):
    return requests.post(url, data=body, headers={"Content-Type": content_type, **headers}, timeout=30)


@pytest.mark.parametrize(
    "method, path, body, content_type, status",
    [
        ("post", "/nope", json.dumps({"x": ECHO}), "application/json", 404),
        ("get", f"/{ECHO}", None, None, 404),
        ("put", "/webhook", ECHO, "application/json", 405),
        ("post", "/webhook", json.dumps(ACTION_CALL), "text/plain", 415),
        ("post", "/webhook", ECHO, "application/json", 400),
        ("post", "/webhook", json.dumps([ECHO]), "application/json", 400),
        ("post", "/webhook", json.dumps({**ACTION_CALL, "tracker": ECHO}), "application/json", 400),
        ("post", "/webhook", json.dumps({**ACTION_CALL, "version": None}), "application/json", 400),
        ("post", "/webhook", json.dumps({**ACTION_CALL, "next_action": ECHO}), "application/json", 404),
    ],
)
def test_the_action_server_answers_bad_requests_without_echo_or_traceback(
    action_server, method, path, body, content_type, status
):
    url, log = action_server
    headers = {"Content-Type": content_type} if content_type else {}
    answer = getattr(requests, method)(url + path, data=body, headers=headers, timeout=30)
    assert answer.status_code == status, answer.text
    assert ECHO not in answer.text and set(answer.json()) == {"error"}
    assert ECHO not in log.read_text() and "Traceback" not in log.read_text()


def test_a_deflated_action_call_is_read_and_a_bad_one_refused(action_server):
    url, _ = action_server
    good = post(url + "/webhook", zlib.compress(json.dumps(ACTION_CALL).encode()), **{"Content-Encoding": "deflate"})
    assert good.status_code == 200 and "events" in good.json()
    bad = post(url + "/webhook", b"not deflated " + ECHO.encode(), **{"Content-Encoding": "deflate"})
    assert bad.status_code == 400 and ECHO not in bad.text


def test_a_failing_action_answers_500_and_logs_its_traceback_once(action_server):
    url, log = action_server
    broken = {
        **ACTION_CALL,
        "tracker": {**ACTION_CALL["tracker"], "latest_message": {"intent": ECHO, "entities": [ECHO]}},
    }
    for _ in range(3):
        answer = post(url + "/webhook", json.dumps(broken))
        assert answer.status_code == 500 and ECHO not in answer.text
    text = log.read_text()
    assert text.count("action server: the action action_escalate_fever failed (") == 3
    assert text.count("Traceback") == 1 and ECHO not in text


def test_an_action_call_as_rasa_sends_it_still_runs(action_server):
    url, _ = action_server
    answer = post(url + "/webhook", json.dumps(ACTION_CALL))
    assert answer.status_code == 200 and isinstance(answer.json()["events"], list)
    assert requests.get(url + "/health", timeout=10).json() == {"status": "ok"}
