"""NLU component: the one urgency decision of a message, made here, and the intent that follows it.

Runs after the intent classifier and before the FallbackClassifier (config.yml). For every urgent
entity the project's spaCy pipeline judged (spacy_pipeline/urgent_context.py), it copies the
verdict into the entity as `assertion`; then it asks clinical/triage.py what the parent must do
(`triage_message`) and puts that decision in the message's parse data under `triage`. The action
server, the safety policy and the NLU gate render that decision; none of them decides again.

The intent follows the decision:

* a call (911, a reading, a sign, a fever) or a reading to recheck or ask again: the urgent intent
  goes first with confidence 1.0, whatever the classifier said ("he has a fever, is that bad?"),
  so the fallback classifier never turns it into "please rephrase";
* a confirmation question ("does your child have a fever or this sign now?"): the intent stays the
  classifier's; its best non-urgent guess goes in the decision (`answer_intent`), which a "no" answers;
* nothing urgent although the classifier read a report ("she has no fever, what is an anc?"): its
  best non-urgent guess; "when to call" when nothing else is likely and the message names urgent
  words it does not report ("what if he has a seizure at school?").
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

# importing it registers the spaCy factory that SpacyNLP needs to load the project's pipeline
import spacy_pipeline.urgent_context  # noqa: F401
from clinical.settings import HospitalSettings, load_settings
from clinical.triage import Triage, triage_message
from clinical.vocabulary import (
    ASK_AGAIN,
    ASK_WHEN_TO_CALL,
    ASSERTION,
    CALL_911,
    CALL_NOW_SIGN,
    CONFIRM_DECISIONS,
    RECHECK,
    REPORT_EMERGENCY,
    REPORT_FEVER,
    REPORT_INFECTION_SIGN,
    TRIAGE_KEY,
    URGENT_ENTITIES,
    URGENT_INTENTS,
)


def urgent_intent_for(triage: Triage) -> Optional[Text]:
    """The urgent intent a decision calls for, or None (a question, or nothing urgent)."""
    if triage.decision == CALL_911:
        return REPORT_EMERGENCY
    if triage.decision == CALL_NOW_SIGN:
        return REPORT_INFECTION_SIGN
    if triage.urgent or triage.decision in (RECHECK, ASK_AGAIN):
        return REPORT_FEVER
    return None


def best_question(data: Dict[Text, Any]) -> Optional[Text]:
    """The likeliest intent that is not an urgent report: what a parent asked, if they say "no"."""
    ranking = data.get(INTENT_RANKING_KEY) or [data.get(INTENT) or {}]
    return next((r.get(INTENT_NAME_KEY) for r in ranking if r.get(INTENT_NAME_KEY) not in URGENT_INTENTS), None)


def follow_triage(
    data: Dict[Text, Any], triage: Triage, not_a_report: Optional[Text] = None, not_a_report_below: float = 0.0
) -> Optional[Text]:
    """Makes data's intent and ranking follow the decision, in place; returns what it did, or None.

    not_a_report, not_a_report_below: the answer for a message that names urgent words without
    reporting them, when no other intent is at least that likely ("does teething cause a fever?")."""
    intent = (data.get(INTENT) or {}).get(INTENT_NAME_KEY)
    ranking = list(data.get(INTENT_RANKING_KEY) or [])
    if triage.decision in CONFIRM_DECISIONS:
        return None  # the parent is asked; the classifier's reading stands
    wanted = urgent_intent_for(triage)
    if wanted:
        # a 911 reading of the classifier is never lowered ("she's gone floppy" may match a sign only)
        if intent in (wanted, REPORT_EMERGENCY):
            return None
        urgent = {INTENT_NAME_KEY: wanted, PREDICTED_CONFIDENCE_KEY: 1.0}
        data[INTENT] = urgent
        data[INTENT_RANKING_KEY] = [urgent] + [r for r in ranking if r.get(INTENT_NAME_KEY) != wanted]
        return f"read as {wanted}"
    mentions = [e for e in data.get(ENTITIES) or [] if e.get(ENTITY_ATTRIBUTE_TYPE) in URGENT_ENTITIES]
    others = [r for r in ranking if r.get(INTENT_NAME_KEY) not in URGENT_INTENTS]
    if intent in URGENT_INTENTS:
        total = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in others)
        if not others or total <= 0:
            return None
        # urgent is ruled out: each remaining intent's probability given that it is not urgent
        others = [{**r, PREDICTED_CONFIDENCE_KEY: (r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / total} for r in others]
        data[INTENT], data[INTENT_RANKING_KEY] = dict(others[0]), others
        verdict = f"demoted to {others[0][INTENT_NAME_KEY]}"
    else:
        verdict = None
    confidence = (data.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
    if not_a_report and mentions and confidence < not_a_report_below:
        # it talks about fever, signs or 911 without reporting them: when to call is the answer,
        # first in the ranking, so that the fallback classifier sees a clear first choice
        chosen = {INTENT_NAME_KEY: not_a_report, PREDICTED_CONFIDENCE_KEY: max(not_a_report_below, confidence)}
        data[INTENT] = chosen
        data[INTENT_RANKING_KEY] = [chosen] + [
            r for r in data.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != not_a_report
        ]
        return f"read as {not_a_report}"
    return verdict


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UrgentReportReader(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"not_a_report_intent": ASK_WHEN_TO_CALL, "not_a_report_below": 0.3}

    def __init__(self, config: Dict[Text, Any], settings: Optional[HospitalSettings] = None) -> None:
        self.not_a_report = config["not_a_report_intent"]
        self.not_a_report_below = float(config["not_a_report_below"])
        # the fever threshold decides; loaded once (a bad setting stops the server at start)
        self.settings = settings or load_settings()

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UrgentReportReader":
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            verdicts = {(ent.start_char, ent.end_char): ent._.get(ASSERTION) for ent in doc.ents}
            for entity in message.get(ENTITIES) or []:
                verdict = verdicts.get((entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)))
                if entity.get(ENTITY_ATTRIBUTE_TYPE) in URGENT_ENTITIES and verdict:
                    entity[ASSERTION] = verdict
            guess = message.get(INTENT) or {}
            triage = triage_message(
                message.get(ENTITIES) or [],
                self.settings,
                text=message.get(TEXT) or "",
                classifier_intent=guess.get(INTENT_NAME_KEY),
                classifier_confidence=guess.get(PREDICTED_CONFIDENCE_KEY) or 0.0,
            )
            if triage.decision in CONFIRM_DECISIONS:
                triage = Triage(**{**triage.__dict__, "answer_intent": best_question(message.data)})
            message.set(TRIAGE_KEY, triage.as_dict(), add_to_output=True)
            if guess:
                follow_triage(message.data, triage, self.not_a_report, self.not_a_report_below)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
