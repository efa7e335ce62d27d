"""webchat/socketio_channel.py: the socketio channel joins the browser's socket to its session's
room (awaited, unlike Rasa 3.6.21's own handler) and confirms the session id; handles a message
only with a session id session_request could have confirmed, stores no client metadata, bounds
packets, checks ALLOWED_ORIGINS, and keeps a reply's lines in Markdown-rendering widgets."""

import asyncio
import logging
import re

import pytest

from addons.channels.input_guard import MAX_MESSAGE_CHARACTERS
from clinical.settings import load_settings
from webchat.origins import OriginsError
from webchat.socketio_channel import MAX_PACKET_BYTES, SocketIOInput, SocketIOOutput, markdown_line_breaks


def session_request_of(channel):
    channel.blueprint(lambda message: None)
    calls = []

    async def enter_room(sid, room, namespace=None):
        calls.append(("enter_room", sid, room))

    async def emit(event, data=None, room=None, namespace=None):
        calls.append((event, data, room))

    channel.sio.enter_room = enter_room
    channel.sio.emit = emit
    return channel.sio.handlers["/"]["session_request"], calls


def test_a_stored_session_is_joined_and_confirmed():
    handler, calls = session_request_of(SocketIOInput(session_persistence=True))
    asyncio.run(handler("sid-1", {"session_id": "0123456789abcdef0123456789abcdef"}))
    assert calls == [
        ("enter_room", "sid-1", "0123456789abcdef0123456789abcdef"),
        ("session_confirm", "0123456789abcdef0123456789abcdef", "sid-1"),
    ]


def test_no_or_odd_session_id_gets_a_new_one():
    for data in (None, {}, {"session_id": None}, {"session_id": "x"}, {"session_id": "<b>" * 10}, "text"):
        handler, calls = session_request_of(SocketIOInput(session_persistence=True))
        asyncio.run(handler("sid-2", data))
        (_, _, room), (event, confirmed, to) = calls
        assert re.fullmatch(r"[0-9a-f]{32}", confirmed) and room == confirmed
        assert (event, to) == ("session_confirm", "sid-2")


def test_without_persistence_no_room_is_joined():
    handler, calls = session_request_of(SocketIOInput(session_persistence=False))
    asyncio.run(handler("sid-3", {"session_id": "0123456789abcdef0123456789abcdef"}))
    assert [c[0] for c in calls] == ["session_confirm"]


def test_the_real_enter_room_is_a_coroutine_that_the_fix_awaits():
    """Why the fix exists: python-socketio's AsyncServer.enter_room must be awaited."""
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    assert asyncio.iscoroutinefunction(type(channel.sio).enter_room)


# --- bounded input: user_uttered ------------------------------------------------------------------


def user_uttered_of(channel):
    received, calls = [], []

    async def on_new_message(message):
        received.append(message)

    channel.blueprint(on_new_message)

    async def emit(event, data=None, room=None, namespace=None):
        calls.append((event, data, room))

    channel.sio.emit = emit
    return channel.sio.handlers["/"]["user_uttered"], received, calls


SESSION = "0123456789abcdef0123456789abcdef"


def test_a_message_with_a_confirmed_session_id_reaches_rasa_without_client_metadata():
    handler, received, calls = user_uttered_of(SocketIOInput(session_persistence=True))
    asyncio.run(
        handler(
            "sid-4",
            {
                "message": "what is neutropenia?",
                "session_id": SESSION,
                "customData": {"language": "en"},
                "metadata": {"x": "y" * 1000},
            },
        )
    )
    (message,) = received
    assert (message.text, message.sender_id, message.input_channel) == ("what is neutropenia?", SESSION, "socketio")
    assert message.metadata is None
    assert calls == []


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
def test_an_invalid_session_id_creates_no_conversation_and_is_not_logged(session_id, caplog):
    handler, received, calls = user_uttered_of(SocketIOInput(session_persistence=True))
    with caplog.at_level(logging.DEBUG, logger="webchat.socketio_channel"):
        asyncio.run(handler("sid-5", {"message": "she has a fever", "session_id": session_id}))
    assert received == []
    ((event, data, room),) = calls
    assert (event, room) == ("bot_uttered", "sid-5")  # only to the socket that sent it
    assert "reload the page" in data["text"] and load_settings().care_team_phone in data["text"]
    assert "invalid session_id" in caplog.text
    if isinstance(session_id, str) and session_id:
        assert session_id not in caplog.text


def test_a_message_that_is_not_an_object_gets_the_same_answer():
    for data in ("text", None, ["a"]):
        handler, received, calls = user_uttered_of(SocketIOInput(session_persistence=True))
        asyncio.run(handler("sid-6", data))
        assert received == [] and [c[0] for c in calls] == ["bot_uttered"]


def test_a_non_text_message_is_read_as_blank():
    handler, received, _ = user_uttered_of(SocketIOInput(session_persistence=True))
    asyncio.run(handler("sid-7", {"message": {"text": "x"}, "session_id": SESSION}))
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


def test_the_channel_answers_with_the_markdown_output():
    channel = SocketIOInput(session_persistence=True)
    channel.blueprint(lambda message: None)
    assert isinstance(channel.get_output_channel(), SocketIOOutput)


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
    handler, received, _ = user_uttered_of(SocketIOInput(session_persistence=True, metadata_key="customData"))
    asyncio.run(handler("sid-9", {"message": "mi hijo tiene fiebre", "session_id": SESSION, "customData": custom_data}))
    (message,) = received
    assert message.metadata == metadata
