"""Urgent-care escalation: the decision for a fever or infection-sign report.

`triage` applies clinical-rules.md to what the message says (its intent and the entity_ruler's
entities); `ActionEscalateFever` runs it and sets the `triage_decision` slot. The words the
parent reads are the content team's responses, chosen by the rules in data/rules/urgent.yml
from that slot. If this action cannot run (action server down, an exception), the
UrgentSafetyPolicy in the Rasa server answers with the Call-now (or 911) response instead.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.hospital_settings import HospitalSettings, load_settings
from actions.temperature import TemperatureReading, UnreadableTemperature, read_temperature
from actions.urgent_mentions import counted
from actions.urgent_vocabulary import (
    ASK_AGAIN,
    CALL_911,
    CALL_NOW_FEVER,
    CALL_NOW_LOW_TEMPERATURE,
    CALL_NOW_READING,
    CALL_NOW_SIGN,
    DECISION_SLOT,
    ESCALATION_ACTION,
    FEVER_PHRASE,
    INFECTION_SIGN,
    LIFE_THREATENING_SIGN,
    READING_SLOT,
    RECHECK,
    REPORT_EMERGENCY,
    REPORT_FEVER,
    REPORT_INFECTION_SIGN,
    TEMPERATURE,
)

logger = logging.getLogger(__name__)

# clinical-rules.md: "temperature below 36 °C" is a sign of infection
LOW_TEMPERATURE_C = 36.0
# "fever of 55", "tiene 55 de fiebre", "calentura de 48": the entity_ruler labels the whole span a
# temperature, but the parent said fever ("febr" also covers febrile, febril, febrícula)
FEVER_WORD = re.compile(r"\b(fever|feaver|fevr|febr|fiebr|fievre|calentur|afiebr)", re.IGNORECASE)


@dataclass(frozen=True)
class Triage:
    decision: str
    reading: Optional[TemperatureReading] = None
    unreadable: Optional[UnreadableTemperature] = None

    def reading_text(self, language: str = "en") -> Optional[str]:
        """The reading as the reply shows it, in the conversation's language."""
        return self.reading.describe(language) if self.reading else None


def _texts(entities: Iterable[Dict[Text, Any]], label: str) -> List[str]:
    return [str(e.get("value", "")) for e in entities if e.get("entity") == label]


def triage(
    intent: Optional[str], entities: List[Dict[Text, Any]], settings: HospitalSettings, text: str = ""
) -> Triage:
    """Decides what a parent must do now, by clinical-rules.md, most urgent first.

    Only the entities the parent reports now count: "no fever", "if she gets chills" or "a
    seizure two years ago" do not (actions/urgent_mentions.py).
    """
    entities = counted(entities)
    if intent == REPORT_EMERGENCY or _texts(entities, LIFE_THREATENING_SIGN):
        return Triage(CALL_911)

    readings, unreadable = [], None
    for text in _texts(entities, TEMPERATURE):
        result = read_temperature(text)
        if isinstance(result, TemperatureReading):
            readings.append(result)
        elif unreadable is None:
            unreadable = result
    highest = max(readings, key=lambda r: r.celsius, default=None)
    lowest = min(readings, key=lambda r: r.celsius, default=None)

    if highest and highest.celsius >= settings.fever_threshold_c:
        return Triage(CALL_NOW_READING, reading=highest)
    if lowest and lowest.celsius < LOW_TEMPERATURE_C:
        return Triage(CALL_NOW_LOW_TEMPERATURE, reading=lowest)
    if intent == REPORT_INFECTION_SIGN or _texts(entities, INFECTION_SIGN):
        return Triage(CALL_NOW_SIGN, reading=highest)
    if highest:
        return Triage(RECHECK, reading=highest)
    fever_in_words = bool(_texts(entities, FEVER_PHRASE)) or (unreadable and FEVER_WORD.search(unreadable.text))
    if unreadable and not fever_in_words:
        return Triage(ASK_AGAIN, unreadable=unreadable)
    if intent == REPORT_FEVER and not entities and not any(c.isalpha() for c in text):
        # A bare "1" or "7" (an SMS menu choice, a typo) read as a fever report: ask for the reading.
        return Triage(ASK_AGAIN, unreadable=UnreadableTemperature(text, "no temperature in it"))
    # A fever in words ("she's burning up"), or a report whose number we could not read:
    # clinical-rules.md says treat it as at or above the threshold.
    return Triage(CALL_NOW_FEVER, unreadable=unreadable)


class ActionEscalateFever(Action):
    """Triage of a fever, infection-sign or emergency report; sets `triage_decision` (DECISION_SLOT)."""

    def __init__(self, settings: Optional[HospitalSettings] = None) -> None:
        # Read at start-up, so a bad setting stops the action server with a clear message
        # instead of failing on a parent's fever report.
        self.settings = settings or load_settings()

    def name(self) -> Text:
        return ESCALATION_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        result = triage(intent, message.get("entities") or [], self.settings, message.get("text") or "")
        # Logged without the message text: conversations are health information.
        logger.info("triage decision %s for intent %s", result.decision, intent)
        return [
            SlotSet(DECISION_SLOT, result.decision),
            # the Rasa server set the conversation's language before this action ran
            SlotSet(READING_SLOT, result.reading_text(tracker.get_slot("language") or "en")),
        ]
