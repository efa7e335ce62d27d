"""Telegram: an Update in, Bot API calls out; the webhook is registered after start-up, with
the secret token every update must carry."""

import json
import time

import requests

from tests.channels.conftest import TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL, TOPIC_BUTTONS
from tests.live.conftest import TEST_CARE_TEAM_PHONE

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_update_ids = iter(range(10_000, 1_000_000))


def user(chat_id):
    return {"id": chat_id, "is_bot": False, "first_name": "Parent", "language_code": "en"}


def text_update(chat_id, text):
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "from": user(chat_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "first_name": "Parent", "type": "private"},
            "text": text,
        },
    }


def button_update(chat_id, data):
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": user(chat_id),
            "chat_instance": "-1",
            "data": data,
            "message": {
                "message_id": next(_update_ids),
                "date": int(time.time()),
                "text": "What would you like to know?",
                "from": {"id": 123456789, "is_bot": True, "first_name": "Hospital"},
                "chat": {"id": chat_id, "first_name": "Parent", "type": "private"},
            },
        },
    }


def post_update(channels, update, secret=TELEGRAM_SECRET_TOKEN):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(f"{channels.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=60)


def bot():
    return {"id": 123456789, "is_bot": True, "first_name": "Hospital", "username": "hospital_test_bot"}


def sent_to(fake, chat_id, **kwargs):
    return fake.wait_for(
        lambda c: c["path"].lower() == f"/bot{TELEGRAM_BOT_TOKEN}/sendmessage".lower()
        and c["form"].get("chat_id") == str(chat_id),
        **kwargs,
    )


def texts(calls):
    return "\n\n".join(c["form"]["text"] for c in calls)


def test_webhook_is_registered_after_start_up_with_the_secret_token(channels, fake):
    calls = fake.wait_for(lambda c: c["path"] == f"/bot{TELEGRAM_BOT_TOKEN}/setWebhook")
    assert len(calls) == 1  # set once, not at every update
    form = calls[0]["form"]
    assert form["url"] == TELEGRAM_WEBHOOK_URL and form["secret_token"] == TELEGRAM_SECRET_TOKEN
    assert json.loads(form["allowed_updates"]) == ["message", "edited_message", "callback_query"]


def test_an_update_without_the_secret_token_is_refused(channels, fake):
    chat_id = 700000010
    for secret in (None, "", "telegram-test_secret-0123456780", TELEGRAM_SECRET_TOKEN + "x"):
        response = post_update(channels, text_update(chat_id, "she has a fever of 101.5"), secret=secret)
        assert response.status_code == 403
    button = post_update(channels, button_update(chat_id, "My child has a fever"), secret=None)
    assert button.status_code == 403
    time.sleep(2)
    assert fake.sent(lambda c: c["form"].get("chat_id") == str(chat_id)) == []


def test_set_webhook_is_not_a_public_route(channels, fake):
    before = len(fake.sent(lambda c: c["path"] == f"/bot{TELEGRAM_BOT_TOKEN}/setWebhook"))
    for method in ("GET", "POST"):
        response = requests.request(
            method,
            f"{channels.url}/webhooks/telegram/set_webhook",
            timeout=10,
            headers={SECRET_HEADER: TELEGRAM_SECRET_TOKEN},
        )
        assert response.status_code in (404, 405)
    assert len(fake.sent(lambda c: c["path"] == f"/bot{TELEGRAM_BOT_TOKEN}/setWebhook")) == before


def test_updates_without_a_user_message_are_answered_200_and_nothing_is_sent(channels, fake):
    chat_id = 700000011
    chat = {"id": chat_id, "first_name": "Parent", "type": "private"}
    now = int(time.time())
    updates = [
        # the parent blocked the bot
        {
            "my_chat_member": {
                "chat": chat,
                "from": user(chat_id),
                "date": now,
                "old_chat_member": {"user": bot(), "status": "member"},
                "new_chat_member": {"user": bot(), "status": "kicked", "until_date": 0},
            }
        },
        {
            "channel_post": {
                "message_id": 1,
                "date": now,
                "text": "she has a fever",
                "chat": {"id": -1001000000001, "title": "News", "type": "channel"},
            }
        },
        {
            "edited_message": {
                "message_id": 2,
                "from": user(chat_id),
                "chat": chat,
                "date": now,
                "edit_date": now,
                "photo": [{"file_id": "f", "file_unique_id": "u", "width": 90, "height": 90}],
            }
        },
        {
            "message": {
                "message_id": 3,
                "from": user(chat_id),
                "chat": chat,
                "date": now,
                "pinned_message": {"message_id": 1, "date": now, "chat": chat, "text": "hi"},
            }
        },
        {
            "callback_query": {
                "id": "4",
                "from": user(chat_id),
                "chat_instance": "-1",
                "data": "hi",
                "inline_message_id": "AAA",
            }
        },
        {"poll_answer": {"poll_id": "5", "user": user(chat_id), "option_ids": [0]}},
    ]
    for update in updates:
        response = post_update(channels, {"update_id": next(_update_ids), **update})
        assert response.status_code == 200 and response.text == "success", update
    time.sleep(2)
    assert fake.sent(lambda c: c["form"].get("chat_id") in (str(chat_id), "-1001000000001")) == []


def test_blank_text_and_a_photo_get_the_prompt_with_the_number(channels, fake):
    chat_id = 700000012
    assert post_update(channels, text_update(chat_id, "  \n ")).status_code == 200
    photo = text_update(chat_id, "")
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "f", "file_unique_id": "u", "width": 90, "height": 90}]
    assert post_update(channels, photo).status_code == 200
    replies = [c["form"]["text"] for c in sent_to(fake, chat_id, count=2)]
    assert len(replies) == 2
    assert all(r.startswith("Please type your question") and TEST_CARE_TEAM_PHONE in r for r in replies)


def test_an_edited_message_reporting_a_fever_gets_call_now(channels, fake):
    chat_id = 700000013
    update = text_update(chat_id, "she has a fever of 101.5")
    update["edited_message"] = dict(update.pop("message"), edit_date=int(time.time()))
    assert post_update(channels, update).status_code == 200
    reply = texts(sent_to(fake, chat_id))
    assert reply.startswith("Call now") and TEST_CARE_TEAM_PHONE in reply


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
