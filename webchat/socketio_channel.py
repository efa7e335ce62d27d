"""Rasa's socketio channel, with the one fix the web chat needs to get replies.

credentials.yml names this class instead of `socketio`. Rasa 3.6.21's `session_request` handler
joins the browser's socket to its conversation room with `sio.enter_room(...)` and no `await`
(RasaHQ/rasa#13027, still open); python-socketio >= 5.10 (the lock has 5.12.1) made enter_room a
coroutine, so the join never happens and, with `session_persistence: true`, every reply is sent
to an empty room: the page gets no answer ("coroutine 'AsyncServer.enter_room' was never
awaited" in the Rasa log). This class re-registers that handler with the await; everything else
(events, paths, the `socketio` channel name, message handling) is Rasa's own channel.
"""
from __future__ import annotations

import inspect
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from addons.input_guard import GuardedInput
from scripts.rasa_server_options import DEFAULT_ORIGINS
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput

logger = logging.getLogger(__name__)

# The widget stores what session_confirm gave it (uuid4 hex); anything else gets a fresh id.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def allowed_origins() -> list:
    return os.environ.get("ALLOWED_ORIGINS", DEFAULT_ORIGINS).split()


class SocketIOInput(GuardedInput, RasaSocketIOInput):
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        # Rasa creates the Socket.IO server with cors_allowed_origins=[], which turns the Origin
        # check off: any web page could open a chat socket. Only the hospital's site origins may
        # (ALLOWED_ORIGINS, as for the HTTP routes: scripts/rasa_server_options.py). Clients that
        # send no Origin header (apps, tests) are not affected.
        sio.eio.cors_allowed_origins = allowed_origins()

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # a coroutine since python-socketio 5.10
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug(f"User {sid} joined session {session_id}.")

        return blueprint
