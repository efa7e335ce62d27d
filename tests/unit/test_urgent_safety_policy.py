"""The Rasa-server-side safety net: no urgent message is ever answered with silence."""

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.urgent_vocabulary import (
    CALL_911_RESPONSE,
    CALL_NOW_FEVER_RESPONSE,
    CALL_NOW_READING,
    CALL_NOW_SIGN_RESPONSE,
    DECISION_SLOT,
    ESCALATION_ACTION,
)
from addons.policies.urgent_safety_policy import UrgentSafetyPolicy, next_safety_action
from tools.project_domain import load_domain

DOMAIN = load_domain()


def user(text, intent, confidence=0.95, entities=(), ranking=None):
    parse = {"name": intent, "confidence": confidence}
    return UserUttered(
        text,
        parse,
        list(entities),
        parse_data={
            "intent": parse,
            "entities": list(entities),
            "text": text,
            "intent_ranking": ranking or [parse],
        },
    )


def tracker(*events):
    return DialogueStateTracker.from_events("parent", [ActionExecuted("action_listen"), *events], slots=DOMAIN.slots)


def test_failed_escalation_gets_the_call_now_reply():
    # the action server was down: the action ran, set nothing and said nothing
    t = tracker(user("she has a fever of 101.5", "report_fever"), ActionExecuted(ESCALATION_ACTION))
    assert next_safety_action(t) == CALL_NOW_FEVER_RESPONSE


def test_failed_escalation_of_an_emergency_gets_call_911():
    t = tracker(user("his lips are blue", "report_emergency"), ActionExecuted(ESCALATION_ACTION))
    assert next_safety_action(t) == CALL_911_RESPONSE
    seizure = {"entity": "life_threatening_sign", "value": "seizure", "start": 0, "end": 7}
    t = tracker(user("fever and a seizure", "report_fever", entities=[seizure]), ActionExecuted(ESCALATION_ACTION))
    assert next_safety_action(t) == CALL_911_RESPONSE


def test_failed_escalation_of_an_infection_sign_gets_its_call_now_reply():
    t = tracker(user("he's shivering", "report_infection_sign"), ActionExecuted(ESCALATION_ACTION))
    assert next_safety_action(t) == CALL_NOW_SIGN_RESPONSE


def test_after_the_fallback_reply_the_bot_listens():
    t = tracker(
        user("fever", "report_fever"),
        ActionExecuted(ESCALATION_ACTION),
        ActionExecuted(CALL_NOW_FEVER_RESPONSE),
        BotUttered("Call now: ..."),
    )
    assert next_safety_action(t) == "action_listen"


def test_a_working_escalation_is_left_to_the_rules():
    t = tracker(
        user("fever 101", "report_fever"), ActionExecuted(ESCALATION_ACTION), SlotSet(DECISION_SLOT, CALL_NOW_READING)
    )
    assert next_safety_action(t) is None


def test_unsure_classifier_with_fever_words_escalates_instead_of_asking_to_rephrase():
    fever = {"entity": "fever_phrase", "value": "fevr", "start": 7, "end": 11}
    t = tracker(user("kid hs fevr??", "nlu_fallback", 0.6, [fever]))
    assert next_safety_action(t) == ESCALATION_ACTION
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "report_infection_sign", "confidence": 0.4}]
    t = tracker(user("she looks off and pale", "nlu_fallback", 0.6, ranking=ranking))
    assert next_safety_action(t) == ESCALATION_ACTION


def test_a_report_misread_as_a_topic_question_is_escalated():
    fever = {"entity": "fever_phrase", "value": "feverish", "start": 5, "end": 13}
    t = tracker(user("he's feverish and his cheeks are red", "ask_cyclic", 0.74, [fever]))
    assert next_safety_action(t) == ESCALATION_ACTION


def test_a_question_that_names_a_sign_is_answered_not_escalated():
    # the project's spaCy pipeline marks these mentions (spacy_pipeline/urgent_context.py)
    diarrhea = {
        "entity": "infection_sign",
        "value": "diarrhea",
        "start": 23,
        "end": 31,
        "assertion": "general_question",
    }
    assert next_safety_action(tracker(user("can neutropenia cause diarrhea", "ask_symptoms", 0.9, [diarrhea]))) is None
    fever = {"entity": "fever_phrase", "value": "fever", "start": 15, "end": 20, "assertion": "hypothetical"}
    assert next_safety_action(tracker(user("what counts as fever in kids?", "ask_when_to_call", 0.9, [fever]))) is None


def test_ordinary_turns_are_left_alone():
    assert next_safety_action(tracker(user("what causes it", "ask_causes"))) is None
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "ask_causes", "confidence": 0.3}]
    assert next_safety_action(tracker(user("blorp", "nlu_fallback", 0.6, ranking=ranking))) is None
    assert next_safety_action(tracker(user("hi", "greet"), ActionExecuted("utter_greet"), BotUttered("Hi"))) is None


def test_policy_prediction_outranks_rule_policy(tmp_path):
    storage = LocalModelStorage(tmp_path)
    policy = UrgentSafetyPolicy.create(
        UrgentSafetyPolicy.get_default_config(),
        storage,
        Resource("safety"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    t = tracker(user("she has a fever", "report_fever"), ActionExecuted(ESCALATION_ACTION))
    prediction = policy.predict_action_probabilities(t, DOMAIN)
    assert prediction.max_confidence == 1.0
    assert DOMAIN.action_names_or_texts[prediction.max_confidence_index] == CALL_NOW_FEVER_RESPONSE
    assert prediction.policy_priority > 6  # RulePolicy's priority
    quiet = policy.predict_action_probabilities(tracker(user("hi", "greet")), DOMAIN)
    assert quiet.max_confidence == 0.0


def test_a_mention_without_a_verdict_counts_as_reported():
    # safety first: an entity the pipeline did not judge is taken as a report
    cough = {"entity": "infection_sign", "value": "cough", "start": 9, "end": 14}
    assert next_safety_action(tracker(user("is a bad cough a sign", "ask_symptoms", 0.9, [cough]))) == ESCALATION_ACTION
