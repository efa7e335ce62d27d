"""The messaging channels: Rasa's own connectors, subclassed only where they fall short.

credentials.yml names these classes by module path (`addons.channels.providers.TwilioInput`, ...); each
keeps its Rasa name, so the routes stay Rasa's: /webhooks/twilio/webhook, /webhooks/facebook/webhook,
/webhooks/telegram/webhook, /webhooks/slack/webhook. Every channel is authenticated and guarded:

* Every request is authenticated by its provider's own means, or refused (403; Slack: 400):
  Twilio's X-Twilio-Signature, Facebook's X-Hub-Signature(-256), Telegram's secret token, Slack's
  signing secret. A channel without its authenticating setting stays off (credentials.yml
  requires it; Twilio and Telegram also refuse to start without it).
* Every user message goes through the input guard (addons/channels/input_guard.py: blank and over-long
  messages answered with the care-team number, typed "/commands" read as words). Where Rasa's
  route had to be declared again (Twilio, Facebook, Telegram), it is declared in a base class
  (TwilioWebhook, MessengerWebhook, TelegramWebhook), and the channel class puts GuardedInput and
  NumberedOptionsInput on top, so their blueprint() wraps the handler the route calls.
* A provider never gets a 500 for a message it sent: a failure is logged and answered as
  handled (a 500 makes Twilio report an error, Facebook and Telegram deliver it again).
* No log line of these classes holds message text, an event body, a phone number or a provider
  URL with a token: errors are logged by their type only.

What the subclasses change, and why:

* Outbound API base URL. Each connector's client talks to its provider's fixed host; an
  optional environment variable points it elsewhere (the tests' local fake; production leaves
  them unset): TWILIO_API_BASE_URL, FACEBOOK_GRAPH_BASE_URL, TELEGRAM_API_BASE_URL,
  SLACK_API_BASE_URL. Outbound calls also get a timeout, and Twilio's and Facebook's blocking
  HTTP clients run off the event loop, so a slow provider cannot stall the other channels.
* Twilio (SMS and WhatsApp). The signature check is required: webhook_url (TWILIO_WEBHOOK_URL,
  the URL exactly as registered with Twilio) must be set, and a request without a valid
  X-Twilio-Signature gets 403 (Rasa's connector checks nothing: anyone could make the assistant
  text "Call now" to any number). The Body reaches the assistant as sent (Rasa's turns every
  "¡" into "@"); a media or location message has none and gets the guard's prompt. Twilio always
  gets 204. A reply goes out as one message, split on a sentence boundary only past Twilio's
  1,600-character limit (Rasa sends every paragraph as its own SMS, and SMS arrive in any order).
  It is sent from the configured number of the recipient's kind (`whatsapp:+1...` or a phone
  number). Buttons become numbered options ("1. Causes"), and a reply of just the number is read
  as that option.
* Facebook Messenger. Rasa builds its Graph client inside the webhook route, so the route is
  declared again here with the same behaviour, plus: the signature is compared in constant
  time and X-Hub-Signature-256 is accepted too; a request with a wrong signature gets 403;
  every event of a batched delivery is handled (Rasa's handles only the first); a failing
  "typing" indicator no longer stops the reply. A photo, voice note or file gets the guard's
  prompt (Rasa's sent its URL to the NLU as text); the page's own echoed messages are ignored;
  an event it cannot handle is not logged (Rasa's logs it whole). Buttons beyond the button
  template's limits (3 buttons, 640 characters) become quick replies, or numbered options (Rasa
  drops them).
* Telegram. Rasa's connector authenticates nothing (its `verify` compares the bot's own
  username, fetched with getMe at every update): anyone could post updates as any chat and make
  the bot message that chat. Here setWebhook registers secret_token (TELEGRAM_SECRET_TOKEN, 16
  to 256 characters of A-Z a-z 0-9 _ -, checked at start), Telegram sends it in the
  X-Telegram-Bot-Api-Secret-Token header, and an update without it gets 403 (constant-time
  comparison). Every kind of update is answered 200 (Rasa's raises on any update without a
  message, e.g. my_chat_member when a parent blocks the bot, and Telegram delivers it again and
  again); messages, edited messages and button taps are answered, a photo or voice note without
  caption gets the guard's prompt, service messages and other kinds get nothing. Rasa calls
  setWebhook from get_output_channel(), i.e. while the server starts (asyncio.run, no timeout):
  with no internet the server does not start. Here it runs after the server has started, in the
  background, with a timeout, and is tried again (5 s, doubling to 5 minutes) until Telegram has
  it; the server serves meanwhile. Rasa's public GET /webhooks/telegram/set_webhook is gone:
  anyone could re-register the webhook through it. More than two buttons stack vertically
  instead of squeezing into one row; Telegram's first message, /start, is read as a greeting.
* Slack. Rasa's route as it is (it checks the signing secret and the request's age), under the
  input guard. Rasa drops all buttons past 5; Slack shows up to 25 in one block.

Numbered options are remembered in memory, per channel and sender, for that sender's next
message only (one Rasa process; a restart forgets them, and the number is then read as text).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

import requests
from aiogram.bot import api
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from fbmessenger import MessengerClient
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from addons.channels.input_guard import GuardedInput
from rasa.core.channels import facebook, slack, telegram, twilio
from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)
# Twilio's client logs every request at INFO (URL and headers): keep the server log readable
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

# seconds an outbound call to a provider may take
PROVIDER_TIMEOUT = 15
TELEGRAM_SET_WEBHOOK_TIMEOUT = 20

SMS_LIMIT = 1600  # Twilio's limit for one message body (SMS and WhatsApp)
MESSENGER_TEXT_LIMIT = 2000
MESSENGER_BUTTON_TEXT_LIMIT = 640
MESSENGER_MAX_TEMPLATE_BUTTONS = 3
MESSENGER_MAX_QUICK_REPLIES = 13
MESSENGER_QUICK_REPLY_TITLE_LIMIT = 20
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_CALLBACK_DATA_LIMIT = 64  # bytes
SLACK_MAX_BUTTONS = 25
SLACK_SECTION_TEXT_LIMIT = 3000
SLACK_BUTTON_TITLE_LIMIT = 75


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
        return resolve_numbered_reply(self.name(), sender_id, text)  # type: ignore[attr-defined]

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> Any:
            message.text = self.rewrite_user_text(message.text, message.sender_id)
            return await on_new_message(message)

        return super().blueprint(handle)  # type: ignore[misc]


async def send_numbered_options(
    channel: OutputChannel, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
) -> None:
    remember_options(channel.name(), recipient_id, buttons)
    await channel.send_text_message(recipient_id, numbered_options(text, buttons), **kwargs)


# --- Twilio: SMS and WhatsApp ------------------------------------------------------------------


class TwilioOutput(twilio.TwilioOutput):
    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        whatsapp_number: Optional[Text] = None,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.whatsapp_number = whatsapp_number
        self.http_client = TwilioHttpClient(timeout=PROVIDER_TIMEOUT)
        base_url = base_url_from_env("TWILIO_API_BASE_URL")
        if base_url:
            self.api.base_url = base_url

    def from_number(self, recipient_id: Text) -> Optional[Text]:
        """The configured number of the recipient's kind: WhatsApp replies from a whatsapp: number."""
        wants_whatsapp = str(recipient_id).startswith("whatsapp:")
        for number in (self.twilio_number, self.whatsapp_number):
            if number and number.startswith("whatsapp:") == wants_whatsapp:
                return number
        logger.error(
            "Twilio: no %s number is configured to reply from (TWILIO_NUMBER / TWILIO_WHATSAPP_NUMBER)",
            "WhatsApp" if wants_whatsapp else "SMS",
        )
        return self.twilio_number

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except Exception as error:  # noqa: BLE001 - a failed send is logged, the next one is still tried
            # Twilio's code and HTTP status only: its message names the number ("The 'To' number
            # +1555... is not a valid phone number"), and a connection error the request's URL
            logger.error(
                "Twilio: sending a message failed (%s%s)",
                type(error).__name__,
                f", Twilio error {error.code}, HTTP {error.status}" if isinstance(error, TwilioRestException) else "",
            )
            return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        sender = self.from_number(recipient_id)
        for part in split_text(text, SMS_LIMIT):
            await self._send_message({"to": recipient_id, "from_": sender, "body": part})

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        await send_numbered_options(self, recipient_id, text, buttons)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send_message({"to": recipient_id, "from_": self.from_number(recipient_id), "media_url": [image]})

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        if not json_message.get("messaging_service_sid"):
            json_message.setdefault("from_", self.from_number(json_message.get("to", recipient_id)))
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class TwilioWebhook(twilio.TwilioInput):
    """Rasa's Twilio input with the webhook route declared again: every request must carry a valid
    X-Twilio-Signature, the text reaches the assistant as sent, and Twilio always gets 204."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TwilioWebhook":
        if not credentials:
            cls.raise_missing_credentials_exception()
        if not credentials.get("webhook_url"):
            # without it no signature can be checked, and anyone could make the assistant text
            # "Call now" to any number
            raise RasaException(
                "Twilio: webhook_url (TWILIO_WEBHOOK_URL) is required: the webhook URL exactly as "
                "registered with Twilio, e.g. https://YOUR-HOST/webhooks/twilio/webhook"
            )
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            whatsapp_number=credentials.get("whatsapp_number") or None,
            webhook_url=credentials["webhook_url"],
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        whatsapp_number: Optional[Text] = None,
        webhook_url: Optional[Text] = None,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.whatsapp_number = whatsapp_number
        self.webhook_url = webhook_url

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        twilio_webhook = Blueprint("twilio_webhook", __name__)
        validator = RequestValidator(self.auth_token)

        @twilio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @twilio_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            signature = request.headers.get("X-Twilio-Signature", "")
            if not self.webhook_url or not validator.validate(self.webhook_url, request.form, signature):
                logger.warning(
                    "Twilio: refused a request without a valid X-Twilio-Signature; TWILIO_WEBHOOK_URL must "
                    "be exactly the URL registered with Twilio"
                )
                return response.text("invalid signature", status=403)
            sender = request.form.get("From")
            if not sender:
                logger.warning("Twilio: a request without From was ignored")
                return response.text("", status=204)
            # The Body as sent: Rasa's connector turns every "¡" into "@" (for carriers that mangle
            # "@"), which breaks Spanish ("¡Tiene fiebre!"). A media or location message has an
            # empty Body: the input guard answers it with its prompt.
            text = request.form.get("Body")
            message = UserMessage(text, self.get_output_channel(), sender, input_channel=self.name(),
                                  metadata=self.get_metadata(request))
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - Twilio gets no 500 (it would retry, or report an error)
                logger.error("Twilio: handling a message failed (%s)", type(error).__name__)
            return response.text("", status=204)

        return twilio_webhook

    def get_output_channel(self) -> TwilioOutput:
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.whatsapp_number)


class TwilioInput(GuardedInput, NumberedOptionsInput, TwilioWebhook):
    pass


# --- Facebook Messenger ------------------------------------------------------------------------


class _TimeoutSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = PROVIDER_TIMEOUT
        return super().request(*args, **kwargs)


def messenger_client(page_access_token: Text) -> MessengerClient:
    client = MessengerClient(page_access_token, session=_TimeoutSession())
    base_url = base_url_from_env("FACEBOOK_GRAPH_BASE_URL")
    if base_url:
        client.graph_url = f"{base_url}/v{client.api_version}"
    return client


def valid_hub_signature(app_secret: Text, body: bytes, header: Text) -> bool:
    method, _, signature = (header or "").partition("=")
    if method not in ("sha1", "sha256") or not signature or not app_secret:
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, getattr(hashlib, method)).hexdigest()
    return hmac.compare_digest(expected, signature)


class MessengerBot(facebook.MessengerBot):
    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in paragraphs_within(text, MESSENGER_TEXT_LIMIT):
            await asyncio.to_thread(self.send, recipient_id, facebook.FBText(text=part))

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        """A "typing" or "seen" indicator; its failure must not stop the reply."""
        try:
            await asyncio.to_thread(
                self.messenger_client.send_action, facebook.SenderAction(sender_action).to_dict(), recipient_id
            )
        except Exception as error:  # noqa: BLE001
            # the type only: a requests error names the URL, and with it the page access token
            logger.warning("Facebook: sender action %s failed (%s)", sender_action, type(error).__name__)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if len(buttons) <= MESSENGER_MAX_TEMPLATE_BUTTONS and len(text) <= MESSENGER_BUTTON_TEXT_LIMIT:
            self._add_postback_info(buttons)
            payload = {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "button", "text": text, "buttons": buttons},
                }
            }
            await asyncio.to_thread(self.messenger_client.send, payload, recipient_id, "RESPONSE")
        elif (
            len(buttons) <= MESSENGER_MAX_QUICK_REPLIES
            and len(text) <= MESSENGER_TEXT_LIMIT
            and all(
                b.get("payload") and len(b.get("title") or "") <= MESSENGER_QUICK_REPLY_TITLE_LIMIT for b in buttons
            )
        ):
            quick_replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
            await self.send_quick_replies(recipient_id, text, quick_replies)
        else:
            await send_numbered_options(self, recipient_id, text, buttons)

    async def send_quick_replies(
        self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        element = facebook.FBText(text=text, quick_replies=self._convert_to_quick_reply(quick_replies))
        await asyncio.to_thread(self.send, recipient_id, element)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await asyncio.to_thread(self.send, recipient_id, facebook.Image(url=image))


class Messenger(facebook.Messenger):
    """Rasa's Messenger event handler; nothing of an event is logged (Rasa's logs an event it
    cannot handle whole, message text included)."""

    def __init__(self, page_access_token: Text, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        super().__init__(page_access_token, on_new_message)
        self.client = messenger_client(page_access_token)

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        """Every event of the delivery: Facebook may batch several messages in one request."""
        for entry in payload.get("entry") or []:
            for message in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
                if not isinstance(message, dict):
                    continue
                self.last_message = message
                if message.get("message"):
                    await self.message(message, metadata)
                elif message.get("postback"):
                    await self.postback(message, metadata)

    async def message(self, message: Dict[Text, Any], metadata: Optional[Dict[Text, Any]]) -> None:
        """A quick reply's payload or the typed text. A photo, voice note or file has no text: the
        input guard answers it with its prompt and the care-team number (Rasa's connector sent
        the attachment's URL to the NLU as if typed)."""
        body = message.get("message") or {}
        if body.get("is_echo"):  # the page's own message, sent back when echoes are subscribed
            return
        quick_reply = (body.get("quick_reply") or {}).get("payload")
        if quick_reply:
            text = quick_reply
        elif "text" in body:
            text = body["text"]
        elif body.get("attachments"):
            text = None
        else:
            logger.info("Facebook: a message event without text or attachments needs no reply")
            return
        await self._handle_user_message(text, self.get_user_id(), metadata)

    async def postback(self, message: Dict[Text, Any], metadata: Optional[Dict[Text, Any]]) -> None:
        await self._handle_user_message(message["postback"].get("payload"), self.get_user_id(), metadata)

    async def _handle_user_message(
        self, text: Optional[Text], sender_id: Text, metadata: Optional[Dict[Text, Any]]
    ) -> None:
        out_channel = MessengerBot(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        user_msg = UserMessage(text, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(user_msg)
        except Exception as error:  # noqa: BLE001 - as Rasa's: log, and answer Facebook
            # the type only: a traceback would carry the text, a requests error the page token
            logger.error("Facebook: handling a message failed (%s)", type(error).__name__)
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


class MessengerWebhook(facebook.FacebookInput):
    """Rasa's Facebook input with the webhook route declared again: Rasa builds its Graph client
    inside the route (so no timeout or base URL could be set), accepts a wrong signature with 200,
    and handles only the first event of a delivery."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("fb_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            if self.fb_verify and request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge"))
            logger.warning("Facebook: invalid verify token; it must match the webhook settings of the Facebook app")
            return response.text("failure, invalid token", status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            signatures = [request.headers.get(h) for h in ("X-Hub-Signature-256", "X-Hub-Signature")]
            if not any(valid_hub_signature(self.fb_secret, request.body, s) for s in signatures if s):
                logger.warning("Facebook: wrong X-Hub-Signature; the app secret must match the Facebook app's")
                return response.text("not validated", status=403)
            payload = json_object(request)
            if payload is None:
                return response.text("the body must be a JSON object", status=400)
            messenger = Messenger(self.fb_access_token, on_new_message)
            await messenger.handle(payload, self.get_metadata(request))
            return response.text("success")

        return fb_webhook

    def get_output_channel(self) -> OutputChannel:
        return MessengerBot(messenger_client(self.fb_access_token))


class FacebookInput(GuardedInput, NumberedOptionsInput, MessengerWebhook):
    """Typed "/commands", blank and over-long messages are checked by the input guard, as on every
    channel (GuardedInput wraps the handler MessengerWebhook's route calls)."""


# --- Telegram ----------------------------------------------------------------------------------


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
TELEGRAM_CONTENT_WITHOUT_TEXT = {"photo", "voice", "audio", "video", "video_note", "document", "sticker",
                                 "animation", "location", "contact", "venue", "poll", "dice"}
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
            message = UserMessage(text, out_channel, chat_id, input_channel=self.name(),
                                  metadata=self.get_metadata(request))
            try:
                await on_new_message(message)
            except Exception as error:  # noqa: BLE001 - Telegram would deliver the update again and again
                logger.error("Telegram: handling an update failed (%s)", type(error).__name__)
            return response.text("success")

        return telegram_webhook


class TelegramInput(GuardedInput, NumberedOptionsInput, TelegramWebhook):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._background_tasks: set = set()
        self._output_channel: Optional[TelegramOutput] = None

    def rewrite_user_text(self, text: Optional[Text], sender_id: Text) -> Optional[Text]:
        # what Telegram sends when a parent first opens the chat ("/start", "/start@bot", "/start ref")
        words = (text or "").split()
        if words and words[0].split("@", 1)[0] == "/start":
            text = "/greet"
        return super().rewrite_user_text(text, sender_id)

    def get_output_channel(self) -> TelegramOutput:
        """Unlike Rasa's, calls nothing on the Telegram API (see set_webhook_once); one client
        (one connection pool) for the server's lifetime."""
        if self._output_channel is None:
            self._output_channel = TelegramOutput(self.access_token)
        return self._output_channel

    async def set_webhook_once(self, retry_in: int) -> bool:
        """setWebhook with the secret token (aiogram 2.15's set_webhook has no secret_token)."""
        channel = TelegramOutput(self.access_token)
        payload = {"url": self.webhook_url, "secret_token": self.secret_token,
                   "allowed_updates": json.dumps(TELEGRAM_ALLOWED_UPDATES)}
        try:
            ok = await asyncio.wait_for(channel.request(api.Methods.SET_WEBHOOK, payload),
                                        TELEGRAM_SET_WEBHOOK_TIMEOUT)
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


# --- Slack -------------------------------------------------------------------------------------


class SlackBot(slack.SlackBot):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client.timeout = PROVIDER_TIMEOUT
        base_url = base_url_from_env("SLACK_API_BASE_URL")
        if base_url:
            self.client.base_url = f"{base_url}/"

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if len(buttons) > SLACK_MAX_BUTTONS or len(text) > SLACK_SECTION_TEXT_LIMIT:
            await send_numbered_options(self, recipient_id, text, buttons)
            return
        recipient = self.slack_channel or recipient_id
        text_block = {"type": "section", "text": {"type": "plain_text", "text": text}}
        button_block = {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": (button.get("title") or "")[:SLACK_BUTTON_TITLE_LIMIT]},
                    **({"value": button["payload"]} if button.get("payload") else {}),
                    **({"url": button["url"]} if button.get("url") else {}),
                }
                for button in buttons
            ],
        }
        await self._post_message(channel=recipient, as_user=True, text=text, blocks=[text_block, button_block])


class SlackInput(GuardedInput, NumberedOptionsInput, slack.SlackInput):
    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy)
