"""The Rasa server as `make run` starts it: HTTP API off, CORS only for the configured origins,
no message text or phone numbers in the INFO log."""

import pytest
import requests

from scripts.rasa_server_options import server_options
from tests.live.conftest import TEST_CARE_TEAM_PHONE, Servers


@pytest.fixture(scope="module")
def locked_servers(tmp_path_factory):
    with Servers(tmp_path_factory.mktemp("locked"), rasa_args=server_options({})) as servers:
        yield servers


def url(servers, path):
    return f"http://127.0.0.1:{servers.rasa_port}{path}"


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/status"),
        ("get", "/version"),
        ("get", "/conversations/someone/tracker"),
        ("post", "/conversations/someone/tracker/events"),
        ("put", "/model"),
        ("post", "/model/parse"),
    ],
)
def test_http_api_is_off(locked_servers, method, path):
    answer = getattr(requests, method)(url(locked_servers, path), json={}, timeout=10)
    assert answer.status_code in (404, 405), (path, answer.status_code)


def test_cors_allows_the_site_origin_only(locked_servers):
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = requests.options(
        url(locked_servers, "/webhooks/rest/webhook"),
        headers={"Origin": "http://localhost:8080", **preflight},
        timeout=10,
    )
    assert allowed.headers.get("Access-Control-Allow-Origin") == "http://localhost:8080"
    foreign = requests.options(
        url(locked_servers, "/webhooks/rest/webhook"),
        headers={"Origin": "https://evil.example", **preflight},
        timeout=10,
    )
    assert foreign.headers.get("Access-Control-Allow-Origin") in (None, "")
    answer = requests.post(
        url(locked_servers, "/webhooks/rest/webhook"),
        json={"sender": "c", "message": "hi"},
        headers={"Origin": "https://evil.example"},
        timeout=30,
    )
    assert answer.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_info_log_has_no_message_text_or_phone_numbers(locked_servers):
    locked_servers.say("log-check", "my daughter Zelda has a fever of 101.7")
    for log in ("rasa.log", "actions.log"):
        text = (locked_servers.tmp / log).read_text()
        assert "Zelda" not in text and "101.7" not in text, log
        assert TEST_CARE_TEAM_PHONE not in text, log


def test_chat_socket_accepts_the_site_origin_only(locked_servers):
    handshake = url(locked_servers, "/socket.io/?EIO=4&transport=polling")
    assert requests.get(handshake, headers={"Origin": "http://localhost:8080"}, timeout=10).status_code == 200
    assert requests.get(handshake, headers={"Origin": "https://evil.example"}, timeout=10).status_code == 400
