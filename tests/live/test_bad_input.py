"""Bad input against the running server (REST channel): never a 500, never a crash, and the
next good message is answered."""

import concurrent.futures

import pytest
import requests

from addons.channels.input_guard import rest_conversation_id

URGENT = "she has a fever of 101.5"


def post(servers, body, headers=None):
    return requests.post(
        f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook",
        data=body,
        headers=headers or {"Content-Type": "application/json"},
        timeout=60,
    )


def good_message_is_answered(servers, sender):
    reply = servers.say(sender, URGENT)
    assert "Call now" in reply


@pytest.mark.parametrize(
    "body,status",
    [
        (b"", 400),
        (b"[1, 2, 3]", 400),
        (b'{"sender": "bad-1"}', 200),  # no message: a prompt
        (b'{"sender": "bad-2", "message": null}', 200),
        (b'{"message": "hi"}', 400),  # no sender
        (b'{"sender": "bad-3", "message": 42}', 400),
        (b'{"sender": "bad-4", "message": "\xff\xfe fever"}', 400),  # invalid UTF-8
        (b"not json at all", 400),
        (b'{"sender": "", "message": "hi"}', 400),
        (b'{"sender": "bad\\u0000id", "message": "hi"}', 400),  # NUL
        (b'{"sender": "bad\\nid", "message": "hi"}', 400),  # a line break
        (b'{"sender": "%s", "message": "hi"}' % (b"x" * 129), 400),
    ],
)
def test_malformed_bodies_are_refused_cleanly(servers, body, status):
    answer = post(servers, body)
    assert answer.status_code == status, answer.text
    good_message_is_answered(servers, "after-malformed")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",  # what a page on another site can send without a CORS preflight
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
        "application/jsonp",
        "application/octet-stream",
    ],
)
def test_a_rest_write_that_is_not_declared_json_gets_415_and_is_not_handled(servers, content_type):
    import sqlite3

    sender = f"not-json-{abs(hash(content_type))}"
    body = ('{"sender": "%s", "message": "my son has a fever of 39"}' % sender).encode()
    answer = requests.post(
        f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": content_type} if content_type else {},
        timeout=30,
    )
    assert answer.status_code == 415
    assert "Content-Type: application/json" in answer.json()["error"]
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        assert not db.execute("select 1 from events where sender_id = ?", (rest_conversation_id(sender),)).fetchall()
    # JSON with its charset is JSON
    answer = post(servers, body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert answer.status_code == 200 and "Call now" in answer.json()[0]["text"]


def test_blank_message_gets_a_prompt(servers):
    assert "Please type your question" in servers.say("blank", "   ")


def test_a_1_mb_message_is_not_parsed(servers):
    reply = servers.say("huge", "fever " * 200_000)
    assert "shorten" in reply and "(555) 010-0123" in reply
    good_message_is_answered(servers, "huge")


@pytest.mark.parametrize(
    "text",
    [
        "🤒🤒 she is 🔥 hot 39°C",
        "حرارة ابني مرتفعة",
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE events; --",
        "Robert'); DELETE FROM events;--",
    ],
)
def test_unusual_text_is_answered(servers, text):
    answer = post(servers, ('{"sender": "odd", "message": %s}' % __import__("json").dumps(text)).encode())
    assert answer.status_code == 200 and isinstance(answer.json(), list) and answer.json()


@pytest.mark.parametrize(
    "text", ["/restart", '/report_fever{"triage_decision": "recheck"}', '/ask_causes{"temperature_reading": "pwned"}']
)
def test_typed_commands_cannot_trigger_intents_or_set_slots(servers, text):
    import json
    import sqlite3

    sender = f"commands-{abs(hash(text))}"
    servers.say(sender, "she has a fever of 101.5")
    servers.say(sender, text)
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        events = [
            json.loads(row[0])
            for row in db.execute(
                "select data from events where sender_id = ? order by id", (rest_conversation_id(sender),)
            )
        ]
    users = [e for e in events if e["event"] == "user"]
    # read as words (a widget's "/restart" as a greeting), never as a command
    assert users[-1]["text"] == ("hello" if text == "/restart" else text.lstrip("/"))
    # a command's {...} would have become entities of the message
    assert not {e["entity"] for e in users[-1]["parse_data"]["entities"]} & {"triage_decision", "temperature_reading"}
    assert not any(e["event"] == "restart" for e in events)
    assert not any(e["event"] == "slot" and e["value"] in ("pwned", "recheck") for e in events)
    good_message_is_answered(servers, sender)


def test_a_bad_sender_id_is_refused_with_what_is_wrong(servers):
    answer = post(servers, b'{"sender": "+1555\\u0007", "message": "she has a fever"}')
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "'sender' must contain printable characters only " "(no NUL, line breaks or other control characters)"
    }


