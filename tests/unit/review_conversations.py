"""Conversations as the Rasa server stores them, for the review's tests (tests/unit/test_review.py,
tests/replica/test_review_postgres.py): built from Rasa's own events, the parse data and bot
metadata as the server writes them (the intent ranking, the message's language, each reply's
`utter_action` and its answer's topic metadata, the offered buttons).

Two days, four channels: confident answers; a message that fell to "please rephrase" and held a
phone number; an unsure answer the parent corrected with an offered button; one question the pages
do not cover asked three times (once with a child's name); a Spanish one; a fever report read as a
fallback but escalated (call_now_reading), in a conversation that also wrote an e-mail address; and
a fever report answered by the safety policy while the action server was down.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

DAY = 86400
# two days ago at 10:00 UTC, and yesterday
FIRST_DAY = (int(time.time()) // DAY - 2) * DAY + 10 * 3600
SECOND_DAY = FIRST_DAY + DAY

REPHRASE_WITH_PHONE = "can the nurse call me back at 555-123-4567 about the drug trial"
UNSURE_CORRECTED = "could his big brother be the marrow donor"
CORRECTION_BUTTON = "What is a bone marrow transplant?"
NOT_COVERED = "can my son Jake get the flu vaccine"
NOT_COVERED_MASKED = "can my son <name> get the flu vaccine"
NOT_COVERED_PLAIN = "can he get the flu vaccine"
SPANISH_NOT_COVERED = "¿puede ir a la guardería con las defensas bajas?"
URGENT_FALLBACK = "my daughter Emma feels hot 38.9"
URGENT_FALLBACK_MASKED = "my daughter <name> feels hot 38.9"
URGENT_WITH_EMAIL = "you can write to jane.doe@example.com"
SAFETY_POLICY_FEVER = "he is burning up"
SENDER_IDS = (
    "+15551230001",
    "+15551230002",
    "web-3",
    "+15551230004",
    "+34612000005",
    "+15551230006",
    "+15551230007",
    "slack-8",
)


def user(
    text: str,
    intent: str,
    confidence: float,
    stamp: float,
    channel: str,
    ranking: Sequence[Tuple[str, float]] = (),
    language: Optional[str] = None,
) -> UserUttered:
    ranking_data = [{"name": intent, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in ranking]
    return UserUttered(
        text,
        intent={"name": intent, "confidence": confidence},
        entities=[],
        parse_data={
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "intent_ranking": ranking_data,
            "language": language,
            "text": text,
        },
        timestamp=stamp,
        input_channel=channel,
    )


def reply(response: str, stamp: float, topic: Optional[str] = None, buttons: Sequence[str] = ()) -> List[Any]:
    metadata: Dict[str, Any] = {"utter_action": response, "metadata": {"source": "none"}}
    if topic:
        metadata["metadata"]["topic"] = topic
    data = {"buttons": [{"title": b, "payload": b} for b in buttons]} if buttons else {}
    return [
        ActionExecuted(response, policy="RulePolicy", confidence=1.0, timestamp=stamp),
        BotUttered(f"the text of {response}", data=data, metadata=metadata, timestamp=stamp),
    ]


def session(stamp: float) -> List[Any]:
    return [
        ActionExecuted("action_session_start", timestamp=stamp),
        SessionStarted(timestamp=stamp),
        ActionExecuted("action_listen", timestamp=stamp),
    ]


def listen(stamp: float) -> ActionExecuted:
    return ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=stamp)


def not_covered_turn(text: str, stamp: float, channel: str, language: Optional[str] = None) -> List[Any]:
    return [
        user(text, "ask_not_covered", 0.81, stamp, channel, [("ask_treatment", 0.05)], language),
        *reply("utter_not_covered", stamp + 1),
        listen(stamp + 1),
    ]


def conversations() -> List[List[Any]]:
    """Each conversation's events, in the order of SENDER_IDS."""
    d1, d2 = FIRST_DAY, SECOND_DAY
    return [
        # 1. SMS: a confident answer, then a message that fell to "please rephrase"
        [
            *session(d1),
            user("what is neutropenia", "ask_what_is_neutropenia", 0.97, d1 + 1, "twilio"),
            *reply("utter_what_is_neutropenia", d1 + 2, topic="What neutropenia is"),
            listen(d1 + 2),
            user(
                REPHRASE_WITH_PHONE,
                "nlu_fallback",
                0.31,
                d1 + 30,
                "twilio",
                [("ask_contact_care_team", 0.25), ("ask_treatment", 0.12)],
            ),
            *reply("utter_please_rephrase", d1 + 31, buttons=["What causes neutropenia?"]),
            listen(d1 + 31),
        ],
        # 2. SMS: an unsure answer, corrected with the offered button
        [
            *session(d1 + 100),
            user(
                UNSURE_CORRECTED,
                "ask_causes",
                0.42,
                d1 + 101,
                "twilio",
                [("ask_bone_marrow_transplant", 0.33), ("ask_treatment", 0.1)],
            ),
            *reply("utter_causes", d1 + 102, topic="Causes"),
            *reply("utter_offer_alternatives", d1 + 102, buttons=[CORRECTION_BUTTON, "How is neutropenia treated?"]),
            listen(d1 + 102),
            user(CORRECTION_BUTTON, "ask_bone_marrow_transplant", 0.95, d1 + 120, "twilio"),
            *reply("utter_bone_marrow_transplant", d1 + 121, topic="Bone marrow transplant"),
            listen(d1 + 121),
        ],
        # 3-4. the web page and SMS: the same question the pages do not cover
        [*session(d1 + 200), *not_covered_turn(NOT_COVERED, d1 + 201, "socketio")],
        [*session(d2), *not_covered_turn(NOT_COVERED_PLAIN, d2 + 1, "twilio")],
        # 5. WhatsApp in Spanish
        [
            *session(d2 + 50),
            *not_covered_turn(SPANISH_NOT_COVERED, d2 + 51, "twilio", language="es"),
            SlotSet("language", "es", timestamp=d2 + 51),
        ],
        # 6. the web page: a fever report read as a fallback, escalated; then an e-mail address
        [
            *session(d2 + 100),
            user(URGENT_FALLBACK, "nlu_fallback", 0.28, d2 + 101, "socketio", [("report_fever", 0.26)]),
            ActionExecuted("action_escalate_fever", policy="UrgentSafetyPolicy", confidence=1.0, timestamp=d2 + 102),
            SlotSet("triage_decision", "call_now_reading", timestamp=d2 + 102),
            *reply("utter_call_now_reading", d2 + 102),
            listen(d2 + 102),
            user(URGENT_WITH_EMAIL, "nlu_fallback", 0.2, d2 + 150, "socketio", [("ask_contact_care_team", 0.18)]),
            *reply("utter_please_rephrase", d2 + 151),
            listen(d2 + 151),
        ],
        # 7. SMS: a fever report while the action server was down: the safety policy's reply
        [
            *session(d2 + 200),
            user(SAFETY_POLICY_FEVER, "report_fever", 0.93, d2 + 201, "twilio"),
            ActionExecuted("action_escalate_fever", policy="RulePolicy", confidence=1.0, timestamp=d2 + 202),
            *reply("utter_call_now_fever", d2 + 203),
            listen(d2 + 203),
        ],
        # 8. Slack: the not-covered question once more, the same words
        [*session(d2 + 300), *not_covered_turn(NOT_COVERED_PLAIN, d2 + 301, "slack")],
    ]


def seed(store, prefix: str = "") -> None:
    """Saves every conversation into a Rasa tracker store (SQLTrackerStore); `prefix` before each
    sender id keeps them apart from a shared store's other conversations."""
    import asyncio

    from rasa.shared.core.trackers import DialogueStateTracker

    async def save_all() -> None:
        for sender_id, events in zip(SENDER_IDS, conversations(), strict=True):
            await store.save(DialogueStateTracker.from_events(prefix + sender_id, events, store.domain.slots))

    asyncio.run(save_all())


def conversation_starts() -> List[float]:
    """The time of each seeded conversation's first message: how a test finds them among others."""
    return [next(e.timestamp for e in events if isinstance(e, UserUttered)) for events in conversations()]
