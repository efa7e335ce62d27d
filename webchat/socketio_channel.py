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
* A session belongs to the socket that opened it. Rasa took any session id a client
  sent, so a client could choose another browser's and read and write that parent's
  conversation. Here the server issues every session id, signed with WEBCHAT_SESSION_SECRET
  (webchat/session_ids.py); `session_request` with an id the server did not sign gets a new one.
  The socket that asked for a session, or resumed it with its signed id (a reload: the widget
  sends the id it kept), is joined to it; `user_uttered` for any other session is refused,
  counted (metrics: foreign_session) and answered, to that socket only, with "please reload"
  and the care-team number. Several sockets may hold one session (two tabs of one browser share
  its stored id); a socket holds one session at a time. The conversation is stored under the
  id's random part, in the channel's own key space (`socketio:<id>`: addons/channels/input_guard.py).
* Bounded input. Of the client's metadata (the `metadata_key` field, customData in
  credentials.yml, as rasa-webchat sends it) only the page's language switch is kept,
  `{"language": "es"}` or "en" (addons/nlu/language_detector.py); nothing else a client sends is
  stored, as on the REST channel, and a Socket.IO packet is at most MAX_PACKET_BYTES.
* Malformed packets cost one log line. python-socketio and python-engineio logged a
  whole traceback for each packet they could not read (`42[`: about 450 times the bytes sent).
  Here a Socket.IO packet that does not decode, or a binary one (this chat sends none), is
  refused with one WARNING line for the socket's first and one when it is closed, and counted
  (metrics: malformed); a socket that sends more than MAX_MALFORMED_PACKETS_PER_SOCKET is
  disconnected. A WebSocket frame that is not an Engine.IO packet at all closes its socket at
  once (CheckedWebSocket, python-engineio 4.11's Sanic driver class with the check, set for this
  server only in its driver table). What the two libraries still log goes through loggers of this
  module: WARNING and above only (their INFO lines hold packets, so message text), an error as one
  line without its traceback. logging.yml's limits (actions/log_limits.py) bound the rest.
* Line breaks kept. rasa-webchat renders replies as Markdown, where a single "\\n" is a space:
  "Source: ..." would run on at the end of the answer. Replies on this channel end each line
  with a Markdown hard break (two spaces); the project's widget shows the lines as before.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import re
import sys
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set, Text

from engineio import packet as engineio_packet
from engineio.async_drivers.sanic import WebSocket as SanicWebSocket
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput as RasaSocketIOOutput
from sanic import response as sanic_response
from sanic.request import Request
from sanic_cors.core import SANIC_CORS_EVALUATED
from socketio import packet as socketio_packet

from addons import metrics
from addons.channels.input_guard import GuardedInput
from addons.nlu.language_detector import LANGUAGES
from clinical.settings import load_settings
from webchat.origins import allowed_origins
from webchat.session_ids import SessionIds, session_secret

logger = logging.getLogger(__name__)
# A message is at most 2,000 characters (addons/channels/input_guard.py): even written as \uXXXX escapes
# (6 bytes each) it fits, so a long message still gets the guard's polite "please shorten it".
MAX_PACKET_BYTES = 32 * 1024
# Socket.IO packets that cannot be read, per socket, before it is disconnected (an honest client sends none)
MAX_MALFORMED_PACKETS_PER_SOCKET = 3
# Socket.IO's binary packet types ("5...", "6..."): this chat sends none, and python-socketio would
# keep a half-received one per socket until its attachments came
BINARY_PACKET_TYPES = (str(socketio_packet.BINARY_EVENT), str(socketio_packet.BINARY_ACK))
# what a library's log line may take of a value a client chose (a session id in a URL, say)
MAX_LIBRARY_LINE_CHARACTERS = 200
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


def markdown_line_breaks(text: Text) -> Text:
    return SINGLE_LINE_BREAK.sub("  \n", text)


def one_line(text: Text, limit: int = MAX_LIBRARY_LINE_CHARACTERS) -> Text:
    """`text` as one log line: control characters escaped (a client could otherwise forge lines),
    at most `limit` characters."""
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return escaped if len(escaped) <= limit else escaped[:limit] + "..."


