"""The benchmark's simulated parents (tools/benchmark/workload.py): what they say, the Spanish share
of the conversations, and which replies count as right."""

import random
import re

import pytest

from clinical.settings import load_settings
from clinical.temperature import TemperatureReading, read_temperature
from tools.benchmark.workload import (
    ENGLISH,
    PHRASES,
    SPANISH,
    ReplyCatalog,
    Utterance,
    parent_conversation,
    reference_conversation,
    reply_catalog,
    reply_is_right,
)
from tools.project_domain import load_domain

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.fixture(scope="module")
def domain_responses():
    return load_domain().responses


@pytest.fixture(scope="module")
def catalog(domain_responses):
    return reply_catalog(domain_responses)


@pytest.mark.parametrize("language", [ENGLISH, SPANISH])
def test_every_fever_report_is_a_reading_at_or_above_the_hospitals_threshold(language):
    # the reply must be Call now: a reading below the threshold would make a right "recheck" reply count as wrong
    threshold = load_settings().fever_threshold_c
    for report in PHRASES[language].fever_reports:
        reading = read_temperature(report)
        assert isinstance(reading, TemperatureReading), report
        assert reading.celsius >= threshold, report


def test_a_conversation_greets_reports_a_fever_and_thanks():
    for seed in range(200):
        turns = parent_conversation(random.Random(seed), spanish_share=0.5)
        kinds = [t.kind for t in turns]
        assert kinds[0] == "greet" and kinds.count("fever") == 1 and "thanks" in kinds
        assert 5 <= len(turns) <= 8
        assert len({t.language for t in turns}) == 1  # a parent keeps one language


def test_the_spanish_share_is_the_share_of_conversations_in_spanish():
    def spanish(share, count=2000):
        return sum(parent_conversation(random.Random(i), share)[0].language == SPANISH for i in range(count)) / count

    assert spanish(0.0) == 0.0
    assert spanish(1.0) == 1.0
    assert 0.17 <= spanish(0.2) <= 0.23


def test_spanish_turns_use_the_spanish_phrases():
    turns = parent_conversation(random.Random(1), spanish_share=1.0)
    spanish = PHRASES[SPANISH]
    every_phrase = {
        *spanish.greetings,
        *spanish.topic_questions,
        *spanish.fever_reports,
        *spanish.infection_signs,
        *spanish.thanks,
        *spanish.goodbyes,
    }
    assert all(t.text in every_phrase for t in turns)


def test_with_no_spanish_share_the_conversations_are_the_english_only_benchmarks():
    # no random draw for the language: the same seeds give the same conversations as before the mix
    for seed in ("single-1-0", "workers-3-2"):
        twin = random.Random(seed)
        questions = twin.sample(list(PHRASES[ENGLISH].topic_questions), 3)
        turns = parent_conversation(random.Random(seed))
        assert [turns[1].text, turns[2].text] == questions[:2]
        assert parent_conversation(random.Random(seed), spanish_share=0.0) == turns


def test_the_reference_conversations_are_english_and_end_with_a_goodbye():
    for seed in range(50):
        turns = reference_conversation(random.Random(seed))
        assert turns[0].kind == "greet" and turns[-1].kind == "goodbye"
        assert {t.language for t in turns} == {ENGLISH}


ENGLISH_CALL_NOW = "Call now: (555) 010-0123 (after hours (555) 010-0199). A fever in a child with neutropenia ..."
SPANISH_CALL_NOW = "Llame ahora: (555) 010-0123 (fuera de horario (555) 010-0199). La fiebre en un niño ..."


@pytest.mark.parametrize(
    ("utterance", "texts", "right"),
    [
        (Utterance("temp is 39.1", "fever"), [ENGLISH_CALL_NOW], True),
        (Utterance("she has chills", "sign"), ["Call 911 now. Trouble breathing ..."], True),
        (Utterance("temp is 39.1", "fever"), ["Sorry, I'm not sure I understood."], False),
        (Utterance("temp is 39.1", "fever"), [], False),
        (Utterance("hi", "greet"), ["Hi, I answer questions about neutropenia"], True),
        (Utterance("hi", "greet"), [], False),
        (Utterance("tiene 39 de fiebre", "fever", SPANISH), [SPANISH_CALL_NOW], True),
        (Utterance("no respira bien", "sign", SPANISH), ["Llame al 911 ahora. Dificultad para respirar ..."], True),
        # the English Call-now is not the Spanish one: a Spanish-speaking parent must understand it
        (Utterance("tiene 39 de fiebre", "fever", SPANISH), [ENGLISH_CALL_NOW], False),
        (Utterance("escalofríos", "sign", SPANISH), [], False),
    ],
)
def test_a_reply_is_right_when_urgent_reports_get_call_now_in_the_parents_language(utterance, texts, right):
    assert reply_is_right(utterance, texts, ReplyCatalog()) is right


