"""What parents write, end to end through the REST channel: widget start payloads,
multi-turn conversations, reports mixed with questions, negations, openers and questions the
pages do not answer. Replies are recognised by the domain response they were rendered from,
so rewording an answer changes nothing here. The figures on many more messages are the blind
gate's (make test-blind)."""

import pytest
import requests

from clinical.vocabulary import ALARM_RESPONSES
from tests.live.conftest import TEST_CARE_TEAM_PHONE
from tools.blind_evaluation import classify, response_patterns

PATTERNS = response_patterns()


def replies(servers, sender, text):
    response = requests.post(
        f"http://127.0.0.1:{servers.rasa_port}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def said(servers, sender, text):
    """The names of the responses the parent got, in order."""
    return classify([m["text"] for m in replies(servers, sender, text) if m.get("text")], PATTERNS)


@pytest.mark.parametrize("payload", ["/get_started", "/greet", "/start", "/restart", '/greet{"name": "x"}'])
def test_widget_start_payloads_get_the_greeting_and_never_an_alarm(servers, payload):
    assert said(servers, f"widget-{payload[1:4]}-{len(payload)}", payload) == ["utter_greet"]


def test_a_reading_below_the_threshold_then_a_higher_one(servers):
    assert said(servers, "turns-reading", "her temp is 99.1") == ["utter_recheck_temperature"]
    assert said(servers, "turns-reading", "now it's 100.9") == ["utter_call_now_reading"]


def test_a_fever_then_a_sign_of_infection(servers):
    assert said(servers, "turns-fever", "she has a fever") == ["utter_call_now_fever"]
    assert said(servers, "turns-fever", "she's also really sleepy now") == ["utter_call_now_sign"]


@pytest.mark.parametrize(
    "earlier, later",
    [
        ("she was 38.7 an hour ago", "it came down by itself to 37.3, do I still call?"),
        ("tenía 38,9 hace una hora", "ya le bajó sola a 37,2, ¿todavía llamo?"),
        # a follow-up with no reading and no fever word, read in its conversation
        ("she was 38.7 an hour ago", "retook it an hour later and it's higher now"),
        ("tenía 38,9 hace una hora", "la volví a tomar y está más alta"),
    ],
)
def test_a_call_earlier_in_the_conversation_is_not_undone_by_a_lower_reading(servers, earlier, later):
    sender = f"turns-came-down-{len(earlier)}-{len(later)}"
    assert said(servers, sender, earlier)[0] == "utter_call_now_reading"
    assert said(servers, sender, later) == ["utter_call_now_came_down"]


def test_unsure_whether_the_child_has_it_now_the_parent_is_asked_and_the_answer_decides(servers):
    unsure = "my daughter had a fever and cough two weeks ago, what causes neutropenia?"
    asked = replies(servers, "turns-asked-no", unsure)
    assert classify([m["text"] for m in asked if m.get("text")], PATTERNS)[0] == "utter_confirm_urgent"
    assert [b["payload"] for b in asked[0]["buttons"]] == ["yes", "no"]
    assert said(servers, "turns-asked-no", "no") == ["utter_causes"]  # the answer to what was asked
    said(servers, "turns-asked-yes", unsure)
    assert set(said(servers, "turns-asked-yes", "yes")) <= ALARM_RESPONSES


def test_a_rise_after_a_reading_below_the_threshold_is_asked(servers):
    assert said(servers, "turns-rise", "her temp is 37.6") == ["utter_recheck_temperature"]
    assert said(servers, "turns-rise", "rechecked and it's going up") == ["utter_confirm_urgent"]
    assert set(said(servers, "turns-rise", "yes")) <= ALARM_RESPONSES


def test_a_spanish_parent_is_asked_in_spanish_and_si_gets_call_now(servers):
    asked = replies(servers, "turns-asked-es", "si tiene fiebre qué hago")
    assert [b["payload"] for b in asked[0]["buttons"]] == ["sí", "no"]
    assert said(servers, "turns-asked-es", "sí") == ["utter_call_now_fever"]


def test_the_types_then_one_of_them(servers):
    assert said(servers, "turns-types", "what types are there") == ["utter_types"]
    assert said(servers, "turns-types", "what about the cyclic kind") == ["utter_cyclic"]


def test_an_opener_then_he_feels_hot(servers):
    opener = replies(servers, "turns-opener", "my son was just diagnosed with neutropenia")
    assert classify([m["text"] for m in opener if m.get("text")], PATTERNS)[0] == "utter_acknowledge_situation"
    assert any(m.get("buttons") for m in opener)  # the topics
    assert said(servers, "turns-opener", "he feels hot") == ["utter_call_now_fever"]


@pytest.mark.parametrize(
    "text",
    [
        "he has a fever, is that bad with neutropenia?",
        "my daughter's temp is 101.3, should i take her in?",
        "i think his ear is infected, he keeps tugging at it",
    ],
)
def test_a_report_mixed_with_a_question_gets_call_now(servers, text):
    got = said(servers, f"mixed-{abs(hash(text))}", text)
    assert got[0] in ALARM_RESPONSES, got


def test_a_reading_asked_about_gets_the_question_whose_yes_is_call_now(servers):
    # the reading sits in a question ("is 100.4 a fever?"): it may be the child's now or not
    assert said(servers, "mixed-asked", "is 100.4 a fever? that's what he's at") == ["utter_confirm_reading"]
    assert said(servers, "mixed-asked", "yes") == ["utter_call_now_reading"]


@pytest.mark.parametrize(
    "text",
    [
        "she has no fever, i'm just reading up on what an anc is",
        "if she gets a fever, what do I do?",
        "he takes seizure medicine, can that lower his count?",
        "she had a seizure two years ago, is that related?",
        "can neutropenia cause fevers?",
    ],
)
def test_a_mention_that_is_not_a_report_now_gets_no_alarm(servers, text):
    got = said(servers, f"noalarm-{abs(hash(text))}", text)
    assert not set(got) & ALARM_RESPONSES, got


def test_a_question_the_pages_do_not_answer_gets_the_honest_reply_with_the_number(servers):
    messages = replies(servers, "not-covered", "what foods should kids with neutropenia avoid?")
    assert classify([m["text"] for m in messages if m.get("text")], PATTERNS) == ["utter_not_covered"]
    assert TEST_CARE_TEAM_PHONE in " ".join(m["text"] for m in messages if m.get("text"))


def test_every_topic_button_gets_its_topic_answer(servers):
    """The buttons of "please rephrase", of the opener's reply and of the unsure band send plain
    questions (never /intent payloads): each must be understood as its topic."""
    from addons.policies.confidence_bands import topic_answers
    from tools.project_domain import load_domain

    domain = load_domain()
    questions = {a["question"]: a["response"] for a in topic_answers(domain.responses).values()}
    for name in ("utter_please_rephrase", "utter_acknowledge_situation"):
        for button in domain.responses[name][0]["buttons"]:
            assert button["payload"] in questions, f"{name}: {button['payload']!r} is no answer's question"
    for question, response in questions.items():
        assert said(servers, f"button-{abs(hash(question))}", question)[0] == response, question


@pytest.mark.parametrize(
    "text, answers",
    [
        ("treatment for cyclic neutropenia", ["utter_treatment", "utter_cyclic"]),
        ("is a transplant the only cure for kostmann's", ["utter_bone_marrow_transplant", "utter_congenital"]),
    ],
)
def test_a_question_about_a_topic_and_a_kind_gets_both_answers(servers, text, answers):
    assert said(servers, f"compound-{abs(hash(text))}", text)[:2] == answers
