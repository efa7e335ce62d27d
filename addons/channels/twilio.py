"""SMS and WhatsApp through Twilio: Rasa's connector, with the signature check it lacks.

The signature check is required: webhook_url (TWILIO_WEBHOOK_URL, the URL exactly as registered
with Twilio) must be set, and a request without a valid X-Twilio-Signature gets 403 (Rasa's
connector checks nothing: anyone could make the assistant text "Call now" to any number). The
Body reaches the assistant as sent (Rasa's turns every "¡" into "@"); a media or location message
has none and gets the guard's prompt. Twilio always gets 204. A reply goes out as one message,
split on a sentence boundary only past Twilio's 1,600-character limit (Rasa sends every paragraph
as its own SMS, and SMS arrive in any order). It is sent from the configured number of the
recipient's kind (`whatsapp:+1...` or a phone number). Buttons become numbered options
("1. Causes"), and a reply of just the number is read as that option.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, cast

from rasa.core.channels import twilio
from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from addons.channels.input_guard import GuardedInput
from addons.channels.messaging import (
    PROVIDER_TIMEOUT,
    NumberedOptionsInput,
    base_url_from_env,
    send_numbered_options,
    split_text,
)

logger = logging.getLogger(__name__)
# Twilio's client logs every request at INFO (URL and headers): keep the server log readable
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)

SMS_LIMIT = 1600  # Twilio's limit for one message body (SMS and WhatsApp)


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
        return cast(Optional[str], self.twilio_number)

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
        credentials = cast(Dict[Text, Any], credentials)  # the line above raised if there were none
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
            message = UserMessage(
                text, self.get_output_channel(), sender, input_channel=self.name(), metadata=self.get_metadata(request)
            )
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
