"""Bounded logs, against `make run`: malformed Socket.IO packets, whole
WebSocket frames that are not Engine.IO, and long-polling garbage each cost a line at most, a
socket that keeps sending them is closed, a parent on another socket still gets Call now, and
every log `make run` writes is rotated by size."""

import time

import pytest
import requests

from tests.abuse.chat_client import ChatClient
from tests.abuse.conftest import LOG_BACKUPS, LOG_MAX_BYTES
from tests.abuse.raw_socket import BINARY, RawChatSocket
from tools.harness import TEST_CARE_TEAM_PHONE
from webchat.socketio_channel import MAX_MALFORMED_PACKETS_PER_SOCKET

FLOOD = 10_000
MAX_LOG_GROWTH = 100 * 1024
FEVER = "my son has a fever of 39"


def settled_log_bytes(assistant, quiet_seconds=1.0):
    """The logs' size once nothing has been written to them for `quiet_seconds`."""
    size = assistant.log_bytes()
    while True:
        time.sleep(quiet_seconds)
        now = assistant.log_bytes()
        if now == size:
            return size
        size = now


def rotated_files(assistant):
    return sorted(path.name for path in assistant.log_dir.glob("*.log.*"))


def test_10000_malformed_packets_from_one_socket_cost_a_few_lines_and_close_it(assistant, figures):
    parent = ChatClient(assistant.url("rasa", ""), assistant.page_origin)
    try:
        parent.request_session()
        rotated_before = rotated_files(assistant)
        before, refused_before = settled_log_bytes(assistant), assistant.refusals("socketio", "malformed")
        attacker = RawChatSocket(assistant.ports["rasa"])
        attacker.join_namespace()
        began = time.monotonic()
        attacker.send_frames(["42["] * FLOOD)  # the three bytes of the issue, 10,000 times, in one write
        # meanwhile, a parent on another socket reports a fever
        parent.say(FEVER)
        assistant.sent_texts.add(FEVER)
        call_now = parent.wait_for("Call now", timeout=5)
        closed_after = attacker.wait_until_closed(10)
        flood_seconds = time.monotonic() - began
        growth = settled_log_bytes(assistant) - before
        assert growth < MAX_LOG_GROWTH
        assert rotated_files(assistant) == rotated_before  # so the growth measured is all of it
        assert any("Call now" in reply and TEST_CARE_TEAM_PHONE in reply for reply in parent.replies)
        assert assistant.refusals("socketio", "malformed") - refused_before >= MAX_MALFORMED_PACKETS_PER_SOCKET + 1
        figures["one socket, 10,000 malformed packets"] = {
            "log growth (bytes)": growth,
            "socket closed after (s)": round(closed_after, 2),
            "flood to close (s)": round(flood_seconds, 2),
            "other parent's Call now after (s)": round(call_now, 2),
        }
    finally:
        parent.close()


def test_10000_malformed_packets_over_200_sockets_cost_a_few_lines(assistant, figures):
    before = settled_log_bytes(assistant)
    sockets = []
    try:
        for _ in range(200):
            attacker = RawChatSocket(assistant.ports["rasa"])
            attacker.join_namespace()
            attacker.send_frames(['42["user_uttered"'] * (FLOOD // 200))
            sockets.append(attacker)
        for attacker in sockets:
            attacker.wait_until_closed(10)
    finally:
        for attacker in sockets:
            attacker.close()
    growth = settled_log_bytes(assistant) - before
    assert growth < MAX_LOG_GROWTH
    assert "Call now" in assistant.say("flood-parent-200", FEVER)
    figures["200 sockets, 10,000 malformed packets"] = {"log growth (bytes)": growth}


@pytest.mark.parametrize("payload", ["x", "", "9", "ba", "\x00"])
def test_a_frame_that_is_not_engine_io_closes_its_socket_at_once(assistant, payload):
    before = settled_log_bytes(assistant)
    for _ in range(50):
        attacker = RawChatSocket(assistant.ports["rasa"])
        attacker.join_namespace()
        attacker.send_frames([payload])
        assert attacker.wait_until_closed(5) < 5
        attacker.close()
    assert settled_log_bytes(assistant) - before < 10 * 1024
    assert "Traceback" not in "".join(assistant.logs().values())[-20_000:]


def test_binary_packets_are_refused_and_the_socket_closed(assistant):
    attacker = RawChatSocket(assistant.ports["rasa"])
    attacker.join_namespace()
    attacker.send_frames([b"\x00\xff" * 100] * (MAX_MALFORMED_PACKETS_PER_SOCKET + 1), opcode=BINARY)
    assert attacker.wait_until_closed(5) < 5
    attacker.close()


def test_long_polling_garbage_costs_a_few_lines(assistant, figures):
    polling = assistant.url("rasa", "/socket.io/?EIO=4&transport=polling")
    sid = requests.get(polling, timeout=10).text.split('"sid":"', 1)[1].split('"', 1)[0]
    before = settled_log_bytes(assistant)
    for body in (b"\xff\xfe\xfd", b"x", b"4" * 100, b"42[") * 125:  # 500 posts
        requests.post(f"{polling}&sid={sid}", data=body, headers={"Content-Type": "text/plain"}, timeout=10)
    growth = settled_log_bytes(assistant) - before
    assert growth < MAX_LOG_GROWTH / 4
    figures["500 malformed long-polling posts"] = {"log growth (bytes)": growth}


def test_every_log_make_run_writes_is_rotated_and_capped(assistant, figures):
    """The page server writes a line per request: 3,000 of them take its log past LOG_MAX_BYTES
    twice over; the supervisor keeps LOG_BACKUPS older files, each within the limit."""
    page = assistant.url("webchat", "/" + "a" * 180)
    with requests.Session() as session:
        for _ in range(3000):
            assert session.get(page, timeout=10).status_code == 404
    files = sorted(assistant.log_dir.glob("webchat.log*"))
    assert [path.name for path in files] == ["webchat.log"] + [f"webchat.log.{n}" for n in range(1, LOG_BACKUPS + 1)]
    longest_line = 400
    assert all(path.stat().st_size <= LOG_MAX_BYTES + longest_line for path in files)
    figures["page server log after 3,000 requests (bytes per file)"] = [path.stat().st_size for path in files]
