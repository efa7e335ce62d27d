"""What a user may send, checked at every channel before Rasa parses it.

* A message over 2,000 characters is not parsed: the sender is asked to shorten it.
* An empty or blank message gets a prompt.
* Typed `/intent{...}` or `/restart` text is Rasa's internal command syntax: from a user it
  would pick an intent or set slots directly. The leading slash is dropped, so the words are
  read by the NLU like any other message ("restart" is then just a word).
* The REST channel refuses a request that is not a JSON object with a `sender` and a
  `message` string (400, with a message saying what is wrong), never answers a 500, and does
  not take `input_channel` or `metadata` from the client.

Both replies name the care-team number (from the hospital settings): a long or empty message
can come from a parent in trouble.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from actions.hospital_settings import load_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARACTERS = 2000
# What chat widgets send when they open (rasa-webchat's initPayload is often "/get_started"):
# answered as a greeting. Typed, they are harmless: the greeting is all they can get.
START_PAYLOADS = {"get_started", "getstarted", "get started", "start", "greet", "restart", "hello", "hi"}
START_MESSAGE = "hello"
MAX_SENDER_CHARACTERS = 128
TOO_LONG_REPLY = (
    "Your message is too long for me to read. Please shorten your question to under 2,000 "
    "characters. If your child has a fever or any sign of infection, call the care team now at {phone}."
)
BLANK_REPLY = (
    "Please type your question about neutropenia. If your child has a fever or any sign of "
    "infection, call the care team now at {phone}."
)


@functools.lru_cache(maxsize=1)
def _care_team_phone() -> Text:
    return load_settings().care_team_phone


def guard_text(text: Optional[Text]) -> tuple:
    """('reply', text to send back) or ('parse', the text Rasa should parse)."""
    phone = _care_team_phone()
    if text is None or not str(text).strip():
        return "reply", BLANK_REPLY.format(phone=phone)
    text = str(text).strip()
    if len(text) > MAX_MESSAGE_CHARACTERS:
        return "reply", TOO_LONG_REPLY.format(phone=phone)
    # "/restart", "/greet{...}", "//x": never Rasa's command syntax when a user types it
    if text.startswith("/"):
        command = text.lstrip("/").split("{", 1)[0].strip().lower()
        if command in START_PAYLOADS:
            return "parse", START_MESSAGE
    return "parse", text.lstrip("/").strip() or text


class GuardedInput:
    """Mixin for an input channel: checks each user message before Rasa sees it."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def guarded(message: UserMessage) -> Any:
            verdict, text = guard_text(message.text)
            if verdict == "reply":
                logger.info("message not parsed: %s", "blank" if message.text is None or not str(message.text).strip() else "too long")
                await message.output_channel.send_text_message(message.sender_id, text)
                return None
            message.text = text
            return await on_new_message(message)

        return super().blueprint(guarded)  # type: ignore[misc]


class RestInput(GuardedInput, rest.RestInput):
    """Rasa's REST channel (`rest`), with the input guard and strict request checks."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def check_request(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST":
                return None
            try:
                body = request.json
            except Exception:  # Sanic: not JSON, or not UTF-8
                return response.json({"error": "the body must be a JSON object in UTF-8"}, status=400)
            if not isinstance(body, dict):
                return response.json({"error": 'the body must be a JSON object: {"sender": "...", "message": "..."}'}, status=400)
            sender = body.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARACTERS:
                return response.json({"error": f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARACTERS} characters"}, status=400)
            if body.get("message") is not None and not isinstance(body.get("message"), str):
                return response.json({"error": "'message' must be a string"}, status=400)
            return None

        return blueprint

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()  # a client cannot claim to be another channel

    def get_metadata(self, request: Request) -> None:
        return None  # nothing from the client is stored in the conversation but its message
