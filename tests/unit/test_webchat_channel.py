"""webchat/socketio_channel.py: the socketio channel joins the browser's socket to its session's
room (awaited, unlike Rasa 3.6.21's own handler) and confirms the session id, which the server
issues and signs (a client-chosen id is replaced); handles a message only for the session its
socket opened or resumed; stores no client metadata, bounds packets, refuses malformed ones with
one log line and closes a socket that keeps sending them; checks ALLOWED_ORIGINS; and keeps a
reply's lines in Markdown-rendering widgets."""

import asyncio
import logging
from types import SimpleNamespace

import pytest

from addons import metrics
from addons.channels.input_guard import MAX_MESSAGE_CHARACTERS
from clinical.settings import load_settings
from webchat.origins import OriginsError
from webchat.session_ids import SessionIds, SessionSecretError
from webchat.socketio_channel import (
    MAX_MALFORMED_PACKETS_PER_SOCKET,
    MAX_PACKET_BYTES,
    LibraryLogger,
    SocketIOInput,
    SocketIOOutput,
    engineio_packet_readable,
    markdown_line_breaks,
)

SECRET = "unit-test-session-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def session_secret(monkeypatch):
    monkeypatch.setenv("WEBCHAT_SESSION_SECRET", SECRET)


def issued():
    """(a session id this server signed, its conversation id)"""
    return SessionIds(SECRET.encode()).issue()


def with_signature_changed(session_id):
    """The id with its signature's last character changed (never to the same character)."""
    return session_id[:-1] + ("B" if session_id.endswith("A") else "A")


def refusals(reason):
    return metrics.INPUT_GUARD_REFUSALS.labels("socketio", reason)._value.get()


class FakeSocketServer:
    """What the handlers call on python-socketio's server, recorded."""

    def __init__(self, channel, on_new_message=lambda message: None):
        channel.blueprint(on_new_message)
        self.channel, self.calls = channel, []
        sio = channel.sio

        async def enter_room(sid, room, namespace=None):
            self.calls.append(("enter_room", sid, room))

        async def leave_room(sid, room, namespace=None):
            self.calls.append(("leave_room", sid, room))

        async def emit(event, data=None, room=None, namespace=None):
            self.calls.append((event, data, room))

        sio.enter_room, sio.leave_room, sio.emit = enter_room, leave_room, emit
        self.handlers = sio.handlers["/"]

    def request_session(self, sid, data):
        asyncio.run(self.handlers["session_request"](sid, data))
        return self.calls[-1][1]  # the id session_confirm gave

    def say(self, sid, data):
        asyncio.run(self.handlers["user_uttered"](sid, data))


def test_a_session_the_server_signed_is_joined_and_confirmed():
    sockets = FakeSocketServer(SocketIOInput(session_persistence=True))
    session_id, conversation = issued()
    assert sockets.request_session("sid-1", {"session_id": session_id}) == session_id
    assert sockets.calls == [("enter_room", "sid-1", conversation), ("session_confirm", session_id, "sid-1")]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"session_id": None},
        {"session_id": "aaaaaaaaaaaaaaaa"},  # chosen by the client: older versions accepted it
        {"session_id": "0123456789abcdef0123456789abcdef"},  # the old form, unsigned
        {"session_id": issued()[1]},  # a real conversation id without its signature
        {"session_id": with_signature_changed(issued()[0])},
        {"session_id": SessionIds(b"another-server-secret-0123456789abcdef").issue()[0]},
        {"session_id": "<b>" * 10},
        "text",
    ],
)
def test_an_id_the_server_did_not_sign_is_replaced_by_a_new_signed_one(data):
    sockets = FakeSocketServer(SocketIOInput(session_persistence=True))
    confirmed = sockets.request_session("sid-2", data)
    (_, _, room), (event, _, to) = sockets.calls
    assert SessionIds(SECRET.encode()).conversation_of(confirmed) == room
    assert (event, to) == ("session_confirm", "sid-2")


