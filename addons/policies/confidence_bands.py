"""What follows a topic answer: the kind of neutropenia the question named, or other topics.

A compound question names a topic and a kind ("treatment for cyclic neutropenia", "is a transplant
the only cure for Kostmann"): the topic's answer is followed by the kind's answer (entity
`neutropenia_type`, normalised by Rasa's EntitySynonymMapper), so the parent gets what the sources
say about both and nothing is made up. An opener that names the kind ("my son has cyclic
neutropenia") gets the acknowledgment, then the kind's answer.

A parent who tells their situation and asks in one message ("¿qué es la neutropenia? se la acaban
de diagnosticar a mi hija") is read as the opener (share_situation) with the topic asked close
behind it: such a message gets the topic's answer (then the kind's, if it names another), not the
acknowledgment alone, when it asks (a "?", "¿" or a question word first) and the topic is at least
`asked_topic_floor` likely. A plain opener ("mi hijo tiene neutropenia") gives no topic that much.

Three confidence bands instead of one cut-off, in the spirit of Rasa's two-stage fallback:

  confident  (top intent at or above `unsure_below`): the answer, as the rules say.
  unsure     (between the FallbackClassifier's threshold and `unsure_below`): the answer to the
             best guess, then `utter_offer_alternatives` with the next one or two likely topics
             as buttons ("If you meant something else, choose a topic below").
  nothing plausible (below the FallbackClassifier's threshold): `nlu_fallback`, answered by
             "please rephrase" with the topic buttons (data/rules/fallback.yml).

Both cut-offs are in config.yml, chosen on a validation split of the training data by
tools/choose_confidence_bands.py (never on a test set). The buttons are built by the NLG
(addons/nlg/hospital_nlg.py) from the answers' `topic:` and `question:` metadata, so the content
team names them; a button sends its plain question, which goes through the NLU like typed text.

Urgent messages never get the offer: their replies are not topic answers, and UrgentSafetyPolicy
(priority 7) outranks this policy (6.5), which outranks RulePolicy (6) at equal confidence.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY

from spacy_pipeline.urgent_context import without_accents

OFFER_RESPONSE = "utter_offer_alternatives"
ACKNOWLEDGMENT_RESPONSE = "utter_acknowledge_situation"
TYPE_ENTITY = "neutropenia_type"
# An alternative is offered only when the classifier gives it at least this probability.
ALTERNATIVE_FLOOR = 0.08
MAX_ALTERNATIVES = 2
OPENER_INTENT = "share_situation"
# a message that opens with one of these asks, even without "?" ("q es neutropenia, ...")
QUESTION_STARTS = {
    ("que",),
    ("q",),
    ("como",),
    ("cual",),
    ("cuales",),
    ("donde",),
    ("cuando",),
    ("cuanto",),
    ("cuanta",),
    ("por", "que"),
    ("para", "que"),
    ("what",),
    ("whats",),
    ("how",),
    ("why",),
    ("which",),
    ("where",),
    ("when",),
    ("is",),
    ("are",),
    ("can",),
    ("does",),
    ("do",),
    ("will",),
    ("should",),
}
# Above RulePolicy (6), below UrgentSafetyPolicy (7): at equal confidence the higher priority wins.
DEFAULT_PRIORITY = 6.5


def topic_answers(responses: Dict[Text, List[Dict[Text, Any]]], language: Text = "en") -> Dict[Text, Dict[Text, Text]]:
    """intent -> {"response", "topic", "question"}, from the metadata of the answers' variations in
    `language` (a variation without `language:` metadata is English)."""
    answers = {}
    for name, variations in responses.items():
        for variation in variations or []:
            metadata = variation.get("metadata") or {}
            intent = metadata.get("intent")
            if metadata.get("language", "en") != language:
                continue
            if metadata.get("topic") and metadata.get("question") and intent:
                answers[intent] = {"response": name, "topic": metadata["topic"], "question": metadata["question"]}
    return answers


def alternatives(parse_data: Dict[Text, Any], answers: Dict[Text, Dict[Text, Text]]) -> List[Dict[Text, Text]]:
    """The next likeliest topics after the one answered, as buttons."""
    ranking = parse_data.get("intent_ranking") or []
    top = (parse_data.get("intent") or {}).get(INTENT_NAME_KEY)
    buttons = []
    for entry in ranking:
        intent = entry.get(INTENT_NAME_KEY)
        if intent == top or intent not in answers or (entry.get(PREDICTED_CONFIDENCE_KEY) or 0) < ALTERNATIVE_FLOOR:
            continue
        buttons.append({"title": answers[intent]["topic"], "payload": answers[intent]["question"]})
        if len(buttons) == MAX_ALTERNATIVES:
            break
    return buttons


def asks(text: Text) -> bool:
    """Whether a message asks something: a question mark, or a question word first."""
    if "?" in text or "¿" in text:
        return True
    bare = without_accents(text.lower())
    words = re.findall(r"[a-z]+", bare)
    return tuple(words[:1]) in QUESTION_STARTS or tuple(words[:2]) in QUESTION_STARTS


def asked_topic(parse_data: Dict[Text, Any], answers: Dict[Text, Dict[Text, Text]], floor: float) -> Optional[Text]:
    """The answer to the topic a parent asks about while telling their situation: the likeliest
    intent after share_situation, when it is a topic at least `floor` likely and the message asks."""
    if (parse_data.get("intent") or {}).get(INTENT_NAME_KEY) != OPENER_INTENT or not asks(parse_data.get("text") or ""):
        return None
    for entry in parse_data.get("intent_ranking") or []:
        intent = entry.get(INTENT_NAME_KEY)
        if intent == OPENER_INTENT:
            continue
        if intent in answers and (entry.get(PREDICTED_CONFIDENCE_KEY) or 0) >= floor:
            return answers[intent]["response"]
        return None  # only the runner-up counts
    return None


def named_kind_answer(parse_data: Dict[Text, Any], answers: Dict[Text, Dict[Text, Text]]) -> Optional[Text]:
    """The answer about the kind of neutropenia the message names, if it has one."""
    for entity in parse_data.get("entities") or []:
        if entity.get("entity") == TYPE_ENTITY:
            answer = answers.get(f"ask_{entity.get('value')}")
            if answer:
                return answer["response"]
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class ConfidenceBandPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": DEFAULT_PRIORITY, "unsure_below": 0.6, "asked_topic_floor": 0.2}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self.unsure_below = float(config["unsure_below"])
        self.asked_topic_floor = float(config["asked_topic_floor"])
        # the topic answers of the domain last seen: the domain does not change while a model runs
        self._answers: Tuple[Optional[int], Dict[Text, Dict[Text, Text]]] = (None, {})

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # fixed rules; nothing to learn

    def _topic_answers(self, domain: Domain) -> Dict[Text, Dict[Text, Text]]:
        if self._answers[0] != id(domain):
            self._answers = (id(domain), topic_answers(domain.responses))
        return self._answers[1]

    def next_action(self, tracker: DialogueStateTracker, domain: Domain) -> Optional[Text]:
        actions: List[Text] = []
        for event in reversed(tracker.events):
            if isinstance(event, UserUttered):
                break
            if isinstance(event, ActionExecuted):
                actions.insert(0, event.action_name)
        if actions and actions[-1] == OFFER_RESPONSE:
            return str(ACTION_LISTEN_NAME)
        message = tracker.latest_message.parse_data if tracker.latest_message else {}
        intent = message.get("intent") or {}
        answers = self._topic_answers(domain)
        answer = answers.get(intent.get(INTENT_NAME_KEY) or "")
        first = (answer or {}).get("response") or (
            ACKNOWLEDGMENT_RESPONSE if actions[:1] == [ACKNOWLEDGMENT_RESPONSE] else None
        )
        kind = named_kind_answer(message, answers)
        asked = asked_topic(message, answers, self.asked_topic_floor)
        if asked:
            replies = [asked] + ([kind] if kind and kind != asked else [])
            if len(actions) < len(replies) and actions == replies[: len(actions)]:
                return replies[len(actions)]
            if actions == replies:
                return str(ACTION_LISTEN_NAME)  # no rule knows this turn
        if first and kind and kind != first:
            if actions == [first]:
                return kind
            if actions == [first, kind]:
                # no rule knows this turn: without this, RulePolicy's fallback would answer
                return str(ACTION_LISTEN_NAME)
        unsure = (intent.get(PREDICTED_CONFIDENCE_KEY) or 0) < self.unsure_below
        if answer and unsure and actions == [answer["response"]] and alternatives(message, answers):
            return OFFER_RESPONSE
        return None

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.next_action(tracker, domain)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
