"""Telegram: an Update in, Bot API calls out; the webhook is registered after start-up."""
import json
import time

import requests

from tests.channels.conftest import TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_URL, TOPIC_BUTTONS
from tests.live.conftest import TEST_CARE_TEAM_PHONE

_update_ids = iter(range(10_000, 1_000_000))


def user(chat_id):
    return {"id": chat_id, "is_bot": False, "first_name": "Parent", "language_code": "en"}


def text_update(chat_id, text):
    return {"update_id": next(_update_ids), "message": {
        "message_id": next(_update_ids), "from": user(chat_id), "date": int(time.time()),
        "chat": {"id": chat_id, "first_name": "Parent", "type": "private"}, "text": text}}


def button_update(chat_id, data):
    return {"update_id": next(_update_ids), "callback_query": {
        "id": str(next(_update_ids)), "from": user(chat_id), "chat_instance": "-1", "data": data,
        "message": {"message_id": next(_update_ids), "date": int(time.time()), "text": "What would you like to know?",
                    "from": {"id": 123456789, "is_bot": True, "first_name": "Hospital"},
                    "chat": {"id": chat_id, "first_name": "Parent", "type": "private"}}}}


def post_update(channels, update):
    return requests.post(f"{channels.url}/webhooks/telegram/webhook", json=update, timeout=60)


def sent_to(fake, chat_id, **kwargs):
    return fake.wait_for(lambda c: c["path"].lower() == f"/bot{TELEGRAM_BOT_TOKEN}/sendmessage".lower()
                         and c["form"].get("chat_id") == str(chat_id), **kwargs)


def texts(calls):
    return "\n\n".join(c["form"]["text"] for c in calls)


def test_webhook_is_registered_after_start_up(channels, fake):
    calls = fake.wait_for(lambda c: c["path"] == f"/bot{TELEGRAM_BOT_TOKEN}/setWebhook")
    assert calls[0]["form"]["url"] == TELEGRAM_WEBHOOK_URL


def test_fever_report_gets_call_now_with_the_number(channels, fake):
    chat_id = 700000001
    response = post_update(channels, text_update(chat_id, "she has a fever of 101.5"))
    assert response.status_code == 200 and response.text == "success"
    reply = texts(sent_to(fake, chat_id))
    assert reply.startswith("Call now") and TEST_CARE_TEAM_PHONE in reply


def test_topic_question_gets_its_answer(channels, fake):
    chat_id = 700000002
    assert post_update(channels, text_update(chat_id, "what causes neutropenia?")).status_code == 200
    reply = texts(sent_to(fake, chat_id))
    assert "Source:" in reply and "Call now" not in reply


def test_start_gets_the_greeting(channels, fake):
    chat_id = 700000003
    assert post_update(channels, text_update(chat_id, "/start")).status_code == 200
    assert "neutropenia" in texts(sent_to(fake, chat_id))


def test_buttons_stack_vertically_and_a_tap_is_answered(channels, fake):
    chat_id = 700000004
    topics = ["Causes", "Types", "Symptoms", "Diagnosis", "Treatment", "My child has a fever"]
    buttons = TOPIC_BUTTONS
    channels.offer_options("telegram", chat_id, "What would you like to know?", buttons)
    keyboard = json.loads(sent_to(fake, chat_id)[0]["form"]["reply_markup"])["inline_keyboard"]
    assert [[b["text"] for b in row] for row in keyboard] == [[t] for t in topics]
    # a tap sends the button's payload: a plain question, never an /intent command
    assert post_update(channels, button_update(chat_id, buttons[-1]["payload"])).status_code == 200
    answer = texts(sent_to(fake, chat_id, count=2)[1:])
    assert answer.startswith("Call now") and TEST_CARE_TEAM_PHONE in answer