@pytest.mark.parametrize(
    "claimed",
    [
        "aaaaaaaaaaaaaaaa",
        "0123456789abcdef0123456789abcdef",
        issued()[1],
        with_signature_changed(issued()[0]),
        SessionIds(b"another-server-secret-0123456789abcdef").issue()[0],
    ],
    ids=["client-chosen", "old-unsigned", "unsigned", "signature-changed", "other-servers"],
)
def test_the_new_id_shares_nothing_with_the_one_claimed(claimed):
    sockets = FakeSocketServer(SocketIOInput(session_persistence=True))
    confirmed = sockets.request_session("sid-2", {"session_id": claimed})
    (_, _, room), _ = sockets.calls
    assert confirmed != claimed and room not in claimed


def test_two_requests_for_an_unsigned_id_get_two_different_sessions():
    sockets = FakeSocketServer(SocketIOInput(session_persistence=True))
    first = sockets.request_session("sid-a", {"session_id": "aaaaaaaaaaaaaaaa"})
    second = sockets.request_session("sid-b", {"session_id": "aaaaaaaaaaaaaaaa"})
    assert first != second


def test_a_socket_that_asks_again_leaves_its_previous_session():
    sockets = FakeSocketServer(SocketIOInput(session_persistence=True))
    first = sockets.request_session("sid-3", None)
    sockets.request_session("sid-3", None)  # "New conversation"
    (_, _, first_room) = sockets.calls[0]
    assert ("leave_room", "sid-3", first_room) in sockets.calls
    assert first_room in first


def test_without_persistence_no_room_is_joined():
    sockets = FakeSocketServer(SocketIOInput(session_persistence=False))
    sockets.request_session("sid-3", {"session_id": issued()[0]})
    assert [c[0] for c in sockets.calls] == ["session_confirm"]


def test_the_real_enter_room_is_a_coroutine_that_the_fix_awaits():
    """Why the fix exists: python-socketio's AsyncServer.enter_room must be awaited."""
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    assert asyncio.iscoroutinefunction(type(channel.sio).enter_room)


