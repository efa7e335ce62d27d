"""The internal servers fail cleanly, against `make run`: the action server
answers an unknown path 404 and a bad body 400, without echoing the body or a traceback per
request; the page server answers a NUL byte or any undecodable path 400 and keeps serving."""

import json
import socket

import pytest
import requests

ECHO = "Okapi-echo-marker"


def raw_request(port, request_line: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("post", "/nope", json.dumps({"message": ECHO}), 404),  # rasa_sdk answered 500 with the body
        ("get", f"/{ECHO}", None, 404),
        ("post", "/webhook", ECHO, 400),
        ("post", "/webhook", json.dumps({"next_action": ECHO}), 400),
        ("post", "/webhook", json.dumps([ECHO]), 400),
    ],
)
def test_the_action_server_answers_without_echo_or_a_traceback_per_request(assistant, method, path, body, status):
    log = assistant.log_dir / "actions.log"
    before = log.read_text()
    for _ in range(20):
        answer = getattr(requests, method)(
            assistant.url("actions", path), data=body, headers={"Content-Type": "application/json"}, timeout=10
        )
        assert answer.status_code == status and ECHO not in answer.text
    added = log.read_text()[len(before) :]
    assert "Traceback" not in added and ECHO not in added and len(added) < 2000


@pytest.mark.parametrize(
    "request_line",
    [b"GET /index.html%00.txt HTTP/1.1", b"GET /ab\x00c HTTP/1.1", b"GET /%ff%fe HTTP/1.1", b"GET /\xc3\x28 HTTP/1.1"],
)
def test_the_page_server_answers_an_undecodable_path_400(assistant, request_line):
    log = assistant.log_dir / "webchat.log"
    answer = raw_request(assistant.ports["webchat"], request_line)
    assert answer.startswith(b"HTTP/1.0 400 "), answer[:100]
    assert raw_request(assistant.ports["webchat"], b"GET / HTTP/1.1").startswith(b"HTTP/1.0 200 ")
    assert "Traceback" not in log.read_text() and "\x00" not in log.read_text()
