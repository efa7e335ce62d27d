"""What the internal servers refuse, without starting them: rasa_sdk_plugins/ names what is not an
action call, the page server (webchat/server.py) a path it cannot decode, and its log line shows
little of what the client sent. tests/services/test_action_server_errors.py starts the action
server; tests/abuse/ probes both against `make run`."""

import pytest

from rasa_sdk_plugins import action_call_problem
from webchat.server import BAD_PATH, one_line, path_problem


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
