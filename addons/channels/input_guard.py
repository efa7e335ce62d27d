"""What a user may send, checked at every channel before Rasa parses it.

* A message over 2,000 characters is not parsed: the sender is asked to shorten it.
* An empty or blank message gets a prompt.
* Typed `/intent{...}` or `/restart` text is Rasa's internal command syntax: from a user it
  would pick an intent or set slots directly. The leading slash is dropped, so the words are
  read by the NLU like any other message ("restart" is then just a word).
* A sender id must be printable text (no NUL or other control characters) of at most 128
  characters. Any other is dropped before Rasa sees it, with a log line that does not include
  it (it may be a phone number): it would become a conversation id, a database key and a log
  field.
* At most MAX_MESSAGES_IN_FLIGHT_PER_SENDER messages of one sender, on one channel, are handled
  or waiting for the conversation's lock at once in this process; the next gets BUSY_REPLY at
  once. Without the cap, a flood on one sender id queues behind the conversation's lock, and
  that parent's real messages wait until the flood's lock tickets expire, unanswered.
* The REST channel takes JSON only: a write without `Content-Type: application/json` gets 415
  (a page on another site could otherwise make its visitors' browsers post messages
  without a CORS preflight). It refuses a request that is not a JSON object with a `sender` and
  a `message` string, or whose `sender` is not a usable id (400, with a message saying what is
  wrong), never answers a 500, and does not take `input_channel` or `metadata` from the client.
  Each refusal is counted (metrics) and logged as one line naming its reason, never the body.
* Every channel keeps its conversations in a key space of its own: `<channel>:<sender>`
  (`rest:parent-1`, `socketio:<session>`, `twilio:+15551234567`, `twilio:whatsapp:+1...`,
  `facebook:<page-scoped id>`, `telegram:<chat id>`, `slack:<user id>`; conversation_id()).
  Every channel shares one tracker store, and some senders are chosen by the client (REST's
  `sender`; the web chat's session id in older versions): without the namespace, a REST or socket
  client sending "+15551234567", a Telegram chat id or a Messenger PSID would read and write that
  parent's conversation (and learn from the once-per-conversation notice whether that id ever
  wrote). Replies still go to the id the channel knows: the output channel is wrapped
  (RepliesToSender; REST's RepliesToClientId gives the client its own id back as
  `recipient_id`). Conversations stored before this under bare ids are moved by
  scripts/prefix_conversation_ids.py (docs/hospital-it-changes.md).

Every reply names the care-team number (from the hospital settings): a long, empty or hurried
message can come from a parent in trouble. The replies are in English and then Spanish, or in the
language the web page's switch chose (the guard answers before the NLU knows the language).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import Counter
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text, Tuple

from rasa.core.channels import rest
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from addons import metrics, rasa_patches
from clinical.settings import load_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARACTERS = 2000
# What chat widgets send when they open (rasa-webchat's initPayload is often "/get_started"):
# answered as a greeting. Typed, they are harmless: the greeting is all they can get.
START_PAYLOADS = {"get_started", "getstarted", "get started", "start", "greet", "restart", "hello", "hi"}
START_MESSAGE = "hello"
MAX_SENDER_CHARACTERS = 128
# The REST channel's conversations are stored under this prefix, as every channel's under its name
# (see the module docstring).
REST_CONVERSATION_PREFIX = "rest:"
# What a REST write must declare; anything else gets 415 and NOT_JSON_ERROR.
JSON_MEDIA_TYPE = "application/json"
NOT_JSON_ERROR = (
    'send the body as JSON with the header "Content-Type: application/json": ' '{"sender": "...", "message": "..."}'
)
# A parent who sends a few short messages in a row ("hi", "my son", "has a fever") stays well
# under it; a flood does not.
MAX_MESSAGES_IN_FLIGHT_PER_SENDER = 5
TOO_LONG_REPLY = (
    "Your message is too long for me to read. Please shorten your question to under 2,000 "
    "characters. If your child has a fever or any sign of infection, call the care team now at {phone}."
)
BLANK_REPLY = (
    "Please type your question about neutropenia. If your child has a fever or any sign of "
    "infection, call the care team now at {phone}."
)
NOT_IN_TIME_REPLY = (
    "Sorry, I could not answer in time. If your child has a fever or any sign of infection, call "
    "the care team now at {phone}."
)
BUSY_REPLY = (
    "I'm still answering your earlier messages, so I did not read this one: please send it again "
    "in a moment. If your child has a fever or any sign of infection, call the care team now at {phone}."
)

# The same replies in Spanish. The guard answers before the NLU has read the message,
# so it does not know the conversation's language: unless the message says which (the web page's
# language switch, in its metadata), a reply is sent in English, then Spanish.
SPANISH_REPLIES = {
    TOO_LONG_REPLY: (
        "Su mensaje es demasiado largo para que yo lo lea. Por favor, acorte su pregunta a menos de "
        "2.000 caracteres. Si su hijo tiene fiebre o cualquier señal de infección, llame ahora al "
        "equipo de atención al {phone}."
    ),
    BLANK_REPLY: (
        "Por favor, escriba su pregunta sobre la neutropenia. Si su hijo tiene fiebre o cualquier "
        "señal de infección, llame ahora al equipo de atención al {phone}."
    ),
    NOT_IN_TIME_REPLY: (
        "Lo siento, no pude responder a tiempo. Si su hijo tiene fiebre o cualquier señal de "
        "infección, llame ahora al equipo de atención al {phone}."
    ),
    BUSY_REPLY: (
        "Todavía estoy respondiendo sus mensajes anteriores, así que no leí este: por favor, envíelo "
        "de nuevo en un momento. Si su hijo tiene fiebre o cualquier señal de infección, llame ahora "
        "al equipo de atención al {phone}."
    ),
}


def guard_reply(english: Text, language: Optional[Text] = None) -> Text:
    """One of the guard's replies, with the care-team number: in `language` ("en" or "es") when
    it is known, otherwise in English and then in Spanish."""
    phone = _care_team_phone()
    if language == "en":
        return english.format(phone=phone)
    if language == "es":
        return SPANISH_REPLIES[english].format(phone=phone)
    # one line break, not a blank line: Rasa sends each paragraph as its own message
    return f"{english.format(phone=phone)}\n{SPANISH_REPLIES[english].format(phone=phone)}"


def requested_language(message: UserMessage) -> Optional[Text]:
    """The language the parent chose on the web page (the message's metadata), if any."""
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    language = metadata.get("language")
    return language if language in ("en", "es") else None


# (channel name, sender id) -> messages being handled or waiting for the conversation's lock
_messages_in_flight: Dict[Tuple[Text, Text], int] = Counter()


@functools.lru_cache(maxsize=1)
def _care_team_phone() -> Text:
    return load_settings().care_team_phone


def guard_text(text: Optional[Text], language: Optional[Text] = None) -> Tuple[Text, Text]:
    """('reply', text to send back) or ('parse', the text Rasa should parse)."""
    if text is None or not str(text).strip():
        return "reply", guard_reply(BLANK_REPLY, language)
    text = str(text).strip()
    if len(text) > MAX_MESSAGE_CHARACTERS:
        return "reply", guard_reply(TOO_LONG_REPLY, language)
    # "/restart", "/greet{...}", "//x": never Rasa's command syntax when a user types it
    if text.startswith("/"):
        command = text.lstrip("/").split("{", 1)[0].strip().lower()
        if command in START_PAYLOADS:
            return "parse", START_MESSAGE
    return "parse", text.lstrip("/").strip() or text


def sender_id_problem(sender_id: Any) -> Optional[Text]:
    """What is wrong with `sender_id` as a conversation id, or None when nothing is."""
    if not isinstance(sender_id, str) or not sender_id.strip():
        return "must be a non-empty string"
    if len(sender_id) > MAX_SENDER_CHARACTERS:
        return f"must be at most {MAX_SENDER_CHARACTERS} characters"
    if not sender_id.isprintable():
        return "must contain printable characters only (no NUL, line breaks or other control characters)"
    return None


class GuardedInput:
    """Mixin for an input channel: checks each user message before Rasa sees it."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> Any:
        # `rasa run` creates the channels of credentials.yml first, before the tracker store, the
        # agent and the Sanic workers: the patches of Rasa this server needs are applied here
        # (addons/rasa_patches says why not at import, and which commands do not get them).
        rasa_patches.apply()
        return super().from_credentials(credentials)  # type: ignore[misc]  # a mixin: Rasa's channel after it has it

    def guard(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
        """`on_new_message` behind the checks of the module docstring. blueprint() applies it; a
        channel that builds its own blueprint applies it to the handler it passes on."""
        channel = self.name()  # type: ignore[attr-defined]  # a mixin: the channel has name()

        async def guarded(message: UserMessage) -> Any:
            received_at = time.perf_counter()
            metrics.count_message(channel)
            problem = sender_id_problem(message.sender_id)
            if problem:
                # never the id itself: it may be a phone number
                logger.warning("%s: dropped a message whose sender id %s", channel, problem)
                metrics.count_refusal(channel, metrics.BAD_SENDER)
                return None
            verdict, text = guard_text(message.text, requested_language(message))
            if verdict == "reply":
                blank = message.text is None or not str(message.text).strip()
                logger.info("message not parsed: %s", "blank" if blank else "too long")
                metrics.count_refusal(channel, metrics.BLANK if blank else metrics.TOO_LONG)
                await message.output_channel.send_text_message(message.sender_id, text)
                return None
            message.text = text
            key = (channel, message.sender_id)
            if _messages_in_flight[key] >= MAX_MESSAGES_IN_FLIGHT_PER_SENDER:
                logger.warning(
                    "%s: a sender already has %d messages waiting; the next got the busy reply",
                    channel,
                    MAX_MESSAGES_IN_FLIGHT_PER_SENDER,
                )
                metrics.count_refusal(channel, metrics.BUSY)
                await message.output_channel.send_text_message(
                    message.sender_id, guard_reply(BUSY_REPLY, requested_language(message))
                )
                return None
            _messages_in_flight[key] += 1
            # from here on, the conversation is the channel's own (module docstring)
            client_sender_id = message.sender_id
            message.sender_id = conversation_id(channel, client_sender_id)
            message.output_channel = self.replying_to(message.output_channel, client_sender_id)
            try:
                return await on_new_message(message)
            finally:
                # replies sent (or, for REST, collected for the response): also a timed-out message
                metrics.observe_reply_latency(channel, time.perf_counter() - received_at)
                _messages_in_flight[key] -= 1
                if not _messages_in_flight[key]:
                    del _messages_in_flight[key]

        return guarded

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint: Blueprint = super().blueprint(self.guard(on_new_message))  # type: ignore[misc]  # a mixin: Rasa's channel has blueprint()
        return blueprint

    def replying_to(self, output_channel: OutputChannel, client_sender_id: Text) -> OutputChannel:
        """The output channel for a conversation stored under conversation_id(): it sends to the
        id the channel received."""
        return self.in_key_space(output_channel)

    def in_key_space(self, output_channel: Any) -> Any:
        """`output_channel`, sending to the id the channel knows when given a conversation id (once:
        a channel whose route builds its messages with get_output_channel() is not wrapped twice)."""
        if output_channel is None or isinstance(output_channel, RepliesToSender):
            return output_channel
        return RepliesToSender(output_channel, self.name())  # type: ignore[attr-defined]  # a mixin: the channel has name()

    def get_output_channel(self) -> Any:
        """Rasa's output channel for messages it sends on its own (the HTTP API's events, with the
        conversation id as recipient): the channel's own, sending to the id the channel knows. A
        channel class that defines get_output_channel itself returns self.in_key_space(...) too."""
        return self.in_key_space(super().get_output_channel())  # type: ignore[misc]  # a mixin: Rasa's channel has it


def conversation_id(channel: Text, sender_id: Text) -> Text:
    """The tracker store's id of a conversation: `<channel>:<the sender id the channel received>`
    (what tools, tests and hospital IT look up)."""
    return f"{channel}:{sender_id}"


def sender_id_of(channel: Text, stored_id: Text) -> Text:
    """The sender id a channel knows, for a conversation id of that channel (others unchanged)."""
    prefix = conversation_id(channel, "")
    return stored_id[len(prefix) :] if stored_id.startswith(prefix) else stored_id


class RepliesToSender(OutputChannel):
    """A channel's output channel, seen from a conversation stored under `<channel>:<sender>`:
    Rasa sends to the conversation id; the provider (or the web chat's room) gets the sender id
    it knows. Anything else is the wrapped channel's own (its name picks channel-specific
    responses; its attributes, e.g. Messenger's client, stay reachable)."""

    def __init__(self, output_channel: OutputChannel, channel: Text) -> None:
        self.output_channel = output_channel
        self.channel = channel

    def name(self) -> Text:  # Rasa calls it on the instance
        return str(self.output_channel.name())

    def __getattr__(self, attribute: Text) -> Any:
        if attribute in ("output_channel", "channel"):  # not set yet: no recursion
            raise AttributeError(attribute)
        return getattr(self.output_channel, attribute)

    def recipient(self, recipient_id: Text) -> Text:
        return sender_id_of(self.channel, recipient_id)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self.output_channel.send_response(self.recipient(recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.output_channel.send_text_message(self.recipient(recipient_id), text, **kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.output_channel.send_image_url(self.recipient(recipient_id), image, **kwargs)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self.output_channel.send_attachment(self.recipient(recipient_id), attachment, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.output_channel.send_text_with_buttons(self.recipient(recipient_id), text, buttons, **kwargs)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await self.output_channel.send_quick_replies(self.recipient(recipient_id), text, quick_replies, **kwargs)

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        await self.output_channel.send_elements(self.recipient(recipient_id), elements, **kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        await self.output_channel.send_custom_json(self.recipient(recipient_id), json_message, **kwargs)


class RepliesToClientId(CollectingOutputChannel):
    """The REST response's collector, seen from a conversation kept under `rest:<sender>`:
    replies reach the client with the sender id it sent, not the stored one."""

    def __init__(self, collector: CollectingOutputChannel, client_sender_id: Text) -> None:
        super().__init__()
        self.collector = collector
        self.client_sender_id = client_sender_id
        self.messages = collector.messages

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await self.collector._persist_message(dict(message, recipient_id=self.client_sender_id))


def rest_conversation_id(client_sender_id: Text) -> Text:
    """The tracker store's id of a REST client's conversation (what tools and tests look up)."""
    return REST_CONVERSATION_PREFIX + client_sender_id  # = conversation_id("rest", client_sender_id)


class RestInput(GuardedInput, rest.RestInput):
    """Rasa's REST channel (`rest`), with the input guard and strict request checks."""

    def replying_to(self, output_channel: OutputChannel, client_sender_id: Text) -> OutputChannel:
        # Rasa's REST route answers with what its collector gathered: the client gets its own id
        return RepliesToClientId(output_channel, client_sender_id)

    @staticmethod
    def answering_when_cancelled(
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """`on_new_message`, with the care-team number in the answer when Sanic cancels it."""

        async def answered(message: UserMessage) -> Any:
            try:
                return await on_new_message(message)
            except asyncio.CancelledError:
                # Sanic's response timeout cancels the handler, and Rasa's REST channel then
                # answers 200 with what it had collected, often nothing: never silence.
                await message.output_channel.send_text_message(message.sender_id, guard_reply(NOT_IN_TIME_REPLY))
                raise

        return answered

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # the input guard (GuardedInput) runs first, on the id the client sent
        blueprint = super().blueprint(self.answering_when_cancelled(on_new_message))

        @blueprint.middleware("request")
        async def check_request(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST":
                return None
            # JSON only: a cross-site page can send text/plain, a form or multipart without asking the
            # server first, so another site's visitors would all become senders; application/json
            # needs a CORS preflight, which the server refuses for origins not in ALLOWED_ORIGINS
            media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type != JSON_MEDIA_TYPE:
                return self.refuse(metrics.NOT_JSON, 415, NOT_JSON_ERROR)
            try:
                body = request.json
            except Exception:  # Sanic: not JSON, or not UTF-8
                return self.refuse(metrics.MALFORMED, 400, "the body must be a JSON object in UTF-8")
            if not isinstance(body, dict):
                return self.refuse(
                    metrics.MALFORMED, 400, 'the body must be a JSON object: {"sender": "...", "message": "..."}'
                )
            problem = sender_id_problem(body.get("sender"))
            if problem:
                return self.refuse(metrics.BAD_SENDER, 400, f"'sender' {problem}")
            if body.get("message") is not None and not isinstance(body.get("message"), str):
                return self.refuse(metrics.MALFORMED, 400, "'message' must be a string")
            return None

        return blueprint

    def refuse(self, reason: Text, status: int, error: Text) -> response.HTTPResponse:
        """A request refused before Rasa sees it: counted, one log line (the reason, never what the
        client sent), and an answer saying what is wrong."""
        metrics.count_message(self.name())
        metrics.count_refusal(self.name(), reason)
        logger.warning("rest: a request refused with %d (%s)", status, reason)
        return response.json({"error": error}, status=status)

    def _extract_input_channel(self, req: Request) -> Text:
        return str(self.name())  # a client cannot claim to be another channel

    def get_metadata(self, request: Request) -> None:
        return None  # nothing from the client is stored in the conversation but its message
