"""The YAML and the spaCy pipeline use exactly the names of clinical/vocabulary.py.

YAML cannot import Python: a renamed intent, label, slot value or response in domain.yml, data/,
config.yml or the pipeline's patterns would silently break the fever path (a rule that never
fires, a slot value no rule reads). These checks make such a rename fail here instead."""

import json

import yaml

from clinical import vocabulary
from tests.conftest import ROOT


def load(path):
    return yaml.safe_load((ROOT / path).read_text()) or {}


def domain_files():
    """domain.yml and the response files Rasa merges into it (data/responses/)."""
    files = [ROOT / "domain.yml", *sorted((ROOT / "data" / "responses").glob("*.yml"))]
    return {str(path.relative_to(ROOT)): yaml.safe_load(path.read_text()) or {} for path in files}


def data_steps(kind):
    """Every step of every rule or story in data/ (kind: "rules" or "stories"), with its file name."""
    for path in sorted((ROOT / "data" / kind).glob("*.yml")):
        for block in (yaml.safe_load(path.read_text()) or {}).get(kind) or []:
            for step in block.get("steps") or []:
                yield path.name, block.get("rule") or block.get("story"), step


def all_data_steps():
    yield from data_steps("rules")
    yield from data_steps("stories")


DOMAIN = load("domain.yml")
# body_site is context (it names the child's own port or line), not something to triage
CONTEXT_ENTITIES = {"body_site"}


def test_domain_yml_declares_the_urgent_intents_entities_slot_values_and_action():
    assert vocabulary.URGENT_INTENTS <= set(DOMAIN["intents"])
    entities = {entity if isinstance(entity, str) else next(iter(entity)) for entity in DOMAIN["entities"]}
    assert set(vocabulary.URGENT_ENTITIES) <= entities
    slot = DOMAIN["slots"][vocabulary.DECISION_SLOT]
    assert slot["type"] == "categorical"
    assert slot["values"] == list(vocabulary.DECISIONS)
    assert vocabulary.READING_SLOT in DOMAIN["slots"]
    assert DOMAIN["actions"] == [vocabulary.ESCALATION_ACTION]


def test_every_reply_named_in_the_vocabulary_is_a_domain_response():
    responses = {name for content in domain_files().values() for name in (content.get("responses") or {})}
    named = {value for key, value in vars(vocabulary).items() if key.endswith("_RESPONSE")}
    assert named == set(vocabulary.RESPONSE_FOR_DECISION.values())
    assert named <= responses, named - responses
    assert vocabulary.ALARM_RESPONSES == named - {vocabulary.RECHECK_RESPONSE, vocabulary.ASK_AGAIN_RESPONSE} - (
        vocabulary.CONFIRM_RESPONSES
    )


def test_the_care_intents_exist_and_config_names_when_to_call():
    intents = {intent for content in domain_files().values() for intent in content.get("intents") or []}
    assert vocabulary.CARE_INTENTS <= intents
    reader = next(c for c in load("config.yml")["pipeline"] if c["name"].endswith("UrgentReportReader"))
    assert reader["not_a_report_intent"] == vocabulary.ASK_WHEN_TO_CALL


def test_each_urgent_intent_is_trained_and_triaged_by_the_escalation_action():
    trained = {block["intent"] for block in load("data/nlu/urgent.yml")["nlu"] if "intent" in block}
    assert trained == vocabulary.URGENT_INTENTS
    triaged = {}
    for block in load("data/rules/urgent.yml")["rules"]:
        steps = block["steps"]
        if "intent" in steps[0]:
            triaged[steps[0]["intent"]] = steps[1].get("action")
    assert triaged == {intent: vocabulary.ESCALATION_ACTION for intent in vocabulary.URGENT_INTENTS}


def test_each_decision_has_one_rule_that_gives_its_reply():
    replies = {}
    for block in load("data/rules/urgent.yml")["rules"]:
        steps = block["steps"]
        if steps[0].get("action") == vocabulary.ESCALATION_ACTION:
            (decision,) = [
                step["slot_was_set"][0][vocabulary.DECISION_SLOT] for step in steps if "slot_was_set" in step
            ]
            assert decision not in replies, f"two rules for {decision}"
            replies[decision] = steps[-1]["action"]
    assert replies == vocabulary.RESPONSE_FOR_DECISION


def test_rules_and_stories_use_only_these_urgent_names():
    """A story or rule that names a decision slot value, or an urgent-looking intent, uses ours."""
    for path, name, step in all_data_steps():
        if "intent" in step and step["intent"].startswith("report_"):
            assert step["intent"] in vocabulary.URGENT_INTENTS, (path, name, step)
        for slot in step.get("slot_was_set") or []:
            if isinstance(slot, dict) and vocabulary.DECISION_SLOT in slot:
                assert slot[vocabulary.DECISION_SLOT] in vocabulary.DECISIONS, (path, name, step)
        action = step.get("action", "")
        if action.startswith(("utter_call_", "utter_recheck", "utter_ask_temperature")):
            assert action in vocabulary.RESPONSE_FOR_DECISION.values(), (path, name, step)


def test_every_context_cue_kind_in_the_data_is_a_verdict_the_component_applies():
    """A kind misspelled in spacy_pipeline/context_terms*.yml would never silence or ask: it fails here."""
    from spacy_pipeline import urgent_context

    assert set(urgent_context.CUE_KINDS) <= set(vocabulary.NOT_REPORTED)
    for path in ("spacy_pipeline/context_terms.yml", "spacy_pipeline/context_terms_es.yml"):
        terms = load(path)
        assert set(terms["cues"]) <= set(urgent_context.CUE_KINDS), path
        for kind, lists in terms["cues"].items():
            assert set(lists) <= {
                f"{p}{side}" for p in ("", "weak_", "adjacent_") for side in ("before", "after")
            }, kind
        for pattern in terms.get("cue_patterns") or []:
            assert pattern["kind"] in urgent_context.CUE_KINDS and pattern["side"] in ("before", "after", "around")
            assert pattern.get("strength", "strong") in urgent_context.STRENGTH_RANK


def test_the_entity_patterns_find_every_urgent_label():
    lines = (ROOT / "spacy_pipeline" / "entity_patterns.jsonl").read_text().splitlines()
    labels = {json.loads(line)["label"] for line in lines if line.strip()}
    assert set(vocabulary.URGENT_ENTITIES) <= labels
    assert labels - set(vocabulary.URGENT_ENTITIES) <= CONTEXT_ENTITIES | {"neutropenia_type"}
