"""webchat/socketio_channel.py: the socketio channel joins the browser's socket to its session's
room (awaited, unlike Rasa 3.6.21's own handler) and confirms the session id."""
import asyncio
import re

from webchat.socketio_channel import SocketIOInput


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
    assert calls == [("enter_room", "sid-1", "0123456789abcdef0123456789abcdef"),
                     ("session_confirm", "0123456789abcdef0123456789abcdef", "sid-1")]


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
