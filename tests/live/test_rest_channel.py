"""End to end through the REST channel of the real servers: a fever report gets "Call now"
with the care-team number, with the action server running and with it stopped. Replies are
recognised by the domain response they were rendered from (tests/live/test_understanding.py's
`said`), so a reworded answer changes nothing here."""

from addons.nlg.hospital_nlg import DISCLAIMER
from tests.live.conftest import TEST_CARE_TEAM_PHONE
from tests.live.test_understanding import PATTERNS, said
from tests.live.test_understanding import replies as replies_to
from tools.blind_evaluation import classify


def test_fever_report_gets_call_now_with_the_number(servers):
    replies = [m["text"] for m in replies_to(servers, "parent-fever", "she has a fever of 101.5")]
    assert classify(replies, PATTERNS) == ["utter_call_now_reading"]
    reply = "\n".join(replies)
    assert TEST_CARE_TEAM_PHONE in reply  # the hospital settings, filled in
    assert "101.5 °F (38.6 °C)" in reply  # the reading as the action read it
    assert DISCLAIMER in reply  # first message of the conversation


def test_topic_question_gets_its_sourced_answer(servers):
    assert said(servers, "parent-question", "what causes neutropenia in kids?") == ["utter_causes"]


def test_reading_below_threshold_gets_recheck_guidance_not_call_now(servers):
    assert said(servers, "parent-low", "her temp is 99.1") == ["utter_recheck_temperature"]


def test_emergency_gets_call_911_first(servers):
    assert said(servers, "parent-911", "my son is not breathing") == ["utter_call_911_now"]


def test_fever_report_still_gets_call_now_with_the_action_server_stopped(servers):
    servers.stop_actions()
    replies = [m["text"] for m in replies_to(servers, "parent-fever-2", "my daughter has a fever of 38.9")]
    assert classify(replies, PATTERNS) == ["utter_call_now_reading"] and TEST_CARE_TEAM_PHONE in replies[0]
    assert said(servers, "parent-sign-2", "redness spreading around his port site") == ["utter_call_now_sign"]
    assert said(servers, "parent-911-2", "her lips are blue") == ["utter_call_911_now"]
    # and ordinary questions are still answered (they need no action server)
    assert said(servers, "parent-question-2", "what are neutrophils") == ["utter_neutrophils"]
    # the same decision the action would render: a normal reading and a cough get the sign's reply
    assert said(servers, "parent-sign-3", "her temp is 37.2 and she has a cough") == ["utter_call_now_sign"]
    # and no question while part of the system is down: the Call now a "yes" would get
    assert said(servers, "parent-unsure-2", "si tiene fiebre qué hago") == ["utter_call_now_fever"]


def test_conversation_is_kept_in_the_sql_tracker_store(servers):
    import sqlite3

    from addons.channels.input_guard import rest_conversation_id

    servers.say("parent-stored", "what is neutropenia")
    with sqlite3.connect(servers.tmp / "conversations.db") as db:
        types = [
            row[0]
            for row in db.execute(
                "select type_name from events where sender_id = ? order by id", (rest_conversation_id("parent-stored"),)
            )
        ]
    assert "user" in types and "bot" in types


def test_conversation_survives_a_server_restart(servers):
    first = servers.say("parent-restart", "what are neutrophils")
    assert DISCLAIMER in first
    servers.rasa.terminate()
    servers.rasa.wait(timeout=30)
    servers.start_rasa()
    # the same conversation goes on: it is not greeted as new (no second disclaimer)
    again = [m["text"] for m in replies_to(servers, "parent-restart", "how is neutropenia treated")]
    assert classify(again, PATTERNS) == ["utter_treatment"] and DISCLAIMER not in "\n".join(again)
