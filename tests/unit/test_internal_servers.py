"""The internal servers fail cleanly (issue 20), run as `make run` and the images run them: the
action server (rasa_sdk with rasa_sdk_plugins/) answers an unknown path 404, a body that is not
an action call 400 (415 when it is not declared JSON), an unknown action 404, never echoing the
body, and a failing action 500 with its traceback logged once; the page server (webchat/server.py)
answers a NUL byte or any path it cannot decode with 400, keeps the connection, and logs one
escaped line per request. tests/abuse/ probes the same against `make run`."""

import json
import os
import socket
import subprocess
import sys
import time
import zlib

import pytest
import requests

from rasa_sdk_plugins import action_call_problem
from tests.conftest import ROOT
from tools.local_services import free_port
from webchat.server import BAD_PATH, one_line, path_problem

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
        env={**os.environ, "PYTHONPATH": str(ROOT), "SANIC_HOST": "127.0.0.1", "PYTHONWARNINGS": "ignore", **env},
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


@pytest.mark.parametrize(
    "call, problem",
    [
        ("x", "JSON object"),
        ({}, "'next_action'"),
        ({"next_action": "a"}, "'tracker' must be an object"),
        ({"next_action": "a", "tracker": {}}, "'tracker.sender_id'"),
        ({"next_action": "a", "tracker": {"sender_id": "s", "events": {}}}, "'tracker.events'"),
        ({"next_action": "a", "tracker": {"sender_id": "s", "events": ["e"]}}, "list of objects"),
        ({"next_action": "a", "tracker": {"sender_id": "s", "slots": []}}, "'tracker.slots'"),
        ({"next_action": "a", "tracker": {"sender_id": "s"}, "domain": []}, "'domain'"),
        ({"next_action": "a", "tracker": {"sender_id": "s"}, "version": "x" * 33}, "'version'"),
    ],
)
def test_what_is_not_an_action_call_is_named(call, problem):
    assert problem in action_call_problem(call, frozenset({"a"}))


# --- the page server ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, problem",
    [
        ("/index.html", None),
        ("/vendor/socket.io.min.js?v=1", None),
        ("/caf%C3%A9", None),
        ("/index.html%00.txt", BAD_PATH),
        ("/ab\x00c", BAD_PATH),
        ("/%ff%fe", BAD_PATH),
        ("/\xff\xfe", BAD_PATH),  # raw bytes, as http.server reads the request line (Latin-1)
        ("/a%0d%0aSet-Cookie:x", BAD_PATH),
    ],
)
def test_a_path_the_page_server_cannot_decode_is_named(path, problem):
    assert path_problem(path) == problem


def test_a_log_line_shows_little_of_what_the_client_sent_and_no_control_characters():
    line = one_line('"GET /\x1b]2;owned\x07\n2026-01-01 fake line' + "x" * 500)
    assert "\n" not in line and "\x1b" not in line and len(line) <= 203