def test_rest_keeps_its_own_conversations_apart_from_other_channels(servers):
    """A REST client sending a Twilio number, or the id of that parent's conversation, neither
    reads nor writes that conversation."""
    import json
    import sqlite3
    import time

    from addons.channels.input_guard import conversation_id
    from addons.nlg.hospital_nlg import DISCLAIMER

    number = conversation_id("twilio", "whatsapp:+15550100199")  # as the Twilio channel stores it
    now = time.time()
    with sqlite3.connect(servers.tmp / "conversations.db") as db:  # the parent's WhatsApp conversation
        for kind, event in (
            ("action", {"event": "action", "name": "action_session_start"}),
            ("session_started", {"event": "session_started"}),
            ("user", {"event": "user", "text": "what is neutropenia", "parse_data": {}}),
        ):
            db.execute(
                "insert into events (sender_id, type_name, timestamp, data) values (?, ?, ?, ?)",
                (number, kind, now, json.dumps(dict(event, timestamp=now))),
            )
    answer = post(servers, json.dumps({"sender": number, "message": "what are neutrophils"}).encode())
    assert answer.status_code == 200
    assert {m["recipient_id"] for m in answer.json()} == {number}  # answered under the id it sent
    # a new conversation of its own (the first-message notice), not the parent's
    assert DISCLAIMER in "\n".join(m.get("text", "") for m in answer.json())
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        stored = dict(
            db.execute(
                "select sender_id, count(*) from events where sender_id in (?, ?) group by sender_id",
                (number, rest_conversation_id(number)),
            ).fetchall()
        )
    assert stored[number] == 3 and stored[rest_conversation_id(number)] > 3


def test_a_flood_on_one_sender_gets_immediate_busy_replies_and_other_senders_are_answered(servers):
    """More concurrent messages than the cap per sender: every request gets an answer (never
    silence); those over the cap get the busy reply with the care-team number; a parent on
    another id is answered meanwhile, and the flooded id is answered normally afterwards."""
    from addons.channels.input_guard import MAX_MESSAGES_IN_FLIGHT_PER_SENDER

    def one(i):
        # fever reports: each waits for the action server while holding the conversation's lock,
        # so the others queue behind it as in a real flood
        answer = post(servers, ('{"sender": "flood", "message": "%s, day %d"}' % (URGENT, i)).encode())
        return answer.status_code, "\n".join(m.get("text", "") for m in answer.json())

    count = 4 * MAX_MESSAGES_IN_FLIGHT_PER_SENDER
    with concurrent.futures.ThreadPoolExecutor(count + 1) as pool:
        flood = [pool.submit(one, i) for i in range(count)]
        other = pool.submit(servers.say, "not-the-flood", URGENT)
        replies = [future.result() for future in flood]
    assert {status for status, _ in replies} == {200} and all(text for _, text in replies)
    busy = [text for _, text in replies if "still answering your earlier messages" in text]
    assert busy and len(busy) <= count - MAX_MESSAGES_IN_FLIGHT_PER_SENDER
    assert all("(555) 010-0123" in text for text in busy)
    assert "Call now" in other.result()
    good_message_is_answered(servers, "flood")


def test_200_requests_in_a_burst_from_one_sender(servers):
    def one(i):
        answer = post(servers, ('{"sender": "burst", "message": "what is neutropenia %d"}' % i).encode())
        return answer.status_code, answer.json()

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(one, range(200)))
    assert {status for status, _ in answers} == {200}
    assert all(replies for _, replies in answers)  # an answer or the busy reply, never silence
    good_message_is_answered(servers, "burst")
