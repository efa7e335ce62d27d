"""The channels' webhook routes in process, without Rasa: what reaches the assistant, what a
provider gets back when handling fails, what is logged, and the settings refused at start."""

import asyncio
import itertools
import logging

import aiohttp
import pytest
from rasa.shared.exceptions import RasaException
from sanic import Sanic
from twilio.request_validator import RequestValidator

from addons.channels.telegram import TelegramInput
from addons.channels.twilio import TwilioInput, TwilioWebhook
from scripts.model_servers import free_port

AUTH_TOKEN = "twilio-unit-auth-token"
WEBHOOK_URL = "https://assistant.example.org/webhooks/twilio/webhook"
_app_names = itertools.count()


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch):
    """Sanic rewrites its HTTP protocol class when an app starts, once per process; in test mode
    it starts from the original each time, so several apps can start one after the other."""
    monkeypatch.setattr(Sanic, "test_mode", True)


def twilio_webhook() -> TwilioWebhook:
    return TwilioWebhook.from_credentials(
        {
            "account_sid": "AC" + "0" * 32,
            "auth_token": AUTH_TOKEN,
            "twilio_number": "+15550100001",
            "webhook_url": WEBHOOK_URL,
        }
    )


SIGNED = object()


def post_form(channel, on_new_message, form, url_prefix="/webhooks/twilio", signature=SIGNED):
    """Serves `channel`'s blueprint on a free loopback port and posts `form`, signed as Twilio does
    (or with `signature` as its X-Twilio-Signature, None: without one); returns (status, body)."""

    async def run():
        app = Sanic(f"channel_webhook_test_{next(_app_names)}", configure_logging=False)
        app.blueprint(channel.blueprint(on_new_message), url_prefix=url_prefix)
        port = free_port()
        server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
        await server.startup()
        try:
            signed = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK_URL, form)
            header = signed if signature is SIGNED else signature
            headers = {} if header is None else {"X-Twilio-Signature": header}
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    f"http://127.0.0.1:{port}{url_prefix}/webhook", data=form, headers=headers
                ) as reply:
                    return reply.status, await reply.text()
        finally:
            server.close()
            await server.wait_closed()

    return asyncio.run(run())


def sms(text):
    return {
        "MessageSid": "SM" + "0" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+15550111999",
        "To": "+15550100001",
        "Body": text,
        "NumMedia": "0",
    }


def test_twilio_text_reaches_the_assistant_as_sent():
    received = []

    async def record(message):
        received.append(message.text)

    status, _ = post_form(twilio_webhook(), record, sms("¡Tiene fiebre! Escriba a ana@example.org"))
    assert status == 204
    assert received == ["¡Tiene fiebre! Escriba a ana@example.org"]  # Rasa's connector sends "@Tiene fiebre!"


def test_a_failure_while_handling_answers_twilio_204_and_logs_no_text(caplog):
    async def fail(message):
        raise ValueError(f"could not handle {message.text!r} from {message.sender_id}")

    with caplog.at_level(logging.DEBUG):
        status, body = post_form(twilio_webhook(), fail, sms("she has a fever of 101.5"))
    assert (status, body) == (204, "")
    assert "handling a message failed (ValueError)" in caplog.text
    assert "fever" not in caplog.text and "15550111999" not in caplog.text


@pytest.mark.parametrize(
    "webhook_url, signature",
    [
        (WEBHOOK_URL.replace("assistant.", "attacker."), SIGNED),  # signed for another URL
        (WEBHOOK_URL, "bm90IGEgc2lnbmF0dXJl"),  # not a signature
        (WEBHOOK_URL, None),  # unsigned
    ],
)
def test_a_request_without_a_valid_twilio_signature_is_refused(webhook_url, signature):
    received = []

    async def record(message):
        received.append(message.text)

    channel = twilio_webhook()
    channel.webhook_url = webhook_url
    status, _ = post_form(channel, record, sms("she has a fever"), signature=signature)
    assert status == 403 and received == []


def test_twilio_without_a_webhook_url_refuses_to_start():
    credentials = {"account_sid": "AC" + "0" * 32, "auth_token": AUTH_TOKEN, "twilio_number": "+15550100001"}
    for missing in (None, ""):
        with pytest.raises(RasaException, match=r"\(TWILIO_WEBHOOK_URL\) is required"):
            TwilioInput.from_credentials(dict(credentials, webhook_url=missing))


