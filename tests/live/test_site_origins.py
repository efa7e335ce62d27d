"""The chat socket on a server configured for a hospital's real site (a non-local origin), as
`make run` starts it (--cors from scripts/rasa_server_options.py): exactly one
Access-Control-Allow-Origin on every answer to that origin (two make Chromium refuse the answer,
which breaks rasa-webchat's long-polling start), none and a refusal for an origin not listed;
and a message whose session id the server could not have confirmed creates no conversation."""

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import socketio

from scripts.rasa_server_options import server_options
from tests.live.conftest import TEST_CARE_TEAM_PHONE, Servers

SITE = "https://www.example-hospital.org"
OTHER = "https://evil.example"
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"


@pytest.fixture(scope="module")
def site_servers(tmp_path_factory):
    env = {"ALLOWED_ORIGINS": SITE}
    with Servers(tmp_path_factory.mktemp("origins"), rasa_args=server_options(env), extra_env=env) as servers:
        yield servers


def url(servers, path):
    return f"http://127.0.0.1:{servers.rasa_port}{path}"


def header_values(answer, name):
    return answer.raw.headers.getlist(name)


def test_socket_polling_answers_carry_one_allow_origin(site_servers):
    handshake = requests.get(
        url(site_servers, "/socket.io/?EIO=4&transport=polling"), headers={"Origin": SITE}, timeout=10
    )
    assert handshake.status_code == 200
    assert header_values(handshake, ACAO) == [SITE]
    assert header_values(handshake, ACAC) == ["true"]
    sid = handshake.text[handshake.text.index("{") :].split('"sid":"', 1)[1].split('"', 1)[0]
    polling = url(site_servers, f"/socket.io/?EIO=4&transport=polling&sid={sid}")
    opened = requests.post(polling, data="40", headers={"Origin": SITE, "Content-Type": "text/plain"}, timeout=10)
    assert opened.status_code == 200 and header_values(opened, ACAO) == [SITE]
    confirmed = requests.get(polling, headers={"Origin": SITE}, timeout=10)
    assert confirmed.status_code == 200 and confirmed.text.startswith("40")
    assert header_values(confirmed, ACAO) == [SITE] and header_values(confirmed, ACAC) == ["true"]


def test_http_answers_carry_one_allow_origin(site_servers):
    for path in ("/", "/webhooks/socketio/"):
        answer = requests.get(url(site_servers, path), headers={"Origin": SITE}, timeout=10)
        assert answer.status_code == 200 and header_values(answer, ACAO) == [SITE], path


def test_an_origin_not_listed_is_refused(site_servers):
    for origin in (OTHER, "http://localhost:8080"):
        answer = requests.get(
            url(site_servers, "/socket.io/?EIO=4&transport=polling"), headers={"Origin": origin}, timeout=10
        )
        assert answer.status_code == 400 and header_values(answer, ACAO) == [], origin


def conversations(servers):
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        return {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}


def test_a_message_with_an_unconfirmed_session_id_creates_no_conversation(site_servers):
    client = socketio.Client(reconnection=False)
    replies, confirmed = [], threading.Event()
    client.on("bot_uttered", lambda data: replies.append(data))
    client.on("session_confirm", lambda session_id: confirmed.set())
    client.connect(url(site_servers, ""), headers={"Origin": SITE}, transports=["polling"], wait_timeout=10)
    try:
        client.emit("session_request", {"session_id": None})
        assert confirmed.wait(10)
        before = conversations(site_servers)
        for bad in ("x", "a" * 500, "a" * 20 + "\x00", "../../" + "a" * 20):
            client.emit("user_uttered", {"message": "my son has a fever", "session_id": bad, "customData": {"x": "y"}})
        client.sleep(3)
        assert len(replies) == 4
        assert all("reload the page" in r["text"] and TEST_CARE_TEAM_PHONE in r["text"] for r in replies)
        assert conversations(site_servers) == before
        assert "a" * 500 not in (site_servers.tmp / "rasa.log").read_text()
    finally:
        client.disconnect()


def test_a_packet_over_the_bound_closes_the_socket(site_servers):
    handshake = requests.get(
        url(site_servers, "/socket.io/?EIO=4&transport=polling"), headers={"Origin": SITE}, timeout=10
    )
    assert '"maxPayload":32768' in handshake.text  # clients are told the bound
    sid = handshake.text.split('"sid":"', 1)[1].split('"', 1)[0]
    polling = url(site_servers, f"/socket.io/?EIO=4&transport=polling&sid={sid}")
    headers = {"Origin": SITE, "Content-Type": "text/plain"}
    assert requests.post(polling, data="40", headers=headers, timeout=10).ok
    assert requests.get(polling, headers=headers, timeout=10).text.startswith("40")
    with ThreadPoolExecutor(1) as pool:
        # a client always has a poll waiting: the server closes the socket through it
        waiting_poll = pool.submit(requests.get, polling, headers=headers, timeout=30)
        # engineio closes the socket through the waiting poll and waits for it: a poll that came
        # after the close would find no socket, and the refusal would wait for Sanic's timeout
        time.sleep(1)
        too_big = requests.post(
            polling, data='42["user_uttered",{"message":"' + "a" * 40_000 + '"}]', headers=headers, timeout=30
        )
        assert too_big.status_code == 400
        assert waiting_poll.result().text.endswith("1")  # engine.io's close packet
