"""The escalation action's decision, and the replies a parent reads for each decision."""

import asyncio
import re

import pytest
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalateFever
from actions.hospital_settings import HospitalSettings
from actions.urgent_vocabulary import CALL_911, CALL_NOW_DECISIONS, RESPONSE_FOR_DECISION
from addons.nlg.hospital_nlg import DISCLAIMER, HospitalNaturalLanguageGenerator
from tools.project_domain import load_domain

SETTINGS = HospitalSettings("Test Children's", "(555) 010-0140", "(555) 010-0199", 38.0)
DOMAIN = load_domain()


def sdk_tracker(text, intent, entities, language="en"):
    return Tracker(
        "parent",
        {"language": language},
        {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities},
        [],
        False,
        None,
        {},
        "action_listen",
    )


def run_action(text, intent, entities, language="en"):
    dispatcher = CollectingDispatcher()
    tracker = sdk_tracker(text, intent, entities, language)
    events = asyncio.run(ActionEscalateFever(SETTINGS).run(dispatcher, tracker, {}))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


def render(response, slots=None, first_message=False):
    nlg = HospitalNaturalLanguageGenerator(domain=DOMAIN, settings=SETTINGS)
    tracker = DialogueStateTracker.from_events("parent", [], slots=DOMAIN.slots)
    for name, value in (slots or {}).items():
        tracker.update(SlotSet(name, value))
    if not first_message:
        tracker.update(BotUttered("earlier answer"))
    return asyncio.run(nlg.generate(response, tracker, "rest"))["text"]


def test_action_sets_decision_and_reading(entities_of):
    text = "she has a fever of 101.5"
    slots, messages = run_action(text, "report_fever", entities_of(text))
    assert slots == {"triage_decision": "call_now_reading", "temperature_reading": "101.5 °F (38.6 °C), read as °F"}
    assert messages == []  # the reply is the content team's response, chosen by the rules


def test_a_spanish_conversation_gets_the_reading_in_spanish(entities_of):
    text = "tiene 38,6"
    slots, _ = run_action(text, "report_fever", entities_of(text), language="es")
    assert slots == {"triage_decision": "call_now_reading", "temperature_reading": "38,6 °C (101,5 °F), leído como °C"}


@pytest.mark.parametrize(
    "text",
    [
        "le di paracetamol porque tenía 38,6 y ya le bajó",
        "she had 38.6, i gave her tylenol and it went down",
    ],
)
def test_a_reading_at_the_threshold_that_went_down_still_gets_call_now(entities_of, text):
    """clinical-rules.md: a reading at or above the threshold once is a call; medicine can hide a fever."""
    slots, _ = run_action(text, "report_fever", entities_of(text))
    assert slots["triage_decision"] == "call_now_reading"


def test_action_asks_again_for_a_number_that_is_not_a_temperature(entities_of):
    slots, _ = run_action("temp is 55", "report_fever", entities_of("temp is 55"))
    assert slots == {"triage_decision": "ask_again", "temperature_reading": None}


def test_threshold_comes_from_the_settings(entities_of):
    text = "temp is 38.1"
    strict = HospitalSettings("H", "(555) 010-0140", "(555) 010-0199", 38.3)
    dispatcher = CollectingDispatcher()
    events = asyncio.run(
        ActionEscalateFever(strict).run(dispatcher, sdk_tracker(text, "report_fever", entities_of(text)), {})
    )
    assert events[0]["value"] == "recheck"
    slots, _ = run_action(text, "report_fever", entities_of(text))
    assert slots["triage_decision"] == "call_now_reading"


@pytest.mark.parametrize("decision", sorted(CALL_NOW_DECISIONS - {CALL_911}))
def test_call_now_replies_say_call_now_with_the_number_and_what_to_do_meanwhile(decision):
    text = render(RESPONSE_FOR_DECISION[decision], {"temperature_reading": "101.5 °F (38.6 °C)"})
    assert text.startswith("Call now: (555) 010-0140")
    assert "no fever medicine" in text
    assert "don't take a rectal temperature" in text
    assert re.search(r"tell the nurse (the|any) reading, how you took it and when", text)
    assert "Source: " in text


def test_911_reply_comes_first_and_names_the_care_team():
    text = render("utter_call_911_now")
    assert text.startswith("Call 911 now.")
    assert "(555) 010-0140" in text


def test_below_threshold_reply_is_not_call_now_but_says_when_to_call():
    text = render("utter_recheck_temperature", {"temperature_reading": "99.1 °F (37.3 °C)"})
    assert "Call now" not in text
    assert "99.1 °F (37.3 °C)" in text
    assert "38.0 °C (100.4 °F)" in text
    assert "about an hour" in text and "(555) 010-0140" in text


def test_first_message_carries_the_disclaimer_once():
    first = render("utter_call_now_fever", first_message=True)
    later = render("utter_call_now_fever")
    assert first.startswith("Call now:") and first.endswith(DISCLAIMER)
    assert DISCLAIMER not in later


@pytest.mark.parametrize(
    "text, decision",
    [
        ("tiene 39 de fiebre", "call_now_reading"),
        ("tiene 55 de fiebre", "call_now_fever"),  # a fever in words, the number unreadable
        ("está hirviendo en calentura", "call_now_fever"),
        ("tiene escalofríos y le duele al orinar", "call_now_sign"),
        ("no respira y tiene los labios morados", CALL_911),
        ("tiene 37,5", "recheck"),
    ],
)
def test_a_spanish_report_gets_the_same_decision_as_an_english_one(entities_of, text, decision):
    slots, _ = run_action(text, "report_fever", entities_of(text))
    assert slots["triage_decision"] == decision
