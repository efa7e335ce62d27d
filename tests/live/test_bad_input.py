"""Bad input against the running server (REST channel): never a 500, never a crash, and the
next good message is answered."""
import concurrent.futures

import pytest
import requests

URGENT = "she has a fever of 101.5"


def post(servers, body, headers=None):
    return requests.post(f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook",
                         data=body, headers=headers or {"Content-Type": "application/json"}, timeout=60)


def good_message_is_answered(servers, sender):
    reply = servers.say(sender, URGENT)
    assert "Call now" in reply


@pytest.mark.parametrize("body,status", [
    (b"", 400),
    (b"[1, 2, 3]", 400),
    (b'{"sender": "bad-1"}', 200),  # no message: a prompt
    (b'{"sender": "bad-2", "message": null}', 200),
    (b'{"message": "hi"}', 400),  # no sender
    (b'{"sender": "bad-3", "message": 42}', 400),
    (b'{"sender": "bad-4", "message": "\xff\xfe fever"}', 400),  # invalid UTF-8
    (b"not json at all", 400),
])
def test_malformed_bodies_are_refused_cleanly(servers, body, status):
    answer = post(servers, body)
    assert answer.status_code == status, answer.text
    good_message_is_answered(servers, "after-malformed")


def test_blank_message_gets_a_prompt(servers):
    assert "Please type your question" in servers.say("blank", "   ")


def test_a_1_mb_message_is_not_parsed(servers):
    reply = servers.say("huge", "fever " * 200_000)
    assert "shorten" in reply and "(555) 010-0123" in reply
    good_message_is_answered(servers, "huge")


@pytest.mark.parametrize("text", ["🤒🤒 she is 🔥 hot 39°C", "حرارة ابني مرتفعة", "<img src=x onerror=alert(1)>",
                                  "'; DROP TABLE events; --", "Robert'); DELETE FROM events;--"])
def test_unusual_text_is_answered(servers, text):
    answer = post(servers, ('{"sender": "odd", "message": %s}' % __import__("json").dumps(text)).encode())
    assert answer.status_code == 200 and isinstance(answer.json(), list) and answer.json()


@pytest.mark.parametrize("text", ['/restart', '/report_fever{"triage_decision": "recheck"}',
                                  '/ask_causes{"temperature_reading": "pwned"}'])
def test_typed_commands_cannot_trigger_intents_or_set_slots(servers, text):
    import json
    import sqlite3

    sender = f"commands-{abs(hash(text))}"
    servers.say(sender, "she has a fever of 101.5")
    servers.say(sender, text)
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        events = [json.loads(row[0]) for row in db.execute(
            "select data from events where sender_id = ? order by id", (sender,))]
    users = [e for e in events if e["event"] == "user"]
    # read as words (a widget's "/restart" as a greeting), never as a command
    assert users[-1]["text"] == ("hello" if text == "/restart" else text.lstrip("/"))
    # a command's {...} would have become entities of the message
    assert not {e["entity"] for e in users[-1]["parse_data"]["entities"]} & {"triage_decision", "temperature_reading"}
    assert not any(e["event"] == "restart" for e in events)
    assert not any(e["event"] == "slot" and e["value"] in ("pwned", "recheck") for e in events)
    good_message_is_answered(servers, sender)


def test_200_requests_in_a_burst_from_one_sender(servers):
    def one(i):
        return post(servers, ('{"sender": "burst", "message": "what is neutropenia %d"}' % i).encode()).status_code

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(one, range(200)))
    assert set(codes) == {200}
    good_message_is_answered(servers, "burst")
