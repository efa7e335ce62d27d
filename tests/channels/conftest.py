"""The messaging channels against the real servers, with the providers faked locally.

There is no internet here (nor should tests message real people): each channel's outbound client
is pointed at FakeProviders, one local HTTP server that answers like api.twilio.com,
graph.facebook.com, api.telegram.org and slack.com/api and records every call. The tests post
each provider's real webhook payload to the Rasa server's route and read what the assistant
sent back from the fake.
"""

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from addons.channels.input_guard import conversation_id
from tools.harness import Servers

TWILIO_ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
TWILIO_AUTH_TOKEN = "twilio-test-auth-token"
TWILIO_NUMBER = "+15550100001"
TWILIO_WHATSAPP_NUMBER = "whatsapp:+15550100002"
# the public URL registered with Twilio (behind a proxy, not the URL the server sees)
TWILIO_WEBHOOK_URL = "https://assistant.example.org/webhooks/twilio/webhook"
FACEBOOK_APP_SECRET = "facebook-test-app-secret"
FACEBOOK_VERIFY_TOKEN = "facebook-test-verify-token"
FACEBOOK_PAGE_ACCESS_TOKEN = "facebook-test-page-token"
TELEGRAM_BOT_TOKEN = "123456789:TEST-token_for-the-fake"
TELEGRAM_BOT_USERNAME = "hospital_test_bot"
TELEGRAM_WEBHOOK_URL = "https://assistant.example.org/webhooks/telegram/webhook"
TELEGRAM_SECRET_TOKEN = "telegram-test_secret-0123456789"
SLACK_BOT_TOKEN = "xoxb-test-token"
SLACK_SIGNING_SECRET = "slack-test-signing-secret"
API_TOKEN = "test-api-token"

SMS_LIMIT = 1600


class FakeProviders:
    """A local stand-in for the providers' APIs that records what the assistant sends."""

    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()
        self._message_ids = iter(range(1, 1_000_000))
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self._handle()

            def do_POST(self):
                self._handle()

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, reply = fake.answer(self.command, self.path, dict(self.headers), body)
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method, raw_path, headers, body):
        url = urlsplit(raw_path)
        content_type = headers.get("Content-Type", "")
        call = {
            "method": method,
            "path": url.path,
            "query": parse_qs(url.query),
            "headers": headers,
            "form": {},
            "json": None,
        }
        if "application/x-www-form-urlencoded" in content_type:
            call["form"] = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        elif "application/json" in content_type and body:
            call["json"] = json.loads(body)
        with self.lock:
            self.calls.append(call)
            message_id = next(self._message_ids)

        form, payload = call["form"], call["json"] or {}
        if re.fullmatch(r"/2010-04-01/Accounts/\w+/Messages\.json", url.path):
            return 201, {
                "sid": f"SM{message_id:032d}",
                "account_sid": TWILIO_ACCOUNT_SID,
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
            }
        if re.fullmatch(r"/v[\d.]+/me/messages", url.path):
            return 200, {"recipient_id": (payload.get("recipient") or {}).get("id"), "message_id": f"m_{message_id}"}
        telegram = re.fullmatch(r"/bot[^/]+/(\w+)", url.path)
        if telegram:
            api_method = telegram.group(1).lower()
            if api_method == "getme":
                return 200, {
                    "ok": True,
                    "result": {
                        "id": 123456789,
                        "is_bot": True,
                        "first_name": "Hospital",
                        "username": TELEGRAM_BOT_USERNAME,
                    },
                }
            if api_method == "sendmessage":
                return 200, {
                    "ok": True,
                    "result": {
                        "message_id": message_id,
                        "date": int(time.time()),
                        "chat": {"id": int(form["chat_id"]), "type": "private"},
                        "text": form.get("text"),
                    },
                }
            return 200, {"ok": True, "result": True}
        if url.path.startswith("/api/"):
            return 200, {"ok": True, "channel": payload.get("channel"), "ts": f"{time.time():.6f}"}
        return 404, {"error": "not faked"}

    def sent(self, match=lambda call: True):
        with self.lock:
            return [call for call in self.calls if match(call)]

    def wait_for(self, match, count=1, timeout=30, settle=1.0):
        """The calls matching `match`, once there are at least `count` and no more came for `settle` s."""
        deadline = time.time() + timeout
        seen, seen_at = -1, time.time()
        while time.time() < deadline:
            calls = self.sent(match)
            if len(calls) != seen:
                seen, seen_at = len(calls), time.time()
            elif len(calls) >= count and time.time() - seen_at >= settle:
                return calls
            time.sleep(0.1)
        raise AssertionError(f"expected {count} matching call(s) at the fake provider, got {len(self.sent(match))}")

    def stop(self):
        self.server.shutdown()


