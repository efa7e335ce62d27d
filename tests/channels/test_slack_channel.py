"""Slack: a signed Events API event_callback in, chat.postMessage calls out."""

import json
import time
from urllib.parse import urlencode

import requests

from addons.channels.input_guard import conversation_id
from tests.channels.conftest import API_TOKEN, SLACK_BOT_TOKEN, TOPIC_BUTTONS, slack_headers
from tests.live.conftest import TEST_CARE_TEAM_PHONE

TEAM, BOT_USER = "T0HOSPITAL", "U0BOTUSER"


def message_event(user, channel, text):
    ts = f"{time.time():.6f}"
    return {
        "token": "verification-token-unused",
        "team_id": TEAM,
        "api_app_id": "A0HOSPITAL",
        "type": "event_callback",
        "event_id": f"Ev{ts.replace('.', '')}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        "event": {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": ts,
            "event_ts": ts,
            "channel_type": "im",
            "team": TEAM,
        },
    }


def post_event(channels, event, headers=None):
    body = json.dumps(event).encode()
    return requests.post(
        f"{channels.url}/webhooks/slack/webhook", data=body, timeout=60, headers=headers or slack_headers(body)
    )


def posted_to(fake, channel, **kwargs):
    return fake.wait_for(
        lambda c: c["path"] == "/api/chat.postMessage" and (c["json"] or {}).get("channel") == channel, **kwargs
    )


def texts(calls):
    return "\n\n".join(c["json"]["text"] for c in calls)


def test_fever_report_gets_call_now_with_the_number(channels, fake):
    response = post_event(channels, message_event("U0PARENT01", "D0PARENT01", "she has a fever of 101.5"))
    assert response.status_code == 200
    messages = posted_to(fake, "D0PARENT01")
    assert texts(messages).startswith("Call now") and TEST_CARE_TEAM_PHONE in texts(messages)
    assert all(c["headers"].get("Authorization") == f"Bearer {SLACK_BOT_TOKEN}" for c in messages)


def test_topic_question_gets_its_answer(channels, fake):
    assert (
        post_event(channels, message_event("U0PARENT02", "D0PARENT02", "what causes neutropenia?")).status_code == 200
    )
    reply = texts(posted_to(fake, "D0PARENT02"))
    assert "Source:" in reply and "Call now" not in reply


def test_a_wrongly_signed_or_stale_event_is_rejected(channels, fake):
    event = message_event("U0PARENT03", "D0PARENT03", "she has a fever of 101.5")
    body = json.dumps(event).encode()
    assert post_event(channels, event, headers=slack_headers(body, secret="wrong")).status_code == 400
    stale = slack_headers(body, timestamp=int(time.time()) - 3600)
    assert post_event(channels, event, headers=stale).status_code == 400
    time.sleep(2)
    assert fake.sent(lambda c: (c["json"] or {}).get("channel") == "D0PARENT03") == []


def test_six_topic_buttons_are_shown_and_a_click_is_answered(channels, fake):
    user, channel = "U0PARENT04", "D0PARENT04"
    topics = ["Causes", "Types", "Symptoms", "Diagnosis", "Treatment", "My child has a fever"]
    buttons = TOPIC_BUTTONS
    # Rasa's Slack connector keeps the output channel of the conversation's DM
    channels.offer_options("slack", channel, "What would you like to know?", buttons)
    blocks = posted_to(fake, channel)[0]["json"]["blocks"]
    assert [e["text"]["text"] for e in blocks[1]["elements"]] == topics  # Rasa's drops all past 5

    click = {
        "type": "block_actions",
        "user": {"id": user, "username": "parent"},
        "team": {"id": TEAM},
        "channel": {"id": channel, "name": "directmessage"},
        "message": {"ts": f"{time.time():.6f}"},
        "actions": [
            {
                "type": "button",
                "action_id": "a1",
                "block_id": "b1",
                "value": TOPIC_BUTTONS[0]["payload"],
                "text": {"type": "plain_text", "text": "Causes"},
            }
        ],
    }
    body = urlencode({"payload": json.dumps(click)}).encode()
    response = requests.post(
        f"{channels.url}/webhooks/slack/webhook",
        data=body,
        timeout=60,
        headers=slack_headers(body, content_type="application/x-www-form-urlencoded"),
    )
    assert response.status_code == 200
    answer = texts(posted_to(fake, channel, count=2)[1:])
    assert "chemotherapy" in answer.lower() and "Source:" in answer


def test_blank_long_and_typed_command_messages_go_through_the_input_guard(channels, fake):
    channel = "D0PARENT05"
    for count, text in enumerate((" \n ", "fever " * 400, "/restart"), 1):
        assert post_event(channels, message_event("U0PARENT05", channel, text)).status_code == 200
        posted_to(fake, channel, count=count)  # one at a time, so the replies come in order
    replies = [c["json"]["text"] for c in fake.sent(lambda c: (c["json"] or {}).get("channel") == channel)]
    assert replies[0].startswith("Please type your question") and TEST_CARE_TEAM_PHONE in replies[0]
    assert "too long" in replies[1] and TEST_CARE_TEAM_PHONE in replies[1]
    # a typed "/restart" is read as a greeting, never as Rasa's restart command
    assert "neutropenia" in "\n".join(replies[2:]).lower()
    conversation = conversation_id("slack", "U0PARENT05")  # the channel's own key space
    tracker = requests.get(
        f"{channels.url}/conversations/{conversation}/tracker", params={"token": API_TOKEN}, timeout=30
    )
    events = tracker.json()["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["hello"]
    assert not any(e["event"] == "restart" for e in events)