def english_texts(responses):
    """Every English answer of the domain, its placeholders filled as the NLG would."""
    for name, variations in responses.items():
        for variation in variations:
            if not variation.get("condition") and variation.get("text"):
                yield name, PLACEHOLDER.sub("(555) 010-0123", variation["text"])


def test_a_spanish_turn_that_gets_any_english_answer_is_wrong(domain_responses, catalog):
    texts = list(english_texts(domain_responses))
    assert len(texts) > 30
    for name, text in texts:
        for kind in ("greet", "topic", "thanks"):
            assert not reply_is_right(Utterance("hola", kind, SPANISH), [text], catalog), name
        # the same answers are right for an English turn
        assert reply_is_right(Utterance("hello", "greet"), [text], catalog)


def test_every_spanish_answer_is_right_for_a_spanish_turn(domain_responses, catalog):
    spanish = [
        (name, PLACEHOLDER.sub("(555) 010-0123", v["text"]))
        for name, variations in domain_responses.items()
        for v in variations
        if v.get("condition") and v.get("text")
    ]
    for name, text in spanish:
        assert reply_is_right(Utterance("hola", "greet", SPANISH), [text], catalog), name
    urgent = [(name, text) for name, text in spanish if name.startswith("utter_call_")]
    assert urgent
    for name, text in urgent:
        assert reply_is_right(Utterance("tiene 39 de fiebre", "fever", SPANISH), [text], catalog), name


def test_a_spanish_question_that_gets_the_spanish_please_rephrase_is_wrong():
    responses = {
        "utter_please_rephrase": [
            {"text": "Sorry, I'm not sure I understood. Call {care_team_phone}."},
            {
                "text": "Perdone, no estoy seguro de haber entendido. Llame al {care_team_phone}.",
                "condition": [{"type": "slot", "name": "language", "value": "es"}],
            },
        ],
        "utter_greet": [
            {"text": "Hi, I answer questions about neutropenia."},
            {
                "text": "Hola, respondo preguntas sobre la neutropenia.",
                "condition": [{"type": "slot", "name": "language", "value": "es"}],
            },
        ],
    }
    catalog = reply_catalog(responses)
    rephrase = "Perdone, no estoy seguro de haber entendido. Llame al (555) 010-0123."
    assert not reply_is_right(Utterance("¿qué es la neutropenia?", "topic", SPANISH), [rephrase], catalog)
    # to a greeting or a thank-you it is an answer, as in English
    assert reply_is_right(Utterance("hola", "greet", SPANISH), [rephrase], catalog)
    assert reply_is_right(
        Utterance("hola", "greet", SPANISH), ["Hola, respondo preguntas sobre la neutropenia."], catalog
    )
    assert not reply_is_right(
        Utterance("hola", "greet", SPANISH), ["Hi, I answer questions about neutropenia."], catalog
    )
    # only the variations without a Spanish condition are English
    assert [o[:12] for o in catalog.english_openings] == ["Hi, I answer", "Sorry, I'm n"]
    assert [o[:12] for o in catalog.rephrase_openings] == ["Perdone, no ", "Sorry, I'm n"]


def test_an_opening_english_and_spanish_answers_share_does_not_make_a_spanish_reply_wrong():
    spanish = [{"type": "slot", "name": "language", "value": "es"}]
    english_text = "G-CSF (filgrastim, Neupogen or Zarxio): a daily shot that helps the marrow."
    spanish_text = "G-CSF (filgrastim, Neupogen or Zarxio): una inyección diaria que ayuda a la médula."
    catalog = reply_catalog({"utter_gcsf": [{"text": english_text}, {"text": spanish_text, "condition": spanish}]})
    assert catalog.english_openings == ()
    assert reply_is_right(Utterance("qué es el G-CSF", "topic", SPANISH), [spanish_text], catalog)
