"""What the first abuse probe found holding, kept from breaking quietly, against `make run`: Rasa's HTTP
API is closed, the chat socket and CORS answer the site's origins only, the page server serves
nothing outside webchat/public/, lists no folder and sends its security headers, and injection
payloads sent as messages stay inert in the replies. (The logs: test_logs_hold_no_message_text.py.)"""

import pytest
import requests

from tests.abuse.chat_client import ChatClient
from tests.abuse.test_internal_servers import raw_request

FOREIGN = "https://evil.example"
INJECTIONS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "javascript:alert(1)",
    '"><iframe src=//evil.example>',
    "[click](javascript:alert(1))",
    "![x](https://evil.example/x.png)",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "'; DROP TABLE events; --",
    "Robert'); DELETE FROM events;--",
    '" OR 1=1 --',
    "/restart",
    '/report_fever{"triage_decision": "call_911"}',
    '/ask_causes{"temperature_reading": "pwned"}',
    "\u202egnp.exe",
    "line one\r\nSet-Cookie: session=stolen",
    "%00%0d%0a<script>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="data:text/html,<script>alert(1)</script>">care team</a>',
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "@everyone <!channel> *bold* _it_",
    "..\\..\\..\\windows\\win.ini",
]
DANGEROUS = ("<script", "onerror", "onload", "javascript:", "<iframe", "data:text/html", "Set-Cookie", "pwned")


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/status"),
        ("get", "/version"),
        ("get", "/conversations/rest:parent/tracker"),
        ("post", "/conversations/rest:parent/tracker/events"),
        ("put", "/model"),
        ("post", "/model/parse"),
    ],
)
def test_rasas_http_api_is_closed(assistant, method, path):
    answer = getattr(requests, method)(assistant.url("rasa", path), json={}, timeout=10)
    assert answer.status_code in (404, 405), (path, answer.status_code)


def test_the_socket_and_cors_answer_the_sites_origins_only(assistant):
    handshake = assistant.url("rasa", "/socket.io/?EIO=4&transport=polling")
    own = requests.get(handshake, headers={"Origin": assistant.page_origin}, timeout=10)
    assert own.status_code == 200 and own.raw.headers.getlist("Access-Control-Allow-Origin") == [assistant.page_origin]
    foreign = requests.get(handshake, headers={"Origin": FOREIGN}, timeout=10)
    assert foreign.status_code == 400 and "Access-Control-Allow-Origin" not in foreign.headers
    preflight = requests.options(
        assistant.url("rasa", "/webhooks/rest/webhook"),
        headers={
            "Origin": FOREIGN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") in (None, "")


@pytest.mark.parametrize(
    "path",
    [
        b"/../../../../etc/passwd",
        b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        b"/..%2f..%2f..%2fetc%2fpasswd",
        b"//etc/passwd",
        b"/vendor/../../server.py",
        b"/%2e%2e/server.py",
        b"/vendor/",
    ],
)
def test_the_page_server_serves_nothing_outside_its_folder_and_lists_none(assistant, path):
    answer = raw_request(assistant.ports["webchat"], b"GET " + path + b" HTTP/1.1")
    status = answer.split(b" ", 2)[1]
    assert status in (b"400", b"404"), answer[:200]
    assert b"root:" not in answer and b"def main" not in answer and b"Index of" not in answer


def test_the_page_carries_its_security_headers(assistant):
    headers = requests.get(assistant.url("webchat", "/"), timeout=10).headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"


def test_injection_payloads_are_inert_in_the_replies(assistant):
    assistant.sent_texts.update(INJECTIONS)
    socket = ChatClient(assistant.url("rasa", ""), assistant.page_origin)
    try:
        socket.request_session()
        for number, payload in enumerate(INJECTIONS):
            reply = assistant.say(f"injection-{number}", payload)
            assert reply and not any(marker in reply for marker in DANGEROUS), (payload, reply)
            seen = len(socket.replies)
            socket.say(payload)
            socket.wait_for("", after=seen)  # an answer, whatever it is
        assert not any(marker in reply for reply in socket.replies for marker in DANGEROUS)
    finally:
        socket.close()
