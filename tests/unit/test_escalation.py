"""The escalation action renders the decision the Rasa server's NLU reader made, in the conversation:
a reading that came down after a call, the answer to the confirmation question.

Trackers are built as rasa_sdk receives them (Tracker.from_dict on the action server's request
body), from messages read by the real NLU reader (the `parse` fixture)."""

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.escalation import ActionEscalateFever
from clinical.vocabulary import (
    ASK_AGAIN,
    CALL_911,
    CALL_NOW_CAME_DOWN,
    CALL_NOW_FEVER,
    CALL_NOW_READING,
    CALL_NOW_SIGN,
    CONFIRM_READING,
    CONFIRM_URGENT,
    DECISION_SLOT,
    READING_SLOT,
    RECHECK,
)

HOUR = 3600.0


@pytest.fixture
def conversation(parse):
    """conversation((text, intent, decision the turn got or None), ...) -> the action's slots for the
    last message, which is `seconds_later` after the one before it."""

    def run(*turns, language="en", seconds_later=60.0):
        events, now = [], 1_800_000_000.0
        for index, (text, intent, decided) in enumerate(turns):
            now += seconds_later if index == len(turns) - 1 else 60.0
            events.append({"event": "user", "timestamp": now, "text": text, "parse_data": parse(text, intent)})
            if decided:
                events += [
                    {"event": "action", "timestamp": now, "name": "action_escalate_fever"},
                    {"event": "slot", "timestamp": now, "name": DECISION_SLOT, "value": decided},
                ]
        tracker = Tracker.from_dict(
            {
                "sender_id": "parent",
                "slots": {"language": language},
                "latest_message": events[-1]["parse_data"] if events[-1]["event"] == "user" else {},
                "events": events,
                "paused": False,
                "followup_action": None,
                "active_loop": {},
                "latest_action_name": "action_listen",
            }
        )
        dispatcher = CollectingDispatcher()
        result = asyncio.run(ActionEscalateFever().run(dispatcher, tracker, {}))
        assert dispatcher.messages == []  # the reply is the content team's response, chosen by the rules
        return {e["name"]: e["value"] for e in result if e["event"] == "slot"}

    return run


def test_a_reading_gets_its_decision_and_is_shown_as_read(conversation):
    slots = conversation(("she has a fever of 101.5", "report_fever", None))
    assert slots == {DECISION_SLOT: CALL_NOW_READING, READING_SLOT: "101.5 °F (38.6 °C), read as °F"}


def test_a_spanish_conversation_gets_the_reading_in_spanish(conversation):
    slots = conversation(("tiene 38,6", "report_fever", None), language="es")
    assert slots == {DECISION_SLOT: CALL_NOW_READING, READING_SLOT: "38,6 °C (101,5 °F), leído como °C"}


@pytest.mark.parametrize(
    "text", ["le di paracetamol porque tenía 38,6 y ya le bajó", "she had 38.6, i gave her tylenol and it went down"]
)
def test_a_reading_at_the_threshold_that_went_down_still_gets_call_now(conversation, text):
    """clinical-rules.md: a reading at or above the threshold once is a call; medicine can hide a fever."""
    assert conversation((text, "report_fever", None))[DECISION_SLOT] == CALL_NOW_READING


def test_a_number_that_is_not_a_temperature_is_asked_again(conversation):
    assert conversation(("temp is 55", "report_fever", None)) == {DECISION_SLOT: ASK_AGAIN, READING_SLOT: None}


@pytest.mark.parametrize(
    "earlier, later, language",
    [
        ("she was 38.7 an hour ago", "it came down by itself to 37.3, do I still call?", "en"),
        ("he's burning up and shivering", "the fever is gone now, do I still need to call?", "en"),
        ("tenía 38,9 hace una hora", "ya le bajó sola a 37,2, ¿todavía llamo?", "es"),
    ],
)
def test_a_call_earlier_in_the_day_is_not_undone_by_a_lower_reading(conversation, earlier, later, language):
    first = conversation((earlier, "report_fever", None), language=language)[DECISION_SLOT]
    slots = conversation((earlier, "report_fever", first), (later, "report_fever", None), language=language)
    assert slots[DECISION_SLOT] == CALL_NOW_CAME_DOWN


@pytest.mark.parametrize(
    "earlier, later, language",
    [
        ("she was 38.7 an hour ago", "retook it an hour later and it's higher now", "en"),
        ("he's burning up", "gave him tylenol and it still hasn't come down", "en"),
        ("tiene 38,9", "la volví a tomar y está más alta", "es"),
    ],
)
def test_a_follow_up_about_the_temperature_after_a_call_is_the_call_again(conversation, earlier, later, language):
    """No reading and no fever word in the follow-up: it means a fever only after the earlier turn."""
    first = conversation((earlier, "report_fever", None), language=language)[DECISION_SLOT]
    slots = conversation((earlier, "report_fever", first), (later, "share_situation", None), language=language)
    assert slots[DECISION_SLOT] == CALL_NOW_CAME_DOWN


