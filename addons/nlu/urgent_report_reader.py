"""NLU component: the message's intent follows what the parent reports now, whatever the classifier says.

Runs after the intent classifier and before the FallbackClassifier (config.yml). For every
urgent entity the project's spaCy pipeline has judged (spacy_pipeline/urgent_context.py), it
copies the verdict into the entity as `assertion`, then:

* a 911 sign reported now makes the intent `report_emergency`; a fever, a temperature reading or
  a sign of infection reported now makes it `report_fever` / `report_infection_sign`, when the
  classifier had read the message as a question ("he has a fever, is that bad?") or as anything
  else. The urgent intent goes first in the ranking with confidence 1.0, so the fallback
  classifier never turns it into "please rephrase";
* when the classifier chose an urgent intent but every urgent word in the message is negated,
  hypothetical, historical, someone else's, a modifier or part of a general question ("she has
  no fever, what is an anc?"), the intent becomes the classifier's best non-urgent guess.

A message with no urgent word keeps the classifier's urgent reading when it names the child and
has no context phrase ("she's just off today" has no pattern but is a report), and loses it
otherwise ("her temp has been normal all week"). The action server applies the same verdicts
(actions/urgent_mentions.py); the names are actions/urgent_vocabulary.py's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

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

from actions.urgent_mentions import counted
from actions.urgent_vocabulary import (
    ASK_WHEN_TO_CALL,
    ASSERTION,
    FEVER_PHRASE,
    INFECTION_SIGN,
    LIFE_THREATENING_SIGN,
    REPORT_EMERGENCY,
    REPORT_FEVER,
    REPORT_INFECTION_SIGN,
    TEMPERATURE,
    URGENT_ENTITIES,
    URGENT_INTENTS,
)

# importing it registers the spaCy factory that SpacyNLP needs to load the project's pipeline
from spacy_pipeline.urgent_context import CONTEXT_CUES, NAMES_CHILD


def urgent_intent_for(entities: List[Dict[Text, Any]]) -> Optional[Text]:
    """The urgent intent that what the parent reports now calls for, or None."""
    kinds = {e[ENTITY_ATTRIBUTE_TYPE] for e in counted(entities)}
    if LIFE_THREATENING_SIGN in kinds:
        return REPORT_EMERGENCY
    if kinds & {TEMPERATURE, FEVER_PHRASE}:
        return REPORT_FEVER
    if INFECTION_SIGN in kinds:
        return REPORT_INFECTION_SIGN
    return None


def reconcile_intent(
    data: Dict[Text, Any],
    names_child: bool = True,
    context_cues: Sequence[Text] = (),
    not_a_report: Optional[Text] = None,
    not_a_report_below: float = 0.0,
) -> Optional[Text]:
    """Adjusts data's intent and ranking in place; returns what it did (for tests), or None.

    names_child: whether the message names the child (he, she, my son, the baby...);
    context_cues: the kinds of context phrase in it ("negated", "hypothetical", ...);
    not_a_report, not_a_report_below: the answer for a message that names urgent words without
    reporting them, when no other intent is at least that likely ("what if he has a seizure at
    school?", "does teething cause a fever?" -> when to call)."""
    intent = (data.get(INTENT) or {}).get(INTENT_NAME_KEY)
    entities = data.get(ENTITIES) or []
    ranking = list(data.get(INTENT_RANKING_KEY) or [])
    wanted = urgent_intent_for(entities)
    # The verdicts replace the classifier's reading, except that a 911 reading is never lowered
    # ("she's gone floppy and won't respond" may match only a sign pattern).
    if wanted and intent != wanted and intent != REPORT_EMERGENCY:
        urgent = {INTENT_NAME_KEY: wanted, PREDICTED_CONFIDENCE_KEY: 1.0}
        data[INTENT] = urgent
        data[INTENT_RANKING_KEY] = [urgent] + [r for r in ranking if r.get(INTENT_NAME_KEY) != wanted]
        return f"read as {wanted}"
    mentions = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) in URGENT_ENTITIES]
    # A report without any urgent word must be about the child and plain ("she's just off
    # today"); "I feel like it's my fault" or "her temp has been normal all week" read as a
    # report is not one.
    if intent in URGENT_INTENTS and not wanted and (mentions or not names_child or context_cues):
        others = [r for r in ranking if r.get(INTENT_NAME_KEY) not in URGENT_INTENTS]
        total = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in others)
        if others and total > 0:
            unlikely = (others[0].get(PREDICTED_CONFIDENCE_KEY) or 0.0) < not_a_report_below
            # urgent is ruled out: each remaining intent's probability given that it is not urgent
            others = [{**r, PREDICTED_CONFIDENCE_KEY: (r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) / total} for r in others]
            if not_a_report and unlikely:
                # it talks about fever, signs or 911 without reporting them: when to call is the answer
                # first in the ranking, so that the fallback classifier sees a clear first choice
                confidence = max(not_a_report_below, others[0][PREDICTED_CONFIDENCE_KEY])
                chosen = {INTENT_NAME_KEY: not_a_report, PREDICTED_CONFIDENCE_KEY: confidence}
                others = [chosen] + [r for r in others if r.get(INTENT_NAME_KEY) != not_a_report]
            data[INTENT] = dict(others[0])
            data[INTENT_RANKING_KEY] = others
            return f"demoted to {others[0][INTENT_NAME_KEY]}"
    confidence = (data.get(INTENT) or {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
    if not_a_report and mentions and not wanted and intent not in URGENT_INTENTS and confidence < not_a_report_below:
        # the same for a message the classifier could not place: "does teething cause a fever?"
        chosen = {INTENT_NAME_KEY: not_a_report, PREDICTED_CONFIDENCE_KEY: not_a_report_below}
        data[INTENT] = chosen
        data[INTENT_RANKING_KEY] = [chosen] + [r for r in ranking if r.get(INTENT_NAME_KEY) != not_a_report]
        return f"read as {not_a_report}"
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UrgentReportReader(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"not_a_report_intent": ASK_WHEN_TO_CALL, "not_a_report_below": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.not_a_report = config["not_a_report_intent"]
        self.not_a_report_below = float(config["not_a_report_below"])

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
            if message.get(INTENT):
                reconcile_intent(
                    message.data,
                    names_child=doc._.get(NAMES_CHILD),
                    context_cues=doc._.get(CONTEXT_CUES),
                    not_a_report=self.not_a_report,
                    not_a_report_below=self.not_a_report_below,
                )
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        return training_data
