"""Rasa's templated NLG, with the hospital settings and the first-message disclaimer.

Configured in endpoints.yml (`nlg: type: addons.nlg.hospital_nlg.HospitalNaturalLanguageGenerator`).
Answers write `{care_team_phone}`, `{after_hours_phone}` or `{fever_threshold}`; the values come
from clinical/settings.py at render time, so no number is typed into an answer and none
sits in a slot a message could set. This runs in the Rasa server, so it works when the action
server is down.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text, cast

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from addons import metrics, rasa_patches
from addons.nlu.language_detector import ENGLISH, LANGUAGE_SLOT, LANGUAGES, SPANISH
from addons.policies.confidence_bands import OFFER_RESPONSE, alternatives, topic_answers
from clinical.settings import HospitalSettings, load_settings

# One line under the first bot message of every conversation, in the conversation's language.
DISCLAIMERS = {
    ENGLISH: "(This chat gives general education, not a diagnosis. In an emergency, call 911.)",
    SPANISH: "(Este chat da información general, no un diagnóstico. En una emergencia, llame al 911.)",
}
DISCLAIMER = DISCLAIMERS[ENGLISH]


def conversation_language(tracker: DialogueStateTracker) -> str:
    language = tracker.get_slot(LANGUAGE_SLOT)
    return language if language in LANGUAGES else ENGLISH


def is_first_bot_message(tracker: DialogueStateTracker) -> bool:
    return not any(isinstance(event, BotUttered) for event in tracker.events)


class HospitalNaturalLanguageGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        domain: Optional[Domain] = None,
        settings: Optional[HospitalSettings] = None,
    ) -> None:
        # `rasa run` applied the patches when it created this project's channels (a no-op here);
        # `rasa shell` and a server started with only Rasa's own channels create no such channel,
        # but they create this NLG before the first message: the action-server timeout must hold
        # there too, or a hung action server would hold a fever report for up to 300 s.
        rasa_patches.apply()
        super().__init__((domain or Domain.empty()).responses)
        # Loaded once at server start: an invalid setting stops the server with its message.
        self.settings = settings or load_settings()

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        # The settings win over anything else of the same name; numbers in the conversation's language.
        kwargs.update(self.settings.template_variables(conversation_language(tracker)))
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if message and utter_action == OFFER_RESPONSE:
            # the next likeliest topics after the best guess just answered (addons/policies/confidence_bands.py)
            parse_data = tracker.latest_message.parse_data if tracker.latest_message else {}
            # from the responses as Rasa set them for the loaded model (not known at construction)
            message["buttons"] = alternatives(parse_data, topic_answers(self.responses, conversation_language(tracker)))
        if message and message.get("text") and is_first_bot_message(tracker):
            message["text"] = f"{message['text']}\n\n{DISCLAIMERS[conversation_language(tracker)]}"
        if message:
            # by the response's name and the message's channel: never its text or its sender
            metrics.count_reply(utter_action, tracker.get_latest_input_channel())
        return cast(Optional[Dict[Text, Any]], message)