@pytest.mark.parametrize("value", [None, "", "short-secret"])
def test_the_channel_does_not_start_without_a_long_session_secret(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("WEBCHAT_SESSION_SECRET")
    else:
        monkeypatch.setenv("WEBCHAT_SESSION_SECRET", value)
    with pytest.raises(SessionSecretError, match="WEBCHAT_SESSION_SECRET"):
        SocketIOInput(session_persistence=True).blueprint(lambda message: None)


# --- user_uttered: only for the session the socket holds -----------------------------------------


def messages_of(channel):
    received = []

    async def on_new_message(message):
        received.append(message)

    return FakeSocketServer(channel, on_new_message), received


def test_a_message_for_the_sockets_own_session_reaches_rasa_without_client_metadata():
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    session_id = sockets.request_session("sid-4", None)
    sockets.calls.clear()
    sockets.say(
        "sid-4",
        {
            "message": "what is neutropenia?",
            "session_id": session_id,
            "customData": {"language": "en"},
            "metadata": {"x": "y" * 1000},
        },
    )
    (message,) = received
    conversation = SessionIds(SECRET.encode()).conversation_of(session_id)
    assert (message.text, message.sender_id, message.input_channel) == (
        "what is neutropenia?",
        f"socketio:{conversation}",  # the channel's own key space (addons/channels/input_guard.py)
        "socketio",
    )
    assert message.metadata is None
    assert sockets.calls == []


def test_a_reload_resumes_the_session_on_the_new_socket():
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    session_id = sockets.request_session("before-reload", None)
    asyncio.run(sockets.handlers["disconnect"]("before-reload"))
    assert sockets.request_session("after-reload", {"session_id": session_id}) == session_id
    sockets.say("after-reload", {"message": "and how is it treated?", "session_id": session_id})
    assert [m.sender_id for m in received] == [f"socketio:{session_id.split('.')[0]}"]


def assert_refused(sockets, received, sid, caplog):
    assert received == []
    ((event, data, room),) = [call for call in sockets.calls if call[0] == "bot_uttered"]
    assert (event, room) == ("bot_uttered", sid)  # only to the socket that sent it
    assert "reload the page" in data["text"] and load_settings().care_team_phone in data["text"]
    assert "did not open or resume: refused" in caplog.text


def test_a_socket_that_never_asked_for_a_session_cannot_write_into_another_sockets(caplog):
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    parents = sockets.request_session("parent", None)
    sockets.calls.clear()
    before = refusals(metrics.FOREIGN_SESSION)
    with caplog.at_level(logging.WARNING, logger="webchat.socketio_channel"):
        sockets.say("intruder", {"message": "she is not breathing", "session_id": parents})
    assert_refused(sockets, received, "intruder", caplog)
    assert parents not in caplog.text
    assert refusals(metrics.FOREIGN_SESSION) == before + 1


def test_a_socket_with_its_own_session_cannot_write_into_another_in_either_direction(caplog):
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    first = sockets.request_session("first", None)
    second = sockets.request_session("second", None)
    for sid, others in (("first", second), ("second", first)):
        sockets.calls.clear()
        with caplog.at_level(logging.WARNING, logger="webchat.socketio_channel"):
            sockets.say(sid, {"message": "my son has a fever of 39", "session_id": others})
        assert_refused(sockets, received, sid, caplog)
        assert others not in caplog.text


def test_a_disconnected_socket_holds_no_session():
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    session_id = sockets.request_session("gone", None)
    asyncio.run(sockets.handlers["disconnect"]("gone", "client disconnect"))
    sockets.say("gone", {"message": "hi", "session_id": session_id})
    assert received == [] and sockets.calls[-1][0] == "bot_uttered"


@pytest.mark.parametrize(
    "session_id",
    [
        None,
        "",
        "x",
        "a" * 65,
        "../../" + "a" * 20,
        "a" * 20 + "\x00",
        "a" * 20 + "\n",
        "ü" * 20,
        12345678901234567890,
        ["a" * 20],
    ],
)
def test_an_invalid_session_id_creates_no_conversation(session_id, caplog):
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    sockets.request_session("sid-5", None)
    sockets.calls.clear()
    with caplog.at_level(logging.DEBUG, logger="webchat.socketio_channel"):
        sockets.say("sid-5", {"message": "she has a fever", "session_id": session_id})
    assert_refused(sockets, received, "sid-5", caplog)


# ids long enough that their text in a log line could only have come from them
@pytest.mark.parametrize("session_id", ["a" * 65, "../../" + "b" * 20, "c" * 20 + "\n", "ü" * 20, "d" * 30])
def test_an_invalid_session_id_is_not_logged(session_id, caplog):
    sockets, _ = messages_of(SocketIOInput(session_persistence=True))
    sockets.request_session("sid-5", None)
    with caplog.at_level(logging.DEBUG):
        sockets.say("sid-5", {"message": "she has a fever", "session_id": session_id})
    assert "did not open or resume: refused" in caplog.text
    assert session_id.strip() not in caplog.text


def test_a_message_that_is_not_an_object_gets_the_same_answer():
    for data in ("text", None, ["a"]):
        sockets, received = messages_of(SocketIOInput(session_persistence=True))
        sockets.request_session("sid-6", None)
        sockets.calls.clear()
        sockets.say("sid-6", data)
        assert received == [] and [c[0] for c in sockets.calls] == ["bot_uttered"]


def test_a_non_text_message_is_read_as_blank():
    sockets, received = messages_of(SocketIOInput(session_persistence=True))
    session_id = sockets.request_session("sid-7", None)
    sockets.say("sid-7", {"message": {"text": "x"}, "session_id": session_id})
    assert received == []  # the input guard answered the blank message itself


def test_packets_are_bounded():
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    assert channel.sio.eio.max_http_buffer_size == MAX_PACKET_BYTES <= 64 * 1024
    # a message of 2,000 characters, each escaped as \uXXXX, still fits: it gets the guard's reply
    assert len(('{"message": "%s"}' % ("\\u00fc" * MAX_MESSAGE_CHARACTERS)).encode()) < MAX_PACKET_BYTES


# --- origins ------------------------------------------------------------------------------------


def test_the_socket_checks_the_configured_origins(monkeypatch):
    monkeypatch.setenv("ALLOWED_ORIGINS", "https://www.example-hospital.org http://localhost:8080/")
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    assert channel.sio.eio.cors_allowed_origins == ["https://www.example-hospital.org", "http://localhost:8080"]


@pytest.mark.parametrize("value", ["", "  ", "*", "https://a.org/chat"])
def test_an_empty_or_bad_origin_list_stops_the_server_instead_of_allowing_all(monkeypatch, value):
    monkeypatch.setenv("ALLOWED_ORIGINS", value)
    with pytest.raises(OriginsError, match="ALLOWED_ORIGINS"):
        SocketIOInput(session_persistence=True).blueprint(lambda message: None)


# --- replies: Markdown line breaks -----------------------------------------------------------------


def test_each_line_of_a_reply_stays_a_line_in_markdown_and_paragraphs_stay_messages():
    sent = []

    class Sio:
        async def emit(self, event, data=None, room=None, **kwargs):
            sent.append(data)

    output = SocketIOOutput(Sio(), "bot_uttered")
    asyncio.run(output.send_text_message("s", "Answer text.\nSource: UCSF (reviewed 2025)\n\nSecond part"))
    assert [m["text"] for m in sent] == ["Answer text.  \nSource: UCSF (reviewed 2025)", "Second part"]
    sent.clear()
    asyncio.run(output.send_text_with_buttons("s", "Pick one\nor type", [{"title": "A", "payload": "a"}]))
    assert sent[-1]["text"] == "Pick one  \nor type" and sent[-1]["quick_replies"][0]["payload"] == "a"
    assert markdown_line_breaks("no break") == "no break"


def test_the_channel_answers_with_the_markdown_output_to_the_sessions_room():
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    output = channel.get_output_channel()  # what Rasa sends with on its own (the HTTP API's events)
    assert isinstance(output.output_channel, SocketIOOutput) and output.name() == "socketio"
    sent = []

    async def emit(event, data=None, room=None, **kwargs):
        sent.append(room)

    channel.sio.emit = emit
    asyncio.run(output.send_response("socketio:0123456789abcdef0123456789abcdef", {"text": "Call now"}))
    assert sent == ["0123456789abcdef0123456789abcdef"]


@pytest.mark.parametrize(
    "custom_data, metadata",
    [
        ({"language": "es"}, {"language": "es"}),
        ({"language": "en", "name": "Ana", "x": "y" * 1000}, {"language": "en"}),  # only the language is kept
        ({"language": "fr"}, None),
        ({"language": ["es"]}, None),
        ("es", None),
        (None, None),
    ],
)
def test_only_the_pages_language_choice_reaches_rasa_from_custom_data(custom_data, metadata):
    sockets, received = messages_of(SocketIOInput(session_persistence=True, metadata_key="customData"))
    session_id = sockets.request_session("sid-9", None)
    sockets.say("sid-9", {"message": "mi hijo tiene fiebre", "session_id": session_id, "customData": custom_data})
    (message,) = received
    assert message.metadata == metadata


# --- malformed packets: one log line, counted, the socket closed past a few ------------------------


class EngineIO:
    """The channel's Engine.IO server with one open socket, whose disconnects are recorded."""

    def __init__(self):
        self.channel = SocketIOInput(session_persistence=True)
        self.channel.blueprint(lambda message: None)
        self.eio = self.channel.sio.eio
        self.eio.sockets = {"eio-1": SimpleNamespace(closed=False, closing=False)}
        self.disconnected = []

        async def disconnect(sid=None):
            self.disconnected.append(sid)
            self.eio.sockets.pop(sid).closed = True

        self.eio.disconnect = disconnect

    def receive(self, data, sid="eio-1"):
        """A Socket.IO packet as python-engineio hands it on: the wire's "42[..." without its "4"."""

        async def received():
            await self.eio.handlers["message"](sid, data)
            for _ in range(3):  # the disconnect runs in the background
                await asyncio.sleep(0)

        asyncio.run(received())


def test_malformed_packets_are_one_line_each_socket_counted_and_the_socket_closed_past_the_limit(caplog):
    server = EngineIO()
    before = refusals(metrics.MALFORMED)
    with caplog.at_level(logging.DEBUG):
        for _ in range(MAX_MALFORMED_PACKETS_PER_SOCKET):
            server.receive("2[")  # "42[" on the wire
        assert server.disconnected == []
        server.receive('2["user_uttered"')
        assert server.disconnected == ["eio-1"]
        for _ in range(1000):  # what it had sent before it was closed still comes through: dropped
            server.receive("2[")
    assert refusals(metrics.MALFORMED) == before + MAX_MALFORMED_PACKETS_PER_SOCKET + 1
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "socketio: a malformed packet (JSONDecodeError) from a socket: ignored",
        f"socketio: a socket sent more than {MAX_MALFORMED_PACKETS_PER_SOCKET} malformed packets: disconnected",
    ]
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("data", ["X", "9", "4{}", '51-["a",{"_placeholder":true,"num":0}]', "6", b"\x00\xff"])
def test_unreadable_and_binary_packets_are_refused(data, caplog):
    server = EngineIO()
    before = refusals(metrics.MALFORMED)
    with caplog.at_level(logging.WARNING):
        server.receive(data)
    assert refusals(metrics.MALFORMED) == before + 1
    assert "malformed packet" in caplog.text and "Traceback" not in caplog.text


