"""A Spanish-speaking parent, end to end through the REST channel of the real servers:
the Spanish Call-now and 911 replies with the care-team number, recheck advice without an alarm,
a sourced answer, the conversation's language following the parent, and the Spanish Call-now reply
with the action server stopped."""

import re

from addons.nlg.hospital_nlg import DISCLAIMERS
from tests.live.conftest import TEST_CARE_TEAM_PHONE
from tools.project_domain import load_domain


def answered_in(language, reply):
    """Whether `reply` was rendered from a response variation in `language` (its text with the
    {placeholders} as wildcards, the first-message notice after it), whatever the wording is today."""
    for variations in load_domain().responses.values():
        for variation in variations:
            if (variation.get("metadata") or {}).get("language", "en") != language or not variation.get("text"):
                continue
            parts = re.split(r"\{[A-Za-z_]+\}", variation["text"].strip())
            if re.fullmatch(".+?".join(map(re.escape, parts)) + r"(\s*\(.*\))?", reply.strip(), re.DOTALL):
                return True
    return False


def test_a_spanish_fever_report_gets_llame_ahora_with_the_number(servers):
    reply = servers.say("padre-fiebre", "mi hija tiene fiebre de 39 y escalofríos")
    assert reply.startswith("Llame ahora") and TEST_CARE_TEAM_PHONE in reply
    assert "Call now" not in reply
    assert DISCLAIMERS["es"] in reply  # the first message of the conversation, in Spanish


def test_a_spanish_911_sign_gets_llame_al_911(servers):
    assert servers.say("padre-911", "no respira bien y tiene los labios azules").startswith("Llame al 911 ahora")


def test_a_spanish_reading_below_the_threshold_gets_the_recheck_advice_without_an_alarm(servers):
    reply = servers.say("padre-37", "tiene 37,2 de temperatura, es normal?")
    assert "Llame ahora" not in reply and "Call now" not in reply
    assert TEST_CARE_TEAM_PHONE in reply


def test_a_spanish_question_gets_its_sourced_answer_in_spanish(servers):
    reply = servers.say("padre-pregunta", "¿qué causa la neutropenia en los niños?")
    assert "Fuente:" in reply and "Source:" not in reply


def test_the_conversation_follows_the_parent_s_language(servers):
    assert answered_in("es", servers.say("padre-cambia", "¿qué son los neutrófilos?"))
    assert answered_in("es", servers.say("padre-cambia", "ok"))  # "ok" keeps Spanish
    assert answered_in("en", servers.say("padre-cambia", "what is the ANC and what do the numbers mean?"))


def test_a_spanish_fever_report_gets_llame_ahora_with_the_action_server_stopped(servers):
    servers.stop_actions()
    reply = servers.say("padre-sin-acciones", "mi niño tiene calentura desde anoche")
    assert reply.startswith("Llame ahora") and TEST_CARE_TEAM_PHONE in reply
    assert servers.say("padre-sin-acciones-2", "tiene los labios morados y no despierta").startswith(
        "Llame al 911 ahora"
    )
