"""Rasa's socketio channel, with the fixes a web chat on the hospital's site needs.

credentials.yml names this class instead of `socketio`. Everything else (events, paths, the
`socketio` channel name, Rasa's message handling) is Rasa's own channel.

* Session room joined. Rasa 3.6.21's `session_request` handler joins the browser's socket to
  its conversation room with `sio.enter_room(...)` and no `await` (RasaHQ/rasa#13027, still
  open); python-socketio >= 5.10 (the lock has 5.12.1) made enter_room a coroutine, so the join
  never happens and, with `session_persistence: true`, every reply is sent to an empty room: the
  page gets no answer ("coroutine 'AsyncServer.enter_room' was never awaited" in the Rasa log).
* Only the hospital's site may open a socket. Rasa creates the Socket.IO server with
  cors_allowed_origins=[], which turns python-engineio's Origin check off: any web page could
  open a chat socket. Here engineio checks the Origin against ALLOWED_ORIGINS (webchat/origins.py)
  and answers an accepted one with exactly one Access-Control-Allow-Origin: sanic-cors (Rasa's
  `--cors`, scripts/rasa_server_options.py) is told to leave the socket's answers alone, or
  every long-polling answer would carry the header twice and Chromium would refuse it (which
  breaks rasa-webchat, whose first transport is long-polling). Clients that send no Origin
  header (apps, tests) are not affected.
* Bounded input. `user_uttered`'s session_id comes from the client and becomes the
  conversation's sender id: it must be one session_request could have confirmed, or the message
  is not handled (no conversation is created; the socket is asked to reload, with the care-team
  number). Of the client's metadata (the `metadata_key` field, customData in credentials.yml, as
  rasa-webchat sends it) only the page's language switch is kept, `{"language": "es"}` or "en"
  (addons/nlu/language_detector.py); nothing else a client sends is stored, as on the REST
  channel, and a Socket.IO packet is at most MAX_PACKET_BYTES.
* Line breaks kept. rasa-webchat renders replies as Markdown, where a single "\\n" is a space:
  "Source: ..." would run on at the end of the answer. Replies on this channel end each line
  with a Markdown hard break (two spaces); the project's widget shows the lines as before.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic.request import Request
from sanic_cors.core import SANIC_CORS_EVALUATED

from addons.channels.input_guard import GuardedInput
from addons.nlu.language_detector import LANGUAGES
from clinical.settings import load_settings
from webchat.origins import allowed_origins

logger = logging.getLogger(__name__)

# The widgets store what session_confirm gave them (uuid4 hex); anything else gets a fresh id.
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A message is at most 2,000 characters (addons/channels/input_guard.py): even written as \uXXXX escapes
# (6 bytes each) it fits, so a long message still gets the guard's polite "please shorten it".
MAX_PACKET_BYTES = 32 * 1024
BAD_SESSION_REPLY = (
    "This chat could not be read. Please reload the page. If your child has a fever or any sign "
    "of infection, call the care team now at {phone}.\n"
    "No se pudo leer este chat. Por favor, vuelva a cargar la página. Si su hijo tiene fiebre o "
    "cualquier señal de infección, llame ahora al equipo de atención al {phone}."
)
# a line end that is not a paragraph break ("\n\n" is where Rasa splits a reply into messages)
SINGLE_LINE_BREAK = re.compile(r"(?<!\n)[ \t]*\n(?!\n)")


def chosen_language(metadata: Any) -> Optional[Dict[Text, Text]]:
    """The message metadata Rasa gets from a client's: the language the parent chose on the page,
    when it names one the assistant speaks; None otherwise."""
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return {"language": language} if language in LANGUAGES else None


def valid_session_id(value: Any) -> bool:
    return isinstance(value, str) and SESSION_ID.fullmatch(value) is not None


def markdown_line_breaks(text: Text) -> Text:
    return SINGLE_LINE_BREAK.sub("  \n", text)


class SocketIOOutput(RasaSocketIOOutput):
    """Rasa's socketio output, with each line of a reply kept a line in Markdown-rendering widgets."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, markdown_line_breaks(text), **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await super().send_text_with_buttons(recipient_id, markdown_line_breaks(text), buttons, **kwargs)


class FixedSocketIOInput(RasaSocketIOInput):
    """Rasa's socketio input channel with the fixes above."""

    def get_output_channel(self) -> Optional[RasaSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # Rasa's warning
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        """Rasa's blueprint; the handlers below replace its session_request and user_uttered."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        # An empty or invalid ALLOWED_ORIGINS stops the server here, naming the variable.
        sio.eio.cors_allowed_origins = allowed_origins(os.environ)
        sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        # The route sio.attach() adds when the blueprint is registered serves this handler: it
        # marks each socket request as done for sanic-cors, as sanic-cors's own decorator does,
        # so engineio's headers are the only CORS headers on the socket's answers.
        handle_request = sio.eio.handle_request

        async def handle_socket_request(request: Request, *args: Any, **kwargs: Any) -> Any:
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
            return await handle_request(request, *args, **kwargs)

        sio.eio.handle_request = handle_socket_request

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not valid_session_id(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):  # a coroutine since python-socketio 5.10
                    await joined
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug(f"User {sid} joined session {session_id}.")

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not valid_session_id(sender_id):
                    # never the id itself in the log: it is whatever the client sent
                    logger.warning(
                        "socketio message with a missing or invalid session_id: not handled, "
                        "the socket is asked to reload"
                    )
                    reply = BAD_SESSION_REPLY.format(phone=load_settings().care_team_phone)
                    await sio.emit(self.bot_message_evt, {"text": reply}, room=sid, namespace=self.namespace)
                    return
            else:
                sender_id = sid
            text = data.get("message")
            await on_new_message(
                UserMessage(
                    text if isinstance(text, str) else None,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=chosen_language(data.get(self.metadata_key)),  # nothing else from the client
                )
            )

        return blueprint


class SocketIOInput(GuardedInput, FixedSocketIOInput):
    """The web chat channel of credentials.yml: the input guard, then the fixed socketio channel."""