@pytest.mark.parametrize(
    "earlier, later, intent, language",
    [
        ("she's 38.9", "should i give her tylenol first and wait a bit", "ask_personal_medical_advice", "en"),
        ("he's burning up", "can we wait till morning to call?", "share_situation", "en"),
        (
            "ya en casa y otra vez está ardiendo, 38,9",
            "le doy paracetamol primero y ya después llamo?",
            "share_situation",
            "es",
        ),
    ],
)
def test_after_a_call_a_question_whether_to_wait_or_medicate_first_is_the_call_again(
    conversation, earlier, later, intent, language
):
    """The call's answer to both: do not wait, give no fever medicine unless the team says so."""
    first = conversation((earlier, "report_fever", None), language=language)[DECISION_SLOT]
    slots = conversation((earlier, "report_fever", first), (later, intent, None), language=language)
    assert slots[DECISION_SLOT] == CALL_NOW_CAME_DOWN


def test_the_same_question_without_a_call_before_it_or_said_as_thanks_is_not_urgent(conversation):
    assert conversation(("should i give her tylenol first and wait a bit", "ask_personal_medical_advice", None)) == {}
    assert conversation(("she's 38.9", "report_fever", CALL_NOW_READING), ("thanks, calling now", "thank", None)) == {}


def test_after_a_call_a_doubt_whether_the_child_has_it_now_is_the_call_again(conversation):
    """The classifier reads a report where the rules find no urgent word: asked in a new
    conversation, but a call earlier in the day stands."""
    later = ("she just seems off to me", "report_fever", None)
    assert conversation(later)[DECISION_SLOT] == CONFIRM_URGENT
    assert conversation(("she was 38.7 an hour ago", "report_fever", CALL_NOW_READING), later)[DECISION_SLOT] == (
        CALL_NOW_CAME_DOWN
    )


@pytest.mark.parametrize(
    "earlier, later, language",
    [
        ("her temp is 37.6", "rechecked and it's going up", "en"),
        ("tiene 37,5 en la axila", "sigue subiendo", "es"),
    ],
)
def test_a_rise_after_a_lower_reading_is_asked_and_yes_is_a_call(conversation, earlier, later, language):
    first = conversation((earlier, "report_fever", None), language=language)[DECISION_SLOT]
    assert first == RECHECK
    asked = conversation((earlier, "report_fever", first), (later, "share_situation", None), language=language)
    assert asked[DECISION_SLOT] == CONFIRM_URGENT
    turns = ((earlier, "report_fever", first), (later, "share_situation", CONFIRM_URGENT))
    yes = "sí" if language == "es" else "yes"
    assert conversation(*turns, (yes, "affirm", None), language=language)[DECISION_SLOT] == CALL_NOW_FEVER
    assert conversation(*turns, ("no", "deny", None), language=language) == {}  # the Rasa server answers


def test_the_same_follow_up_words_without_an_earlier_temperature_are_not_urgent(conversation):
    assert conversation(("what causes it", "ask_causes", None), ("her counts went up", "share_situation", None)) == {}


def test_a_follow_up_a_day_after_the_call_is_not_read_as_one(conversation):
    slots = conversation(
        ("she was 38.7 an hour ago", "report_fever", CALL_NOW_READING),
        ("retook it and it's higher", "share_situation", None),
        seconds_later=25 * HOUR,
    )
    assert slots == {}


def test_a_day_later_a_lower_reading_is_a_recheck_again(conversation):
    slots = conversation(
        ("she was 38.7 an hour ago", "report_fever", CALL_NOW_READING),
        ("she's 37.3 this morning", "report_fever", None),
        seconds_later=25 * HOUR,
    )
    assert slots[DECISION_SLOT] == RECHECK


def test_yes_to_the_question_gets_the_call_it_was_about(conversation):
    asked = ("I'm worried, she had a fever and cough two weeks ago", "report_fever", CONFIRM_URGENT)
    assert conversation(asked, ("yes", "affirm", None))[DECISION_SLOT] in (CALL_NOW_SIGN, "call_now_fever")
    assert conversation(("si tiene fiebre qué hago", "report_fever", CONFIRM_URGENT), ("sí", "affirm", None))


def test_no_to_the_question_leaves_the_answer_to_the_rasa_server(conversation):
    assert conversation(("si tiene fiebre qué hago", "ask_when_to_call", CONFIRM_URGENT), ("no", "deny", None)) == {}


def test_no_to_the_reading_question_answers_the_question_the_parent_asked(conversation):
    asked = ("her anc was 100 again this morning, is 100 considered severe?", "ask_anc", CONFIRM_READING)
    assert conversation(asked, ("no", "deny", None)) == {}  # the Rasa server answers ask_anc


def test_no_to_the_reading_question_of_a_bare_reading_asks_for_the_temperature(conversation):
    asked = ("37,3 en la axila", "report_fever", CONFIRM_READING)
    assert conversation(asked, ("no", "deny", None), language="es")[DECISION_SLOT] == ASK_AGAIN


def test_neither_yes_nor_no_to_the_question_is_a_call(conversation):
    asked = ("si no respira que hago", "ask_when_to_call", CONFIRM_URGENT)
    assert conversation(asked, ("no sé, respira raro", "ask_when_to_call", None))[DECISION_SLOT] == CALL_911
