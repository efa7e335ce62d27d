"""The Rasa-server-side safety net: the one urgency decision is always rendered, the same with the
action server up or down, and a "no" to the confirmation question gets the answer asked for."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.policies.urgent_safety_policy import UrgentSafetyPolicy, next_safety_action
from clinical.vocabulary import (
    CALL_911_RESPONSE,
    CALL_NOW_CAME_DOWN_RESPONSE,
    CALL_NOW_FEVER_RESPONSE,
    CALL_NOW_READING,
    CALL_NOW_READING_RESPONSE,
    CALL_NOW_SIGN_RESPONSE,
    CONFIRM_URGENT,
    CONFIRM_URGENT_RESPONSE,
    DECISION_SLOT,
    ESCALATION_ACTION,
    READING_SLOT,
)
from tools.project_domain import load_domain

DOMAIN = load_domain()


@pytest.fixture
def message(parse):
    """A parent's message as the Rasa server's NLU read it, as a tracker event."""

    def user(text, intent="ask_what_is_neutropenia", confidence=0.9, timestamp=None):
        data = parse(text, intent, confidence)
        return UserUttered(text, data["intent"], data["entities"], parse_data=data, timestamp=timestamp)

    return user


def tracker(*events):
    return DialogueStateTracker.from_events("parent", [ActionExecuted("action_listen"), *events], slots=DOMAIN.slots)


def failed(user_event):
    """The action server was down: the action ran, set nothing and said nothing."""
    return tracker(user_event, ActionExecuted(ESCALATION_ACTION))


@pytest.mark.parametrize(
    "text, intent, response",
    [
        ("she has a fever of 101.5", "report_fever", CALL_NOW_READING_RESPONSE),
        ("his lips are blue", "report_emergency", CALL_911_RESPONSE),
        ("fever and a seizure", "report_fever", CALL_911_RESPONSE),
        ("he's shivering", "report_infection_sign", CALL_NOW_SIGN_RESPONSE),
        # a normal reading and a sign: the sign's reply, as the action would give
        ("her temp is 37.2 and she has a cough", "report_fever", CALL_NOW_SIGN_RESPONSE),
        ("she's burning up", "report_fever", CALL_NOW_FEVER_RESPONSE),
        # no question while the action server is down: the Call now its "yes" would get
        ("si tiene fiebre qué hago", "ask_when_to_call", CALL_NOW_FEVER_RESPONSE),
        ("si no respira que hago", "ask_when_to_call", CALL_911_RESPONSE),
    ],
)
def test_a_failed_escalation_gets_the_decision_the_action_would_have_rendered(message, text, intent, response):
    action, events = next_safety_action(failed(message(text, intent)), DOMAIN)
    assert action == response
    assert events[0] == SlotSet(DECISION_SLOT, events[0].value) and events[0].value  # the rules see it too


def test_the_reading_is_shown_when_the_policy_renders_it(message):
    _, events = next_safety_action(failed(message("temp 38,6", "report_fever")), DOMAIN)
    assert SlotSet(DECISION_SLOT, CALL_NOW_READING) in events
    assert SlotSet(READING_SLOT, "38.6 °C (101.5 °F), read as °C") in events


def test_an_intent_sent_as_a_payload_without_the_nlu_still_gets_call_now():
    payload = UserUttered("/report_fever", {"name": "report_fever", "confidence": 1.0}, [])
    assert next_safety_action(tracker(payload), DOMAIN)[0] == ESCALATION_ACTION
    assert next_safety_action(failed(payload), DOMAIN)[0] == CALL_NOW_FEVER_RESPONSE


def test_after_its_own_reply_the_bot_listens(message):
    events = (
        message("fever", "report_fever"),
        ActionExecuted(ESCALATION_ACTION),
        SlotSet(DECISION_SLOT, "call_now_fever"),
    )
    answered = tracker(*events, ActionExecuted(CALL_NOW_FEVER_RESPONSE), BotUttered("Call now: ..."))
    assert next_safety_action(answered, DOMAIN)[0] == "action_listen"


def test_a_working_escalation_is_left_to_the_rules(message):
    t = tracker(message("fever 101", "report_fever"), ActionExecuted(ESCALATION_ACTION), SlotSet(DECISION_SLOT, "x"))
    assert next_safety_action(t, DOMAIN) == (None, [])


@pytest.mark.parametrize(
    "text, intent",
    [
        ("he's feverish and his cheeks are red", "ask_cyclic"),  # a report misread as a topic question
        ("kid hs fevr??", "nlu_fallback"),  # a report the classifier could not place
        ("si tiene fiebre qué hago", "ask_when_to_call"),  # the question is asked through the action too
    ],
)
def test_every_turn_with_a_decision_goes_to_the_escalation_action(message, text, intent):
    assert next_safety_action(tracker(message(text, intent, 0.6)), DOMAIN)[0] == ESCALATION_ACTION


def test_a_no_to_the_question_gets_the_answer_to_what_was_asked(message):
    asked = message("my daughter had a fever and cough two weeks ago, what causes neutropenia?", "ask_causes")
    assert asked.parse_data["triage"]["decision"] == CONFIRM_URGENT
    history = (asked, ActionExecuted(ESCALATION_ACTION), SlotSet(DECISION_SLOT, CONFIRM_URGENT))
    history += (
        ActionExecuted(CONFIRM_URGENT_RESPONSE),
        BotUttered("Just to be sure..."),
        ActionExecuted("action_listen"),
    )
    no = message("no", "deny")
    assert next_safety_action(tracker(*history, no), DOMAIN) == ("utter_causes", [])
    answered = tracker(*history, no, ActionExecuted("utter_causes"), BotUttered("Neutropenia can be caused..."))
    assert next_safety_action(answered, DOMAIN)[0] == "action_listen"


def test_a_lower_reading_after_a_call_keeps_the_call_with_the_action_server_down(message):
    first = message("she was 38.7 an hour ago", "report_fever", timestamp=1_800_000_000.0)
    history = (first, ActionExecuted(ESCALATION_ACTION), SlotSet(DECISION_SLOT, CALL_NOW_READING))
    later = message("it came down by itself to 37.3, do I still call?", "report_fever", timestamp=1_800_003_600.0)
    assert next_safety_action(tracker(*history, later, ActionExecuted(ESCALATION_ACTION)), DOMAIN)[0] == (
        CALL_NOW_CAME_DOWN_RESPONSE
    )


def test_a_rise_after_a_lower_reading_gets_call_now_with_the_action_server_down(message):
    """The follow-up is asked when the action server is up; down, no question: its yes, a call."""
    first = message("her temp is 37.6", "report_fever", timestamp=1_800_000_000.0)
    history = (first, ActionExecuted(ESCALATION_ACTION), SlotSet(DECISION_SLOT, "recheck"))
    later = message("rechecked and it's going up", "share_situation", timestamp=1_800_001_800.0)
    assert next_safety_action(tracker(*history, later), DOMAIN)[0] == ESCALATION_ACTION
    action = next_safety_action(tracker(*history, later, ActionExecuted(ESCALATION_ACTION)), DOMAIN)[0]
    assert action == CALL_NOW_FEVER_RESPONSE


def test_ordinary_turns_are_left_alone(message):
    assert next_safety_action(tracker(message("what causes it", "ask_causes")), DOMAIN) == (None, [])
    assert next_safety_action(tracker(message("can neutropenia cause diarrhea", "ask_symptoms")), DOMAIN) == (None, [])
    greeted = tracker(message("hi", "greet"), ActionExecuted("utter_greet"), BotUttered("Hi"))
    assert next_safety_action(greeted, DOMAIN) == (None, [])


def test_policy_prediction_outranks_rule_policy_and_carries_the_slots(tmp_path, message):
    policy = UrgentSafetyPolicy.create(
        UrgentSafetyPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("safety"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    prediction = policy.predict_action_probabilities(failed(message("she has a fever", "report_fever")), DOMAIN)
    assert prediction.max_confidence == 1.0
    assert DOMAIN.action_names_or_texts[prediction.max_confidence_index] == CALL_NOW_FEVER_RESPONSE
    assert prediction.policy_priority > 6  # RulePolicy's priority
    assert SlotSet(DECISION_SLOT, "call_now_fever") in prediction.events
    quiet = policy.predict_action_probabilities(tracker(message("hi", "greet")), DOMAIN)
    assert quiet.max_confidence == 0.0
