"""Urgent-care escalation: renders the decision the Rasa server made for a parent's message.

The Rasa server's NLU reader decided what the message calls for (clinical/triage.py
`triage_message`, in the parse data under `triage`); this action puts it in the conversation
(`decide_turn`: the answer to a confirmation question just asked, a call earlier in the last 24
hours) and sets the `triage_decision` slot, from which the rules in data/rules/urgent.yml pick the
content team's reply. If this action cannot run (action server down, an exception), the
UrgentSafetyPolicy in the Rasa server renders the same decision from the same function.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from clinical.triage import Triage, decide_turn, turns_from_events
from clinical.vocabulary import DECISION_SLOT, DECISIONS, ESCALATION_ACTION, READING_SLOT, TRIAGE_KEY

logger = logging.getLogger(__name__)


class ActionEscalateFever(Action):
    """Sets `triage_decision` (DECISION_SLOT) and the reading it shows (READING_SLOT)."""

    def name(self) -> Text:
        return ESCALATION_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        earlier, latest = turns_from_events(tracker.events)
        message = (latest or {}).get("parse_data") or tracker.latest_message or {}
        turn = decide_turn(
            Triage.from_dict(message.get(TRIAGE_KEY)),
            message.get("text") or "",
            float((latest or {}).get("timestamp") or 0.0),
            earlier,
            intent=(message.get("intent") or {}).get("name"),
        )
        # Logged without the message text: conversations are health information.
        logger.info("triage decision %s", turn.decision)
        if turn.decision not in DECISIONS:
            return []  # a "no" to the question, or nothing urgent: the Rasa server's policies answer
        return [
            SlotSet(DECISION_SLOT, turn.decision),
            # the Rasa server set the conversation's language before this action ran
            SlotSet(READING_SLOT, turn.triage.reading_text(tracker.get_slot("language") or "en")),
        ]
