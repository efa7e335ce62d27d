"""Telegram: Rasa's connector, with its webhook route declared again and authenticated.

Rasa's connector authenticates nothing (its `verify` compares the bot's own username, fetched with
getMe at every update): anyone could post updates as any chat and make the bot message that chat.
Here setWebhook registers secret_token (TELEGRAM_SECRET_TOKEN, 16 to 256 characters of
A-Z a-z 0-9 _ -, checked at start), Telegram sends it in the X-Telegram-Bot-Api-Secret-Token
header, and an update without it gets 403 (constant-time comparison). Every kind of update is
answered 200 (Rasa's raises on any update without a message, e.g. my_chat_member when a parent
blocks the bot, and Telegram delivers it again and again); messages, edited messages and button
taps are answered, a photo or voice note without caption gets the guard's prompt, service
messages and other kinds get nothing. Rasa calls setWebhook from get_output_channel(), i.e. while
the server starts (asyncio.run, no timeout): with no internet the server does not start. Here it
runs after the server has started, in the background, with a timeout, and is tried again (5 s,
doubling to 5 minutes) until Telegram has it; the server serves meanwhile. Rasa's public
GET /webhooks/telegram/set_webhook is gone: anyone could re-register the webhook through it. More
than two buttons stack vertically instead of squeezing into one row; Telegram's first message,
/start, is read as a greeting.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple, cast

from aiogram.bot import api
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from rasa.core.channels import telegram
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from addons.channels.input_guard import GuardedInput
from addons.channels.messaging import (
    PROVIDER_TIMEOUT,
    NumberedOptionsInput,
    base_url_from_env,
    json_object,
    paragraphs_within,
    send_numbered_options,
)

logger = logging.getLogger(__name__)

TELEGRAM_SET_WEBHOOK_TIMEOUT = 20  # seconds
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CALLBACK_DATA_LIMIT = 64  # bytes


def telegram_server() -> TelegramAPIServer:
    base_url = base_url_from_env("TELEGRAM_API_BASE_URL")
    return TelegramAPIServer.from_base(base_url) if base_url else TELEGRAM_PRODUCTION


class TelegramOutput(telegram.TelegramOutput):
    def __init__(self, access_token: Optional[Text]) -> None:
        super().__init__(access_token)
        self.server = telegram_server()
        self.timeout = PROVIDER_TIMEOUT

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in paragraphs_within(text, TELEGRAM_TEXT_LIMIT):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = None,
        **kwargs: Any,
    ) -> None:
        fits = len(text) <= TELEGRAM_TEXT_LIMIT and all(
            b.get("title") and b.get("payload") and len(b["payload"].encode("utf-8")) <= TELEGRAM_CALLBACK_DATA_LIMIT
            for b in buttons
        )
        if not fits:
            await send_numbered_options(self, recipient_id, text, buttons)
            return
        if button_type is None:
            button_type = "vertical" if len(buttons) > 2 else "inline"
        await super().send_text_with_buttons(recipient_id, text, buttons, button_type=button_type, **kwargs)


# Telegram's rule for a webhook secret token; past it, at least 16 characters, since anyone who
# guesses the secret can post updates as any chat and make the bot message that chat
TELEGRAM_SECRET_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{16,256}")
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# the updates the assistant answers; others (my_chat_member, channel_post, ...) are not even sent
TELEGRAM_ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# what a parent can send without text; it gets the input guard's prompt (with the care-team number)
TELEGRAM_CONTENT_WITHOUT_TEXT = {
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "sticker",
    "animation",
    "location",
    "contact",
    "venue",
    "poll",
    "dice",
}
TELEGRAM_SET_WEBHOOK_FIRST_RETRY = 5  # seconds; doubled after each failure
TELEGRAM_SET_WEBHOOK_MAX_RETRY = 300


def telegram_user_message(update: Dict[Text, Any]) -> Tuple[Optional[Text], Optional[Text], Text]:
    """(chat id, text, update kind) of an update; the chat id is None when nothing is to be answered.

    The text is None for a message without text (a photo without caption, a voice note): the input
    guard answers it with its prompt. Reads the update as Telegram sends it; Rasa's handler
    fails on any update without a message (500, and Telegram delivers it again and again).
    """
    kind = next((key for key in update if key != "update_id"), "empty")
    if kind == "callback_query":
        query = update[kind] or {}
        chat = ((query.get("message") or {}).get("chat") or {}).get("id")
        data = query.get("data")
        return (str(chat), data, kind) if chat is not None and data else (None, None, kind)
    if kind not in ("message", "edited_message"):
        return None, None, kind
    message = update[kind] or {}
    chat = (message.get("chat") or {}).get("id")
    text = message.get("text")
    if text is None:
        text = message.get("caption")
    if chat is None or (message.get("from") or {}).get("is_bot"):
        return None, None, kind
    if text is not None:
        return str(chat), text, kind
    if kind == "message" and TELEGRAM_CONTENT_WITHOUT_TEXT & set(message):
        return str(chat), None, kind
    return None, None, kind  # a service message (pinned, members joined, ...) or an edit without text


class TelegramWebhook(telegram.TelegramInput):
    """Rasa's Telegram input with the webhook route declared again: an update counts only with the
    secret token registered by setWebhook; every kind of update is answered 200."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramWebhook":
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = cast(Dict[Text, Any], credentials)  # the line above raised if there were none
        secret_token = str(credentials.get("secret_token") or "")
        if not TELEGRAM_SECRET_TOKEN_FORMAT.fullmatch(secret_token):
            raise RasaException(
                "Telegram: TELEGRAM_SECRET_TOKEN must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
                f"(it has {len(secret_token)} characters"
                + (", some of them not allowed" if re.search(r"[^A-Za-z0-9_-]", secret_token) else "")
                + "). Make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return cls(credentials.get("access_token"), credentials.get("webhook_url"), secret_token)

    def __init__(self, access_token: Optional[Text], webhook_url: Optional[Text], secret_token: Text) -> None:
        super().__init__(access_token, verify=None, webhook_url=webhook_url, debug_mode=False)
        self.secret_token = secret_token

    def authentic(self, request: Request) -> bool:
        sent = request.headers.get(TELEGRAM_SECRET_HEADER, "")
        return hmac.compare_digest(sent.encode("utf-8"), self.secret_token.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.authentic(request):
                logger.warning(
                    "Telegram: refused an update without the right %s header (Telegram sends the "
                    "TELEGRAM_SECRET_TOKEN the server registered with setWebhook at start)",
                    TELEGRAM_SECRET_HEADER,
                )
                return response.text("forbidden", status=403)
            update = json_object(request)
            if update is None:
                return response.text("the body must be a Telegram Update (a JSON object)", status=400)
            chat_id, text, kind = telegram_user_message(update)
            if chat_id is None:
                logger.info("Telegram: an update of kind %s needs no reply", kind)
                return response.text("success")
            message = UserMessage(
                text, out_channel, chat_id, input_channel=self.name(), metadata=self.get_metadata(request)
            )
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - Telegram would deliver the update again and again
                logger.error("Telegram: handling an update failed (%s)", type(error).__name__)
            return response.text("success")

        return telegram_webhook


class TelegramInput(GuardedInput, NumberedOptionsInput, TelegramWebhook):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._background_tasks: set[asyncio.Task[Any]] = set()
        self._output_channel: Optional[TelegramOutput] = None

    def rewrite_user_text(self, text: Optional[Text], sender_id: Text) -> Optional[Text]:
        # what Telegram sends when a parent first opens the chat ("/start", "/start@bot", "/start ref")
        words = (text or "").split()
        if words and words[0].split("@", 1)[0] == "/start":
            text = "/greet"
        return super().rewrite_user_text(text, sender_id)

    def get_output_channel(self) -> OutputChannel:
        """Unlike Rasa's, calls nothing on the Telegram API (see set_webhook_once); one client
        (one connection pool) for the server's lifetime; sending to the chat id of a conversation
        id `telegram:<chat id>` (the channel's own key space, addons/channels/input_guard.py)."""
        if self._output_channel is None:
            self._output_channel = TelegramOutput(self.access_token)
        return self.in_key_space(self._output_channel)

    async def set_webhook_once(self, retry_in: int) -> bool:
        """setWebhook with the secret token (aiogram 2.15's set_webhook has no secret_token)."""
        channel = TelegramOutput(self.access_token)
        payload = {
            "url": self.webhook_url,
            "secret_token": self.secret_token,
            "allowed_updates": json.dumps(TELEGRAM_ALLOWED_UPDATES),
        }
        try:
            ok = await asyncio.wait_for(channel.request(api.Methods.SET_WEBHOOK, payload), TELEGRAM_SET_WEBHOOK_TIMEOUT)
            if ok:
                logger.info("Telegram: webhook set to %s", self.webhook_url)
            else:
                logger.error("Telegram: setWebhook was refused for %s; tried again in %d s", self.webhook_url, retry_in)
            return bool(ok)
        except Exception as error:  # noqa: BLE001 - no internet must not stop the assistant
            logger.error(
                "Telegram: could not set the webhook (%s); the server serves on, and setWebhook is tried again in %d s",
                f"{type(error).__name__}: {error}" if str(error) else type(error).__name__,
                retry_in,
            )
            return False
        finally:
            await channel.session.close()

    async def keep_setting_webhook(self) -> None:
        """Until Telegram has the webhook: the server serves meanwhile, and no route is needed
        for it (Rasa's public GET /webhooks/telegram/set_webhook is gone)."""
        delay = TELEGRAM_SET_WEBHOOK_FIRST_RETRY
        while not await self.set_webhook_once(retry_in=delay):
            await asyncio.sleep(delay)
            delay = min(delay * 2, TELEGRAM_SET_WEBHOOK_MAX_RETRY)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = super().blueprint(on_new_message)

        @telegram_webhook.listener("after_server_start")
        async def set_webhook_in_background(*_: Any) -> None:
            task = asyncio.create_task(self.keep_setting_webhook())
            self._background_tasks.add(task)
            task.add_done_callback(self._background_tasks.discard)

        @telegram_webhook.listener("before_server_stop")
        async def stop_setting_webhook(*_: Any) -> None:
            for task in list(self._background_tasks):
                task.cancel()

        return telegram_webhook
