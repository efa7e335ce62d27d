"""Replies that fit the channel, numbered options and the credentials rendering, without servers."""

from addons.channels.facebook import valid_hub_signature
from addons.channels.messaging import numbered_options, remember_options, resolve_numbered_reply, split_text
from addons.channels.twilio import SMS_LIMIT
from scripts.render_credentials import render

PHONE = "(555) 010-0140"


def test_a_short_reply_is_one_part():
    assert split_text("Call now: (555) 010-0140.\n\nSource: x", SMS_LIMIT) == ["Call now: (555) 010-0140.\n\nSource: x"]


def test_a_long_reply_splits_on_sentences_and_loses_nothing():
    text = " ".join(f"Sentence number {i} is about neutrophils." for i in range(120)) + f" Call now: {PHONE}."
    parts = split_text(text, SMS_LIMIT)
    assert len(parts) > 1 and all(len(p) <= SMS_LIMIT for p in parts)
    assert all(p.endswith(".") for p in parts)
    assert " ".join(parts) == text
    assert any(PHONE in p for p in parts)


def test_a_sentence_longer_than_the_limit_is_cut_between_words():
    text = "word " * 1000
    parts = split_text(text, SMS_LIMIT)
    assert all(len(p) <= SMS_LIMIT for p in parts) and " ".join(parts) == text.strip()


def test_numbered_options_and_the_next_reply():
    buttons = [{"title": "Causes", "payload": "/ask_causes"}, {"title": "Types", "payload": "/ask_types"}]
    assert numbered_options("Pick one", buttons) == "Pick one\n\n1. Causes\n2. Types\n\nReply with a number."
    remember_options("twilio", "+1555", buttons)
    assert resolve_numbered_reply("twilio", "+1555", " 2. ") == "/ask_types"
    assert resolve_numbered_reply("twilio", "+1555", "2") == "2"  # only the next message
    remember_options("twilio", "+1555", buttons)
    assert resolve_numbered_reply("twilio", "+1666", "1") == "1"  # per sender
    assert resolve_numbered_reply("telegram", "+1555", "1") == "1"  # per channel
    assert resolve_numbered_reply("twilio", "+1555", "101.5") == "101.5"  # a temperature is not an option
    remember_options("twilio", "+1555", buttons)
    assert resolve_numbered_reply("twilio", "+1555", "3") == "3"


def test_hub_signature():
    import hashlib
    import hmac

    body = b'{"object":"page"}'
    sha1 = "sha1=" + hmac.new(b"secret", body, hashlib.sha1).hexdigest()
    sha256 = "sha256=" + hmac.new(b"secret", body, hashlib.sha256).hexdigest()
    assert valid_hub_signature("secret", body, sha1) and valid_hub_signature("secret", body, sha256)
    assert not valid_hub_signature("other", body, sha1)
    assert not valid_hub_signature("secret", body, "md5=" + hashlib.md5(body).hexdigest())
    assert not valid_hub_signature("secret", body, "") and not valid_hub_signature("", body, sha1)


def test_a_channel_is_on_only_with_all_its_required_variables():
    template = {
        "rest": None,
        "addons.channels.twilio.TwilioInput": {
            "account_sid": "${SID}",
            "auth_token": "${TOKEN}",
            "whatsapp_number": "${WA:-}",
            "webhook_url": "${URL:-}",
        },
    }
    on, off = render(template, {"SID": "AC1"})
    assert list(on) == ["rest"] and off == {"addons.channels.twilio.TwilioInput": ["TOKEN"]}
    on, off = render(template, {"SID": "AC1", "TOKEN": "", "WA": "whatsapp:+1"})
    assert off == {"addons.channels.twilio.TwilioInput": ["TOKEN"]}  # empty counts as unset
    on, off = render(template, {"SID": "AC1", "TOKEN": "t", "WA": "whatsapp:+1"})
    assert on["addons.channels.twilio.TwilioInput"] == {
        "account_sid": "AC1",
        "auth_token": "t",
        "whatsapp_number": "whatsapp:+1",
    }
    assert off == {}