def test_a_readable_packet_is_not_counted(caplog):
    server = EngineIO()
    before = refusals(metrics.MALFORMED)
    with caplog.at_level(logging.WARNING):
        server.receive('2/elsewhere,["user_uttered",{}]')  # an event for a namespace it never joined: ignored
    assert refusals(metrics.MALFORMED) == before and "malformed" not in caplog.text


def test_a_disconnect_forgets_the_sockets_count():
    server = EngineIO()
    server.receive("2[")
    asyncio.run(server.eio.handlers["disconnect"]("eio-1", "client disconnect"))
    server.eio.sockets["eio-1"] = SimpleNamespace(closed=False, closing=False)  # the same id again: from zero
    for _ in range(MAX_MALFORMED_PACKETS_PER_SOCKET):
        server.receive("2[")
    assert server.disconnected == []


@pytest.mark.parametrize(
    "frame, readable",
    [
        ("0", True),
        ("2", True),
        ("3probe", True),
        ("40", True),
        ('42["user_uttered",{}]', True),
        ("42[", True),  # an Engine.IO message whose Socket.IO packet is malformed: refused one layer up
        (b"\x00\xff", True),
        ("", False),
        ("x", False),
        ("9", False),
        ("b!!!", True),  # base64 of nothing: a binary message, refused one layer up
        ("ba", False),  # not base64
    ],
)
def test_a_websocket_frame_is_checked_for_engine_io(frame, readable):
    assert engineio_packet_readable(frame) is readable