# --- what each provider sends, and how it signs it ---------------------------------------------


def twilio_sms(sender, text, to=TWILIO_NUMBER, message_sid="SM0000000000000000000000000000000a"):
    """The form Twilio posts for an incoming SMS or WhatsApp message."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": message_sid,
        "NumMedia": "0",
        "SmsSid": message_sid,
        "SmsStatus": "received",
        "Body": text,
        "To": to,
        "NumSegments": "1",
        "MessageSid": message_sid,
        "AccountSid": TWILIO_ACCOUNT_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }


def twilio_signature(params, url=TWILIO_WEBHOOK_URL, token=TWILIO_AUTH_TOKEN):
    """X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted form fields, base64."""
    data = url + "".join(k + params[k] for k in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def facebook_signature(body: bytes, secret=FACEBOOK_APP_SECRET):
    return "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def slack_headers(body: bytes, secret=SLACK_SIGNING_SECRET, timestamp=None, content_type="application/json"):
    timestamp = str(int(time.time())) if timestamp is None else str(timestamp)
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


# --- the servers --------------------------------------------------------------------------------


class ChannelServers(Servers):
    @property
    def url(self):
        return f"http://127.0.0.1:{self.rasa_port}"

    def offer_options(self, channel, sender, text, buttons):
        """Sends a bot message with buttons to `sender` through `channel`'s output channel, as the
        assistant does for a response with buttons (Rasa's HTTP API, side effects executed), in
        the channel's own conversation of that sender (addons/channels/input_guard.py)."""
        response = requests.post(
            f"{self.url}/conversations/{quote(conversation_id(channel, str(sender)), safe='+:')}/tracker/events",
            params={"output_channel": channel, "execute_side_effects": "true", "token": API_TOKEN},
            json=[{"event": "bot", "text": text, "data": {"buttons": buttons}}],
            timeout=30,
        )
        response.raise_for_status()


def channel_env(fake_url):
    return {
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_NUMBER": TWILIO_NUMBER,
        "TWILIO_WHATSAPP_NUMBER": TWILIO_WHATSAPP_NUMBER,
        "TWILIO_WEBHOOK_URL": TWILIO_WEBHOOK_URL,
        "FACEBOOK_VERIFY_TOKEN": FACEBOOK_VERIFY_TOKEN,
        "FACEBOOK_APP_SECRET": FACEBOOK_APP_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": FACEBOOK_PAGE_ACCESS_TOKEN,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK_URL,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        # the outbound clients talk to the fake (production leaves these unset): in place of
        # https://api.twilio.com, https://graph.facebook.com, https://api.telegram.org, https://slack.com/api
        "TWILIO_API_BASE_URL": fake_url,
        "FACEBOOK_GRAPH_BASE_URL": fake_url,
        "TELEGRAM_API_BASE_URL": fake_url,
        "SLACK_API_BASE_URL": f"{fake_url}/api",
    }


@pytest.fixture(scope="session")
def fake():
    providers = FakeProviders()
    yield providers
    providers.stop()


@pytest.fixture(scope="session")
def channels(fake, tmp_path_factory):
    """One Rasa server (and action server) with every messaging channel on, for all channel tests."""
    servers = ChannelServers(
        tmp_path_factory.mktemp("channels"),
        channel_env=channel_env(fake.url),
        rasa_args=["--enable-api", "--auth-token", API_TOKEN],
    )
    assert servers.channels_summary[0] == "channels on: rest, socketio, twilio, facebook, telegram, slack"
    with servers:
        yield servers


# The topic buttons as the assistant offers them: payloads are plain questions, read by the NLU
# like typed text (typed "/intent" commands are neutralised by addons/channels/input_guard.py).
TOPIC_BUTTONS = [
    {"title": "Causes", "payload": "What causes neutropenia?"},
    {"title": "Types", "payload": "What types of neutropenia are there?"},
    {"title": "Symptoms", "payload": "What are the symptoms of neutropenia?"},
    {"title": "Diagnosis", "payload": "How is neutropenia diagnosed?"},
    {"title": "Treatment", "payload": "How is neutropenia treated?"},
    {"title": "My child has a fever", "payload": "My child has a fever"},
]
