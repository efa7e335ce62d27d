"""What the messaging channels share: the request body as JSON, the outbound base URL from the
environment, the outbound timeout, text split to fit a channel, and numbered options where a
channel shows no buttons.

Numbered options are remembered in memory, per channel and sender, for that sender's next
message only (one Rasa process; a restart forgets them, and the number is then read as text).
"""

from __future__ import annotations

import os
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request

# seconds an outbound call to a provider may take
PROVIDER_TIMEOUT = 15


def json_object(request: Request) -> Optional[Dict[Text, Any]]:
    """The request's body as a JSON object, or None when it is not one (a provider's webhook
    then answers 400 rather than Sanic's 500)."""
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - Sanic: not JSON, or not UTF-8
        return None
    return body if isinstance(body, dict) else None


def base_url_from_env(variable: Text) -> Optional[Text]:
    value = os.environ.get(variable, "").strip()
    return value.rstrip("/") or None


# --- text that fits the channel --------------------------------------------------------------

# after a sentence's end, or at a line break
_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\s*\n\s*")


def split_text(text: Text, limit: int) -> List[Text]:
    """Splits `text` into parts of at most `limit` characters, losing nothing.

    Parts end on a sentence boundary or a line break where one fits, else between words; a
    sentence is cut only when it alone is longer than `limit`.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    units, start = [], 0
    for match in _BOUNDARY.finditer(text):
        units.append(text[start : match.end()])
        start = match.end()
    units.append(text[start:])

    parts: List[Text] = []
    current = ""
    for unit in units:
        if len((current + unit).strip()) <= limit:
            current += unit
            continue
        if current.strip():
            parts.append(current.strip())
        current = ""
        unit = unit.strip()
        while len(unit) > limit:
            cut = unit.rfind(" ", 0, limit + 1)
            if cut <= 0:
                cut = limit
            parts.append(unit[:cut].strip())
            unit = unit[cut:].strip()
        current = unit + " "
    if current.strip():
        parts.append(current.strip())
    return parts


def paragraphs_within(text: Text, limit: int) -> List[Text]:
    """Rasa's one-message-per-paragraph, with no message over the channel's `limit`."""
    return [part for paragraph in text.strip().split("\n\n") for part in split_text(paragraph, limit)]


# --- numbered options where a channel shows no buttons ----------------------------------------

NUMBER_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
# options not answered within the conversation session (domain: 60 minutes) are forgotten
OPTIONS_TTL_SECONDS = 3600
_pending_options: Dict[Tuple[Text, Text], Tuple[float, List[Optional[Text]]]] = {}


def numbered_options(text: Text, buttons: List[Dict[Text, Any]]) -> Text:
    lines = []
    for number, button in enumerate(buttons, start=1):
        title = button.get("title") or button.get("payload") or button.get("url") or ""
        url = button.get("url")
        lines.append(f"{number}. {title}" + (f" ({url})" if url and url != title else ""))
    return f"{text.strip()}\n\n" + "\n".join(lines) + "\n\nReply with a number."


def remember_options(channel: Text, recipient_id: Text, buttons: List[Dict[Text, Any]]) -> None:
    now = time.monotonic()
    for key in [k for k, (at, _) in _pending_options.items() if now - at > OPTIONS_TTL_SECONDS]:
        _pending_options.pop(key, None)
    _pending_options[(channel, str(recipient_id))] = (now, [button.get("payload") for button in buttons])


def resolve_numbered_reply(channel: Text, sender_id: Text, text: Optional[Text]) -> Optional[Text]:
    """The option's payload when the message is just the number of an option offered to this
    sender by their previous bot message; otherwise the message as it is."""
    at, options = _pending_options.pop((channel, str(sender_id)), (0.0, None))
    if time.monotonic() - at > OPTIONS_TTL_SECONDS:
        options = None
    match = NUMBER_REPLY.match(text or "")
    if options and match and 1 <= int(match.group(1)) <= len(options):
        payload = options[int(match.group(1)) - 1]
        if payload:
            return payload
    return text


class NumberedOptionsInput:
    """Mixin for an input channel: maps a numbered reply to its option before Rasa sees it."""

    def rewrite_user_text(self, text: Optional[Text], sender_id: Text) -> Optional[Text]:
        return resolve_numbered_reply(self.name(), sender_id, text)  # type: ignore[attr-defined]  # a mixin: the channel has name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> Any:
            message.text = self.rewrite_user_text(message.text, message.sender_id)
            return await on_new_message(message)

        blueprint: Blueprint = super().blueprint(handle)  # type: ignore[misc]  # a mixin: the channel class after it has blueprint()
        return blueprint


async def send_numbered_options(
    channel: OutputChannel, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
) -> None:
    remember_options(channel.name(), recipient_id, buttons)
    await channel.send_text_message(recipient_id, numbered_options(text, buttons), **kwargs)
