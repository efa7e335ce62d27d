"""Facebook Messenger: Rasa's connector, with its webhook route declared again.

Rasa builds its Graph client inside the webhook route, so the route is declared again here with
the same behaviour, plus: the signature is compared in constant time and X-Hub-Signature-256 is
accepted too; a request with a wrong signature gets 403; every event of a batched delivery is
handled (Rasa's handles only the first); a failing "typing" indicator no longer stops the reply.
A photo, voice note or file gets the guard's prompt (Rasa's sent its URL to the NLU as text); the
page's own echoed messages are ignored; an event it cannot handle is not logged (Rasa's logs it
whole). Buttons beyond the button template's limits (3 buttons, 640 characters) become quick
replies, or numbered options (Rasa drops them).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import requests
from fbmessenger import MessengerClient
from rasa.core.channels import facebook
from rasa.core.channels.channel import OutputChannel, UserMessage
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

MESSENGER_TEXT_LIMIT = 2000
MESSENGER_BUTTON_TEXT_LIMIT = 640
MESSENGER_MAX_TEMPLATE_BUTTONS = 3
MESSENGER_MAX_QUICK_REPLIES = 13
MESSENGER_QUICK_REPLY_TITLE_LIMIT = 20


class _TimeoutSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
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

    async def handle(self, payload: Dict[Text, Any], metadata: Optional[Dict[Text, Any]]) -> None:
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