def engineio_packet_readable(data: Any) -> bool:
    """Whether a WebSocket frame is an Engine.IO packet python-engineio can read (a binary frame
    is one: the Socket.IO layer then refuses it)."""
    if isinstance(data, (bytes, bytearray)):
        return True
    try:
        packet_type = engineio_packet.Packet(encoded_packet=data).packet_type
    except Exception:  # noqa: BLE001 - whatever the decoder raises, the frame is unreadable
        return False
    return 0 <= packet_type < len(engineio_packet.packet_names)


class LibraryLogger(logging.LoggerAdapter):
    """python-engineio's or python-socketio's logger on this server: WARNING and above only (their
    INFO lines log packets, message text included), each one line (control characters escaped, at
    most MAX_LIBRARY_LINE_CHARACTERS), and an error without its traceback, counted as a malformed
    packet: the libraries log an error only for input they could not handle."""

    def __init__(self, name: Text, on_error: Callable[[], None]) -> None:
        super().__init__(logging.getLogger(name), {})
        self.on_error = on_error

    def isEnabledFor(self, level: int) -> bool:
        return level >= logging.WARNING and self.logger.isEnabledFor(level)

    def log(self, level: int, msg: Any, *args: Any, exc_info: Any = None, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = str(msg)
        if exc_info:
            error = sys.exc_info()[1] if exc_info is True else exc_info
            self.on_error()
            text = f"{text} ({type(error).__name__})"
            level = logging.WARNING
        self.logger.log(level, "socketio: %s", one_line(text))


class PacketGuard:
    """Counts each socket's malformed packets, logs its first one and closes it past the limit
    (module docstring). Keyed by Engine.IO session; forgotten when the socket disconnects."""

    def __init__(self, sio: Any) -> None:
        self.sio = sio
        self.malformed: Dict[Text, int] = {}
        # the WebSocket connection of each Engine.IO session on that transport, to end it on closing
        self.websockets: Dict[Text, Any] = {}
        self.closing: Set["asyncio.Future[None]"] = set()

    def open(self, eio_sid: Text) -> bool:
        socket = self.sio.eio.sockets.get(eio_sid)
        return socket is not None and not socket.closed and not socket.closing

    async def refuse(self, eio_sid: Text, what: Text) -> None:
        metrics.count_refusal("socketio", metrics.MALFORMED)
        count = self.malformed[eio_sid] = self.malformed.get(eio_sid, 0) + 1
        if count == 1:
            logger.warning("socketio: a malformed packet (%s) from a socket: ignored", what)
        if count == MAX_MALFORMED_PACKETS_PER_SOCKET + 1:
            logger.warning(
                "socketio: a socket sent more than %d malformed packets: disconnected", MAX_MALFORMED_PACKETS_PER_SOCKET
            )
            # in the background: python-engineio handles a packet inline (in the long-polling POST
            # itself), and its disconnect waits until the client has been sent the close packet
            closing = asyncio.ensure_future(self.disconnect(eio_sid))
            self.closing.add(closing)  # held until done (asyncio keeps only a weak reference)
            closing.add_done_callback(self.closing.discard)

    async def disconnect(self, eio_sid: Text) -> None:
        websocket = self.websockets.pop(eio_sid, None)
        await self.sio.eio.disconnect(eio_sid)
        if websocket is not None:  # python-engineio would wait for the client's next frame
            await websocket.close()

    def forget(self, eio_sid: Text) -> None:
        self.malformed.pop(eio_sid, None)
        self.websockets.pop(eio_sid, None)

    def install(self) -> None:
        """Wraps the Engine.IO server's message and disconnect handlers (python-socketio's own) and
        gives it the WebSocket driver that checks each frame."""
        eio = self.sio.eio
        handle_message, handle_disconnect = eio.handlers["message"], eio.handlers["disconnect"]
        guard = self

        async def checked_message(eio_sid: Text, data: Any) -> None:
            if not guard.open(eio_sid):
                return  # what a disconnected socket had sent still comes through: dropped
            if not isinstance(data, str) or data.startswith(BINARY_PACKET_TYPES):
                await guard.refuse(eio_sid, "binary")
                return
            try:
                await handle_message(eio_sid, data)
            except Exception as error:  # noqa: BLE001 - the packet could not be read
                await guard.refuse(eio_sid, type(error).__name__)

        async def forget_on_disconnect(eio_sid: Text, *args: Any) -> Any:
            guard.forget(eio_sid)
            return await handle_disconnect(eio_sid, *args)

        class CheckedWebSocket(SanicWebSocket):
            """python-engineio's Sanic WebSocket, ending the connection (as if the client had) at a
            frame that is not an Engine.IO packet, and once the Engine.IO socket is closed."""

            async def wait(self) -> Any:
                socket = getattr(self.handler, "__self__", None)  # the Engine.IO socket reading
                if socket is not None:
                    guard.websockets.setdefault(socket.sid, self)
                data = await super().wait()
                if socket is not None and (socket.closed or socket.closing):
                    guard.websockets.pop(socket.sid, None)
                    return None
                if len(data) > eio.max_http_buffer_size:
                    return data  # python-engineio refuses it and closes the socket itself
                if not engineio_packet_readable(data):
                    metrics.count_refusal("socketio", metrics.MALFORMED)
                    logger.warning("socketio: a WebSocket frame that is not an Engine.IO packet: the socket is closed")
                    return None
                return data

        eio.on("message", checked_message)
        eio.on("disconnect", forget_on_disconnect)
        eio._async = {**eio._async, "websocket": CheckedWebSocket}  # this server's driver table only


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

    session_ids: SessionIds
    # socket (Socket.IO session id) -> the conversation it opened or resumed
    joined: Dict[Text, Text]

    def get_output_channel(self) -> Optional[RasaSocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()  # Rasa's warning
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> SocketBlueprint:
        """Rasa's blueprint; the handlers below replace its session_request and user_uttered."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        # An empty or invalid ALLOWED_ORIGINS, or no WEBCHAT_SESSION_SECRET, stops the server here,
        # naming the variable.
        sio.eio.cors_allowed_origins = allowed_origins(os.environ)
        self.session_ids = SessionIds(session_secret(os.environ))
        self.joined = {}
        sio.eio.max_http_buffer_size = MAX_PACKET_BYTES
        guard = PacketGuard(sio)
        guard.install()

        def count_library_error() -> None:
            metrics.count_refusal(self.name(), metrics.MALFORMED)

        sio.logger = LibraryLogger(f"{__name__}.socketio", count_library_error)
        sio.eio.logger = LibraryLogger(f"{__name__}.engineio", count_library_error)
        # The route sio.attach() adds when the blueprint is registered serves this handler: it
        # marks each socket request as done for sanic-cors, as sanic-cors's own decorator does,
        # so engineio's headers are the only CORS headers on the socket's answers.
        handle_request = sio.eio.handle_request

        async def handle_socket_request(request: Request, *args: Any, **kwargs: Any) -> Any:
            setattr(request.ctx, SANIC_CORS_EVALUATED, "1")
            try:
                return await handle_request(request, *args, **kwargs)
            except Exception as error:  # noqa: BLE001 - python-engineio's own failure on a bad request
                # e.g. a long-polling request for a session it has just closed (KeyError): Sanic
                # would answer 500 and log a traceback
                count_library_error()
                logger.warning("socketio: a request python-engineio could not handle (%s): 400", type(error).__name__)
                return sanic_response.json({"error": "bad request"}, status=400)

        sio.eio.handle_request = handle_socket_request

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            conversation = self.session_ids.conversation_of(session_id)
            if conversation is None:  # none, or not one this server signed: never the client's choice
                session_id, conversation = self.session_ids.issue()
            if self.session_persistence:
                previous = self.joined.get(sid)
                if previous and previous != conversation:
                    await sio.leave_room(sid, previous, namespace=self.namespace)
                joined = sio.enter_room(sid, conversation, namespace=self.namespace)
                if inspect.isawaitable(joined):  # a coroutine since python-socketio 5.10
                    await joined
                self.joined[sid] = conversation
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *reason: Any) -> None:
            self.joined.pop(sid, None)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            if self.session_persistence:
                sender_id = self.joined.get(sid)
                if sender_id is None or self.session_ids.conversation_of(data.get("session_id")) != sender_id:
                    # never the id itself in the log: it is whatever the client sent
                    metrics.count_refusal(self.name(), metrics.FOREIGN_SESSION)
                    logger.warning(
                        "socketio: a message for a session its socket did not open or resume: refused, "
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
