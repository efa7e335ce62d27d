"""End to end through the REST channel of the real servers: a fever report gets "Call now"
with the care-team number, with the action server running and with it stopped."""

from addons.nlg.hospital_nlg import DISCLAIMER
from tests.live.conftest import TEST_CARE_TEAM_PHONE
from tests.live.test_understanding import said


def test_fever_report_gets_call_now_with_the_number(servers):
    reply = servers.say("parent-fever", "she has a fever of 101.5")
    assert "Call now" in reply
    assert TEST_CARE_TEAM_PHONE in reply
    assert "101.5 °F (38.6 °C)" in reply
    assert "no fever medicine" in reply and "rectal" in reply
    assert DISCLAIMER in reply  # first message of the conversation


def test_topic_question_gets_its_sourced_answer(servers):
    reply = servers.say("parent-question", "what causes neutropenia in kids?")
    assert "chemotherapy" in reply.lower()
    assert "Source: UCSF Benioff Children's Hospitals" in reply
    assert "Call now" not in reply


def test_reading_below_threshold_gets_recheck_guidance_not_call_now(servers):
    reply = servers.say("parent-low", "her temp is 99.1")
    assert "Call now" not in reply
    assert "about an hour" in reply and TEST_CARE_TEAM_PHONE in reply


def test_emergency_gets_call_911_first(servers):
    assert servers.say("parent-911", "my son is not breathing").startswith("Call 911 now")


def test_fever_report_still_gets_call_now_with_the_action_server_stopped(servers):
    servers.stop_actions()
    reply = servers.say("parent-fever-2", "my daughter has a fever of 38.9")
    assert "Call now" in reply
    assert TEST_CARE_TEAM_PHONE in reply
    assert servers.say("parent-sign-2", "redness spreading around his port site").startswith("Call now")
    assert servers.say("parent-911-2", "her lips are blue").startswith("Call 911 now")
    # and ordinary questions are still answered (they need no action server)
    assert "Source:" in servers.say("parent-question-2", "what are neutrophils")
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
    again = servers.say("parent-restart", "how is neutropenia treated")
    assert "Source:" in again and DISCLAIMER not in again
