"""Facebook Messenger: a signed webhook event in, Send API calls out; the input guard as on every
channel, and nothing of an event in the log."""

import json
import time

import pytest
import requests

from addons.channels.input_guard import conversation_id
from tests.channels.conftest import (
    API_TOKEN,
    FACEBOOK_APP_SECRET,
    FACEBOOK_PAGE_ACCESS_TOKEN,
    FACEBOOK_VERIFY_TOKEN,
    TOPIC_BUTTONS,
    facebook_signature,
)
from tests.live.conftest import TEST_CARE_TEAM_PHONE

PAGE_ID = "106000000000001"


def messaging_event(psid, text=None, payload=None):
    timestamp = int(time.time() * 1000)
    event = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": timestamp}
    if text is not None:
        event["message"] = {"mid": f"m_{psid}_{timestamp}", "text": text}
    else:
        event["postback"] = {"title": "Causes", "payload": payload, "mid": f"m_{psid}_{timestamp}"}
    return event


def post_events(channels, *events, signature=None, secret=FACEBOOK_APP_SECRET):
    body = json.dumps(
        {"object": "page", "entry": [{"id": PAGE_ID, "time": int(time.time() * 1000), "messaging": list(events)}]}
    ).encode()
    return requests.post(
        f"{channels.url}/webhooks/facebook/webhook",
        data=body,
        timeout=60,
        headers={"Content-Type": "application/json", "X-Hub-Signature": signature or facebook_signature(body, secret)},
    )


def is_message_to(psid):
    return lambda c: (
        c["path"].endswith("/me/messages")
        and (c["json"] or {}).get("recipient", {}).get("id") == psid
        and "message" in c["json"]
    )


def texts(calls):
    return "\n".join(c["json"]["message"].get("text", "") for c in calls)


def test_fever_report_gets_call_now_with_the_number(channels, fake):
    psid = "2400000000000001"
    response = post_events(channels, messaging_event(psid, "she has a fever of 101.5"))
    assert response.status_code == 200 and response.text == "success"
    messages = fake.wait_for(is_message_to(psid))
    assert texts(messages).startswith("Call now") and TEST_CARE_TEAM_PHONE in texts(messages)
    assert all(c["query"]["access_token"] == [FACEBOOK_PAGE_ACCESS_TOKEN] for c in messages)
    assert all(c["json"]["messaging_type"] == "RESPONSE" for c in messages)


def test_topic_question_gets_its_answer(channels, fake):
    psid = "2400000000000002"
    assert post_events(channels, messaging_event(psid, "what causes neutropenia?")).status_code == 200
    reply = texts(fake.wait_for(is_message_to(psid)))
    assert "Source:" in reply and "Call now" not in reply


def test_wrong_signature_is_rejected_and_nothing_is_sent(channels, fake):
    psid = "2400000000000003"
    wrong_secret = post_events(channels, messaging_event(psid, "she has a fever of 101.5"), secret="not-the-secret")
    assert wrong_secret.status_code == 403
    garbage = post_events(channels, messaging_event(psid, "she has a fever of 101.5"), signature="sha1=0123abcd")
    assert garbage.status_code == 403
    time.sleep(2)
    assert (
        fake.sent(
            lambda c: c["path"].endswith("/me/messages") and (c["json"] or {}).get("recipient", {}).get("id") == psid
        )
        == []
    )


def test_every_event_of_a_batched_delivery_is_answered(channels, fake):
    first, second = "2400000000000004", "2400000000000005"
    assert (
        post_events(
            channels,
            messaging_event(first, "what causes neutropenia?"),
            messaging_event(second, "my son has a fever of 39.2"),
        ).status_code
        == 200
    )
    assert "Source:" in texts(fake.wait_for(is_message_to(first)))
    assert texts(fake.wait_for(is_message_to(second))).startswith("Call now")


def test_many_buttons_become_quick_replies_and_a_tap_is_answered(channels, fake):
    psid = "2400000000000006"
    topics = ["Causes", "Types", "Symptoms", "Diagnosis", "Treatment", "My child has a fever"]
    buttons = TOPIC_BUTTONS
    channels.offer_options("facebook", psid, "What would you like to know?", buttons)
    offer = fake.wait_for(is_message_to(psid))[0]["json"]["message"]
    assert [q["title"] for q in offer["quick_replies"]] == topics  # Rasa's connector drops all past 3
    tap = messaging_event(psid, "Causes")
    tap["message"]["quick_reply"] = {"payload": TOPIC_BUTTONS[0]["payload"]}
    assert post_events(channels, tap).status_code == 200
    answer = texts(fake.wait_for(is_message_to(psid), count=2)[1:])
    assert "chemotherapy" in answer.lower() and "Source:" in answer


