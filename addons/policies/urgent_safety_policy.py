"""A dialogue policy that never lets an urgent message go unanswered.

Rasa 3.6 logs a failing custom action (action server down, timed out, or raising) and carries
on with no reply: the REST channel answers a fever report with an empty list. This policy
watches for that and for two other silent or unsafe outcomes:

1. `action_escalate_fever` ran but set no `triage_decision` (it failed): answer with the
   911 response for an emergency, else the Call-now response. Both are rendered in the Rasa
   server by addons/nlg/hospital_nlg.py with the care-team number from the hospital settings.
2. The classifier was unsure (`nlu_fallback`) but the message has a life-threatening sign, a
   temperature, a fever or an infection-sign phrase, or its best guess was an urgent intent:
   run the escalation action rather than ask a parent with a feverish child to rephrase.
   Likewise when the classifier picked an informational intent for a message that *reports*
   a temperature, a fever, a sign of infection or a life-threatening sign now (the entity's
   `assertion`, actions/urgent_mentions.py; every name in actions/urgent_vocabulary.py): "he's
   feverish and his cheeks are red" is escalated even if read as a question about a type.
3. After a fallback reply, listen.

It predicts nothing otherwise, and outranks RulePolicy (priority 6) only when it does.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from actions.urgent_mentions import counted
from actions.urgent_vocabulary import (
    CALL_911_RESPONSE,
    CALL_NOW_FEVER_RESPONSE,
    CALL_NOW_SIGN_RESPONSE,
    CARE_INTENTS,
    DECISION_SLOT,
    ESCALATION_ACTION,
    INFECTION_SIGN,
    LIFE_THREATENING_SIGN,
    REPORT_EMERGENCY,
    REPORT_INFECTION_SIGN,
    TEMPERATURE,
    URGENT_INTENTS,
)
from addons import metrics

NLU_FALLBACK_INTENT = DEFAULT_NLU_FALLBACK_INTENT_NAME  # "nlu_fallback"
# the replies this policy sends itself when the escalation action failed
FALLBACK_RESPONSES = {CALL_911_RESPONSE, CALL_NOW_SIGN_RESPONSE, CALL_NOW_FEVER_RESPONSE}
# RulePolicy has priority 6; a prediction of this policy must win a tie at confidence 1.0.
DEFAULT_PRIORITY = 7


def events_since_last_user_message(tracker: DialogueStateTracker) -> List[Any]:
    events: List[Any] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        events.append(event)
    return list(reversed(events))


def fallback_response_for(message: Dict[Text, Any]) -> Text:
    intent = (message.get("intent") or {}).get(INTENT_NAME_KEY)
    entities = {e.get("entity") for e in counted(message.get("entities") or [])}
    if intent == REPORT_EMERGENCY or LIFE_THREATENING_SIGN in entities:
        return CALL_911_RESPONSE
    if intent == REPORT_INFECTION_SIGN or (INFECTION_SIGN in entities and TEMPERATURE not in entities):
        return CALL_NOW_SIGN_RESPONSE
    return CALL_NOW_FEVER_RESPONSE


# Intents whose answer is itself safe for a parent who is reporting something urgent.
URGENT_OR_CARE_INTENTS = URGENT_INTENTS | CARE_INTENTS


def is_urgent_but_unsure(message: Dict[Text, Any]) -> bool:
    """An urgent message that would otherwise get a non-urgent reply.

    The NLU (addons/nlu/urgent_report_reader.py) already makes a message that reports a fever, a
    sign or a 911 sign now urgent; this is the same check once more in the policy, so that an
    urgent message read as "please rephrase" or as a topic question is escalated all the same.
    """
    intent = (message.get("intent") or {}).get(INTENT_NAME_KEY)
    reported = bool(counted(message.get("entities") or []))
    if intent != NLU_FALLBACK_INTENT:
        return reported and intent not in URGENT_OR_CARE_INTENTS
    if reported:
        return True
    ranking = [r for r in message.get("intent_ranking") or [] if r.get(INTENT_NAME_KEY) != NLU_FALLBACK_INTENT]
    return bool(ranking) and ranking[0].get(INTENT_NAME_KEY) in URGENT_INTENTS


def next_safety_action(tracker: DialogueStateTracker) -> Optional[Text]:
    """The action this policy insists on now, or None to let the other policies decide."""
    since_user = events_since_last_user_message(tracker)
    actions = [e.action_name for e in since_user if isinstance(e, ActionExecuted)]
    message = tracker.latest_message.parse_data if tracker.latest_message else {}

    if actions == [ACTION_LISTEN_NAME] or not actions:
        return ESCALATION_ACTION if is_urgent_but_unsure(message) else None

    if ESCALATION_ACTION not in actions:
        return None
    after_escalation = since_user[
        max(i for i, e in enumerate(since_user) if isinstance(e, ActionExecuted) and e.action_name == ESCALATION_ACTION)
        + 1 :
    ]
    decided = any(isinstance(e, SlotSet) and e.key == DECISION_SLOT and e.value for e in after_escalation)
    answered = any(isinstance(e, BotUttered) for e in after_escalation)
    if decided:
        return None
    if not answered:
        return fallback_response_for(message)
    if actions[-1] in FALLBACK_RESPONSES:
        return ACTION_LISTEN_NAME
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class UrgentSafetyPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": DEFAULT_PRIORITY}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        # Nothing to learn: the policy applies fixed safety rules.
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = next_safety_action(tracker)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
            if action in FALLBACK_RESPONSES:
                metrics.count_safety_policy_takeover(metrics.ACTION_SERVER_FAILED)
            elif action == ESCALATION_ACTION:
                metrics.count_safety_policy_takeover(metrics.URGENT_BUT_UNSURE)
        return self._prediction(probabilities)
