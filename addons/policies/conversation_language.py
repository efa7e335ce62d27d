"""Sets the conversation's `language` slot from the language of the parent's latest message.

addons/nlu/language_detector.py puts `language` ("en" or "es") in a message's parse data when the
message is clearly in one language, or when the web page's switch chose it. On the first prediction
after that message, this policy returns the slot's new value as an event of its prediction: Rasa
applies every policy's events before the predicted action runs (DefaultPolicyPredictionEnsemble),
so the reply, its first line and every later one are rendered in that language. It votes for no
action (all probabilities 0), runs in the Rasa server (so it works when the action server is down),
and changes nothing when the message's language is unclear or already the conversation's.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from addons.nlu.language_detector import LANGUAGE_KEY, LANGUAGE_SLOT, LANGUAGES


def language_to_set(tracker: DialogueStateTracker) -> Optional[Text]:
    """The latest message's clear language, if no action has run since it and it differs from
    the conversation's."""
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            return None  # already handled on the first prediction after the message
        if isinstance(event, UserUttered):
            language = (event.parse_data or {}).get(LANGUAGE_KEY)
            if language in LANGUAGES and language != tracker.get_slot(LANGUAGE_SLOT):
                return str(language)
            return None
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class ConversationLanguagePolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # it never predicts an action, so its priority only breaks ties of all-zero predictions
        return {"priority": 0}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        language = language_to_set(tracker)
        has_slot = any(slot.name == LANGUAGE_SLOT for slot in domain.slots)
        events = [SlotSet(LANGUAGE_SLOT, language)] if language and has_slot else []
        return self._prediction(self._default_predictions(domain), events=events)