def test_the_socket_server_reads_websocket_frames_through_the_check():
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    assert channel.sio.eio._async["websocket"].__name__ == "CheckedWebSocket"
    # this server's driver table only: python-engineio's own is left as it is
    from engineio.async_drivers.sanic import _async

    assert _async["websocket"].__name__ == "WebSocket"


def test_the_libraries_log_warnings_as_one_counted_line_and_never_their_info(caplog):
    counted = []
    library = LibraryLogger("webchat.socketio_channel.engineio", lambda: counted.append(1))
    with caplog.at_level(logging.DEBUG):
        library.info("%s: Received packet %s data %s", "sid", "MESSAGE", "my son has a fever of 39")
        try:
            int("x")
        except ValueError:
            library.exception("post request handler error")
        library.error("Invalid session %s", "abc\ninjected line" + "x" * 500)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "socketio: post request handler error (ValueError)"
    assert lines[1].startswith("socketio: Invalid session abc\\ninjected line") and len(lines[1]) < 230
    assert len(lines) == 2 and counted == [1]
    assert "fever" not in caplog.text and "Traceback" not in caplog.text


def test_a_request_python_engineio_fails_on_is_answered_400_in_one_counted_line(caplog):
    from types import SimpleNamespace as Request

    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    before = refusals(metrics.MALFORMED)
    with caplog.at_level(logging.WARNING):
        answer = asyncio.run(channel.sio.eio.handle_request(Request(ctx=Request())))  # no URL, no headers
    assert answer.status == 400 and refusals(metrics.MALFORMED) == before + 1
    assert "could not handle (AttributeError): 400" in caplog.text and "Traceback" not in caplog.text