TELEGRAM = {
    "access_token": "123456789:TEST-token",
    "webhook_url": "https://assistant.example.org/webhooks/telegram/webhook",
}


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "short_secret",
        "has spaces in the secret token",
        "semi;colons-0123456789",
        "é-accented-0123456789",
        "x" * 257,
    ],
)
def test_telegram_refuses_to_start_with_a_bad_secret_token(secret):
    with pytest.raises(RasaException, match="TELEGRAM_SECRET_TOKEN must be 16 to 256 characters") as refused:
        TelegramInput.from_credentials(dict(TELEGRAM, secret_token=secret))
    assert "secrets.token_urlsafe" in str(refused.value)
    assert not secret or secret not in str(refused.value)  # a secret is never printed


@pytest.mark.parametrize("secret", ["A-Za-z0-9_-" + "0" * 5, "x" * 256])
def test_telegram_takes_a_good_secret_token(secret):
    assert TelegramInput.from_credentials(dict(TELEGRAM, secret_token=secret)).secret_token == secret


CHANNEL_VARIABLES = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
    "TWILIO_NUMBER": "+15550100001",
    "TWILIO_WEBHOOK_URL": WEBHOOK_URL,
    "TELEGRAM_BOT_TOKEN": "123456789:TEST-token",
    "TELEGRAM_WEBHOOK_URL": TELEGRAM["webhook_url"],
    "TELEGRAM_SECRET_TOKEN": "telegram-unit_secret-0123456789",
}


@pytest.mark.parametrize("variable, channel", [("TWILIO_WEBHOOK_URL", "twilio"), ("TELEGRAM_SECRET_TOKEN", "telegram")])
def test_a_channel_without_its_authenticating_variable_stays_off_and_the_render_says_so(tmp_path, variable, channel):
    from scripts.render_credentials import ROOT, render_file

    env = {k: v for k, v in CHANNEL_VARIABLES.items() if k != variable}
    summary = render_file(ROOT / "credentials.yml", tmp_path / "credentials.yml", env)
    assert channel not in summary[0]
    assert f"  {channel} stays off: {variable} not set" in summary
    assert (
        render_file(ROOT / "credentials.yml", tmp_path / "credentials.yml", CHANNEL_VARIABLES)[0]
        == "channels on: rest, socketio, twilio, telegram"
    )


def test_messenger_logs_no_event_body_and_no_text_when_handling_fails(caplog, capsys, monkeypatch):
    from addons.channels import facebook

    async def no_action(self, recipient_id, sender_action):
        return None

    monkeypatch.setattr(facebook.MessengerBot, "send_action", no_action)  # no Graph API here
    received = []

    async def fail(message):
        received.append(message.text)
        raise ValueError(f"could not handle {message.text!r}")

    def event(**fields):
        return {"sender": {"id": "2400000000000099"}, "recipient": {"id": "1"}, "timestamp": 1, **fields}

    payload = {
        "object": "page",
        "entry": [
            {
                "id": "1",
                "time": 1,
                "messaging": [
                    event(message={"mid": "m1", "unknown_field": "marker-unhandled Alice Smith"}),
                    event(message={"mid": "m2", "text": "marker-echo she has a fever", "is_echo": True}),
                    event(reaction={"mid": "m3", "action": "react", "emoji": "marker-reaction"}),
                    event(message={"mid": "m4", "text": "marker-text she has a fever"}),
                ],
            }
        ],
    }
    with caplog.at_level(logging.DEBUG):
        asyncio.run(facebook.Messenger("page-token", fail).handle(payload, None))
    assert received == ["marker-text she has a fever"]  # the echo and the rest are not messages from a parent
    assert "handling a message failed (ValueError)" in caplog.text
    printed = capsys.readouterr()
    for output in (caplog.text, printed.out, printed.err):
        assert "marker-" not in output and "Alice Smith" not in output


def test_a_failed_sms_is_logged_without_the_number_or_the_text(caplog, monkeypatch):
    from twilio.base.exceptions import TwilioRestException

    from addons.channels.twilio import TwilioOutput

    output = TwilioOutput("AC" + "0" * 32, AUTH_TOKEN, "+15550100001")

    def refuse(**message):
        raise TwilioRestException(
            400,
            "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages.json",
            msg=f"The 'To' number {message['to']} is not a valid phone number.",
            code=21211,
        )

    monkeypatch.setattr(output.messages, "create", refuse)
    with caplog.at_level(logging.DEBUG):
        asyncio.run(output.send_text_message("+15550111999", "Call now: she has a fever"))
    assert "sending a message failed (TwilioRestException, Twilio error 21211, HTTP 400)" in caplog.text
    assert "15550111999" not in caplog.text and "fever" not in caplog.text