def test_webhook_verification(channels):
    url = f"{channels.url}/webhooks/facebook/webhook"
    ok = requests.get(
        url,
        params={"hub.mode": "subscribe", "hub.verify_token": FACEBOOK_VERIFY_TOKEN, "hub.challenge": "1158201444"},
        timeout=10,
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = requests.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1158201444"}, timeout=10
    )
    assert wrong.status_code == 403 and "1158201444" not in wrong.text


def user_events_and_restarts(channels, psid):
    conversation = conversation_id("facebook", psid)  # the channel's own key space
    tracker = requests.get(
        f"{channels.url}/conversations/{conversation}/tracker", params={"token": API_TOKEN}, timeout=30
    )
    tracker.raise_for_status()
    events = tracker.json()["events"]
    return [e for e in events if e["event"] == "user"], [e for e in events if e["event"] == "restart"]


def test_blank_long_and_attachment_messages_get_the_guard_s_replies(channels, fake):
    psid = "2400000000000007"
    photo = messaging_event(psid, "")
    photo["message"] = {
        "mid": "m_photo",
        "attachments": [{"type": "image", "payload": {"url": "https://scontent.example.org/photo-of-a-rash.jpg"}}],
    }
    for count, event in enumerate((messaging_event(psid, "   "), messaging_event(psid, "fever " * 400), photo), 1):
        assert post_events(channels, event).status_code == 200
        fake.wait_for(is_message_to(psid), count=count)  # one at a time, so the replies come in order
    replies = [c["json"]["message"]["text"] for c in fake.sent(is_message_to(psid))]
    assert len(replies) == 3 and all(TEST_CARE_TEAM_PHONE in r for r in replies)
    assert replies[0].startswith("Please type your question") and replies[2].startswith("Please type your question")
    assert "too long" in replies[1] and "shorten" in replies[1]
    users, _ = user_events_and_restarts(channels, psid)
    assert users == []  # none of them reached the NLU (Rasa's connector sent the photo's URL as text)


@pytest.mark.parametrize(
    "psid, typed",
    [("2400000000000009", "/restart"), ("2400000000000010", '/report_emergency{"temperature_reading": "pwned"}')],
)
def test_typed_commands_are_read_as_words(channels, fake, psid, typed):
    assert post_events(channels, messaging_event(psid, typed)).status_code == 200
    fake.wait_for(is_message_to(psid))
    users, restarts = user_events_and_restarts(channels, psid)
    # never Rasa's command syntax: a typed "/restart" is a greeting, "/intent{...}" plain words
    assert users[-1]["text"] == ("hello" if typed == "/restart" else typed.lstrip("/"))
    assert not any(
        e["entity"] == "temperature_reading" and e["value"] == "pwned" for e in users[-1]["parse_data"]["entities"]
    )
    assert restarts == []


def test_no_event_body_or_message_text_is_logged(channels, fake):
    psid = "2400000000000008"
    unhandled = messaging_event(psid, "")
    unhandled["message"] = {"mid": "m_unhandled", "unknown_field": "marker-unhandled-7f3a my daughter Alice Smith"}
    echo = messaging_event(psid, "marker-echo-7f3a she has a fever")
    echo["message"]["is_echo"] = True
    reaction = {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": int(time.time() * 1000),
        "reaction": {"mid": "m_1", "action": "react", "emoji": "marker-reaction-7f3a"},
    }
    assert post_events(channels, unhandled, echo, reaction).status_code == 200
    assert post_events(channels, messaging_event(psid, "marker-text-7f3a what causes neutropenia?")).status_code == 200
    reply = texts(fake.wait_for(is_message_to(psid)))
    # the question's answer only: nothing for the echo (a fever), the reaction or the unknown message
    assert "Source:" in reply and "Call now" not in reply and "Please type" not in reply
    log = (channels.tmp / "rasa.log").read_text()
    assert "marker-" not in log and "Alice Smith" not in log
