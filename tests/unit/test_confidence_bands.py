"""Three confidence bands (addons/policies/confidence_bands.py): an unsure best guess is answered, then
the next likeliest topics are offered as buttons, built from the answers' metadata."""

import tempfile
from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.policies.confidence_bands import OFFER_RESPONSE, ConfidenceBandPolicy, alternatives, topic_answers
from tools.project_domain import load_domain

DOMAIN = load_domain()
STORAGE = LocalModelStorage(Path(tempfile.mkdtemp()))
ANSWERS = topic_answers(DOMAIN.responses)


def parse(intent, confidence, *others):
    ranking = [{"name": intent, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in others]
    return {
        "text": "x",
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking,
        "entities": [],
    }


def tracker_after(parse_data, *actions):
    events = [ActionExecuted("action_listen"), UserUttered("x", parse_data["intent"], [], parse_data)]
    for action in actions:
        events += [ActionExecuted(action), BotUttered("answer")]
    return DialogueStateTracker.from_events("parent", events)


def policy(unsure_below=0.5):
    return ConfidenceBandPolicy(
        {**ConfidenceBandPolicy.get_default_config(), "priority": 6.5, "unsure_below": unsure_below},
        STORAGE,
        Resource("bands"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def test_every_topic_answer_names_its_intent_topic_and_question():
    assert {"ask_treatment", "ask_cyclic", "ask_gcsf", "ask_when_to_call"} <= set(ANSWERS)
    for answer in ANSWERS.values():
        assert answer["response"] in DOMAIN.responses and answer["topic"] and answer["question"].endswith("?")


def test_an_unsure_answer_is_followed_by_the_next_likeliest_topics():
    data = parse("ask_treatment", 0.42, ("ask_gcsf", 0.3), ("ask_cyclic", 0.12), ("greet", 0.1), ("ask_anc", 0.01))
    assert policy().next_action(tracker_after(data, "utter_treatment"), DOMAIN) == OFFER_RESPONSE
    buttons = alternatives(data, ANSWERS)
    assert [b["payload"] for b in buttons] == [ANSWERS["ask_gcsf"]["question"], ANSWERS["ask_cyclic"]["question"]]


def test_a_confident_answer_stands_alone():
    data = parse("ask_treatment", 0.8, ("ask_gcsf", 0.15))
    assert policy().next_action(tracker_after(data, "utter_treatment"), DOMAIN) is None


def test_no_offer_before_the_answer_or_without_a_plausible_alternative():
    unsure = parse("ask_treatment", 0.42, ("ask_gcsf", 0.3))
    assert policy().next_action(tracker_after(unsure), DOMAIN) is None  # the rules answer first
    alone = parse("ask_treatment", 0.42, ("greet", 0.5), ("ask_gcsf", 0.02))
    assert policy().next_action(tracker_after(alone, "utter_treatment"), DOMAIN) is None


def test_after_the_offer_the_assistant_listens():
    data = parse("ask_treatment", 0.42, ("ask_gcsf", 0.3))
    assert policy().next_action(tracker_after(data, "utter_treatment", OFFER_RESPONSE), DOMAIN) == "action_listen"


def test_an_urgent_reply_is_never_followed_by_an_offer():
    data = parse("report_fever", 0.42, ("ask_when_to_call", 0.3))
    assert policy().next_action(tracker_after(data, "action_escalate_fever"), DOMAIN) is None


def test_policy_prediction_outranks_rule_policy_at_equal_confidence():
    data = parse("ask_treatment", 0.42, ("ask_gcsf", 0.3))
    prediction = policy().predict_action_probabilities(tracker_after(data, "utter_treatment"), DOMAIN)
    assert prediction.max_confidence == 1.0 and prediction.policy_priority > 6
    assert DOMAIN.action_names_or_texts[prediction.probabilities.index(1.0)] == OFFER_RESPONSE


def with_kind(data, value):
    return {**data, "entities": [{"entity": "neutropenia_type", "value": value, "start": 0, "end": 1}]}


def test_a_question_that_names_a_topic_and_a_kind_gets_both_answers():
    data = with_kind(parse("ask_treatment", 0.9), "cyclic")
    assert policy().next_action(tracker_after(data, "utter_treatment"), DOMAIN) == ANSWERS["ask_cyclic"]["response"]
    # then the assistant listens (no rule knows this turn, so the policy says so itself)
    after = tracker_after(data, "utter_treatment", ANSWERS["ask_cyclic"]["response"])
    assert policy().next_action(after, DOMAIN) == "action_listen"


def test_the_kind_is_not_repeated_when_it_was_the_question():
    data = with_kind(parse("ask_cyclic", 0.9), "cyclic")
    assert policy().next_action(tracker_after(data, "utter_cyclic"), DOMAIN) is None


def test_an_opener_that_names_the_kind_gets_its_answer_after_the_acknowledgment():
    data = with_kind(parse("share_situation", 0.9), "congenital")
    assert (
        policy().next_action(tracker_after(data, "utter_acknowledge_situation"), DOMAIN)
        == ANSWERS["ask_congenital"]["response"]
    )


def test_the_nlg_fills_the_offer_buttons_with_the_responses_rasa_sets_after_loading():
    import asyncio

    from addons.nlg.hospital_nlg import HospitalNaturalLanguageGenerator
    from clinical.settings import load_settings

    # Rasa's Agent builds the NLG first and sets its responses once the model is loaded
    nlg = HospitalNaturalLanguageGenerator(domain=None, settings=load_settings())
    nlg.responses = DOMAIN.responses
    data = parse("ask_treatment", 0.42, ("ask_gcsf", 0.3), ("ask_cyclic", 0.2))
    message = asyncio.run(nlg.generate(OFFER_RESPONSE, tracker_after(data, "utter_treatment"), "rest"))
    assert [b["title"] for b in message["buttons"]] == [ANSWERS["ask_gcsf"]["topic"], ANSWERS["ask_cyclic"]["topic"]]


def opener_asking(text, *ranking, entities=()):
    data = parse("share_situation", ranking[0][1], *ranking[1:])
    data["intent_ranking"][0]["name"] = ranking[0][0]
    data["intent"]["name"] = ranking[0][0]
    data["text"] = text
    data["entities"] = list(entities)
    return data


def test_a_situation_told_with_a_question_gets_the_topic_answered():
    data = opener_asking(
        "¿qué es la neutropenia? se la acaban de diagnosticar a mi hija",
        ("share_situation", 0.35),
        ("ask_what_is_neutropenia", 0.24),
        ("ask_treatment", 0.12),
    )
    bands = policy()
    assert bands.next_action(tracker_after(data), DOMAIN) == "utter_what_is_neutropenia"
    assert bands.next_action(tracker_after(data, "utter_what_is_neutropenia"), DOMAIN) == "action_listen"


def test_a_question_word_first_asks_without_a_question_mark():
    data = opener_asking(
        "q es neutropenia, a mi nieto le salio eso", ("share_situation", 0.49), ("ask_what_is_neutropenia", 0.34)
    )
    assert policy().next_action(tracker_after(data), DOMAIN) == "utter_what_is_neutropenia"


def test_a_plain_opener_keeps_the_acknowledgment():
    # no question, however likely the next topic; a question whose next intent is unlikely or no topic
    for data in (
        opener_asking("nos dijeron que tiene neutropenia cíclica", ("share_situation", 0.5), ("ask_cyclic", 0.28)),
        opener_asking("mi hijo tiene neutropenia, ¿sabes?", ("share_situation", 0.7), ("ask_causes", 0.06)),
        opener_asking(
            "tengo miedo, que hago?", ("share_situation", 0.52), ("goodbye", 0.2), ("ask_when_to_call", 0.06)
        ),
    ):
        assert policy().next_action(tracker_after(data), DOMAIN) is None  # the rule acknowledges


def test_an_asked_topic_and_a_named_kind_are_both_answered():
    kind = {"entity": "neutropenia_type", "value": "cyclic"}
    data = opener_asking(
        "la cíclica tiene cura? se la diagnosticaron a mi hija",
        ("share_situation", 0.45),
        ("ask_treatment", 0.3),
        entities=[kind],
    )
    bands = policy()
    assert bands.next_action(tracker_after(data), DOMAIN) == "utter_treatment"
    assert bands.next_action(tracker_after(data, "utter_treatment"), DOMAIN) == "utter_cyclic"
    assert bands.next_action(tracker_after(data, "utter_treatment", "utter_cyclic"), DOMAIN) == "action_listen"
