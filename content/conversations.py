"""The conversations of the running setup, read through Rasa's own tracker store, as turns: what the
parent wrote, what the classifier thought, what the assistant answered and whether it escalated.

The store is the one the endpoints file configures (endpoints.yml: the SQLite file `make run`
writes; endpoints.production.yml: PostgreSQL, with its variables set), created by Rasa's
TrackerStore.create, listed with keys() and read with retrieve_full_tracker (every session).
Sender ids (which can be phone numbers) stay in this module: a conversation is numbered.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Text

import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from clinical.vocabulary import (
    CALL_911_RESPONSE,
    CALL_NOW_FEVER_RESPONSE,
    CALL_NOW_LOW_TEMPERATURE_RESPONSE,
    CALL_NOW_READING_RESPONSE,
    CALL_NOW_SIGN_RESPONSE,
    DECISION_SLOT,
    URGENT_INTENTS,
)

FALLBACK_INTENT = "nlu_fallback"
REPHRASE_RESPONSE = "utter_please_rephrase"
OFFER_RESPONSE = "utter_offer_alternatives"
NOT_COVERED_RESPONSE = "utter_not_covered"
NOT_COVERED_INTENT = "ask_not_covered"
CALL_RESPONSES = (
    CALL_911_RESPONSE,
    CALL_NOW_READING_RESPONSE,
    CALL_NOW_FEVER_RESPONSE,
    CALL_NOW_SIGN_RESPONSE,
    CALL_NOW_LOW_TEMPERATURE_RESPONSE,
)
LANGUAGE_SLOT = "language"
ROOT = Path(__file__).resolve().parent.parent
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")

# why a message is listed for review, strongest first
CORRECTED = "corrected"  # the parent chose an offered topic right after the answer to a best guess
REPHRASE = "rephrase"  # nlu_fallback: "please rephrase"
NOT_COVERED = "not covered"  # ask_not_covered: the pages do not answer it
UNSURE = "unsure"  # the answer to a best guess, then the offer of other topics
MISSED_KINDS = (CORRECTED, REPHRASE, NOT_COVERED, UNSURE)


@dataclass
class Turn:
    """One message of a parent and everything the assistant did before the next one."""

    text: str
    timestamp: float
    intent: Optional[str]
    confidence: float
    ranking: List[Dict[str, Any]]
    language: str  # "en" or "es": the message's own, else the conversation's
    responses: List[str] = field(default_factory=list)  # the responses sent, in order (utter_...)
    offered: List[str] = field(default_factory=list)  # the payloads of the buttons offered
    decision: Optional[str] = None  # triage_decision set in this turn
    corrected_to: Optional[str] = None  # the intent of the offered topic the parent chose next

    @property
    def day(self) -> date:
        return datetime.fromtimestamp(self.timestamp, tz=timezone.utc).date()

    @property
    def kinds(self) -> List[str]:
        """Why this message is worth a look (empty when it was answered with confidence)."""
        kinds = []
        if self.corrected_to:
            kinds.append(CORRECTED)
        if self.intent == FALLBACK_INTENT or REPHRASE_RESPONSE in self.responses:
            kinds.append(REPHRASE)
        if self.intent == NOT_COVERED_INTENT or NOT_COVERED_RESPONSE in self.responses:
            kinds.append(NOT_COVERED)
        if OFFER_RESPONSE in self.responses:
            kinds.append(UNSURE)
        return kinds

    @property
    def likely_intent(self) -> Optional[str]:
        """The parent's own choice when they corrected the guess, else the classifier's best
        intent other than nlu_fallback (its ranking in the stored parse data)."""
        if self.corrected_to:
            return self.corrected_to
        if self.intent and self.intent != FALLBACK_INTENT:
            return self.intent
        for entry in self.ranking:
            if entry.get("name") and entry.get("name") != FALLBACK_INTENT:
                return entry["name"]
        return None

    @property
    def safety_policy_replies(self) -> List[str]:
        """Call-now replies sent with no triage decision: the safety policy's, when the action
        server failed (addons/policies/urgent_safety_policy.py)."""
        return [] if self.decision else [r for r in self.responses if r in CALL_RESPONSES]


@dataclass
class Conversation:
    number: int  # 1, 2, ...: the review shows no sender id
    channel: str
    turns: List[Turn]

    @property
    def urgent(self) -> bool:
        """Any escalation, urgent intent or Call-now reply: its messages stay out of the report
        and out of training data unless the editor confirms each one."""
        return any(
            t.decision
            or t.intent in URGENT_INTENTS
            or t.safety_policy_replies
            or any(r in CALL_RESPONSES for r in t.responses)
            for t in self.turns
        )

    @property
    def days(self) -> List[date]:
        return sorted({t.day for t in self.turns})


def conversation_from_events(number: int, events: Iterable[Any]) -> Conversation:
    """A conversation's turns from its tracker's events (every session)."""
    turns: List[Turn] = []
    channel = ""
    language = "en"
    for event in events:
        if isinstance(event, UserUttered):
            parse = event.parse_data or {}
            channel = channel or event.input_channel or ""
            message_language = parse.get("language")
            if turns and turns[-1].offered and (event.text or "") in turns[-1].offered:
                turns[-1].corrected_to = (event.intent or {}).get("name")
            turns.append(
                Turn(
                    text=event.text or "",
                    timestamp=event.timestamp,
                    intent=(event.intent or {}).get("name"),
                    confidence=float((event.intent or {}).get("confidence") or 0.0),
                    ranking=list(parse.get("intent_ranking") or []),
                    language=message_language if message_language in ("en", "es") else language,
                )
            )
        elif not turns:
            continue
        elif isinstance(event, SlotSet) and event.key == DECISION_SLOT and event.value:
            turns[-1].decision = str(event.value)
        elif isinstance(event, SlotSet) and event.key == LANGUAGE_SLOT and event.value in ("en", "es"):
            language = turns[-1].language = str(event.value)
        elif isinstance(event, ActionExecuted) and (event.action_name or "").startswith("utter_"):
            # the response's action, whether the reply was rendered or not
            turns[-1].responses.append(event.action_name)
        elif isinstance(event, BotUttered):
            response = (event.metadata or {}).get("utter_action") or (turns[-1].responses or [""])[-1]
            if response in (OFFER_RESPONSE, REPHRASE_RESPONSE):
                turns[-1].offered.extend(b.get("payload", "") for b in (event.data or {}).get("buttons") or [])
    return Conversation(number=number, channel=channel or "unknown", turns=turns)


def tracker_store_config(endpoints_file: Path) -> Optional[Dict[str, Any]]:
    """The endpoints file's tracker_store section, its ${VARIABLES} filled in from the environment.

    Only this section's: the review needs the database's variables, not the action server's or
    Redis's (Rasa's own reader expands the whole file and stops at the first one unset)."""
    if not endpoints_file.exists():
        raise SystemExit(
            f"{endpoints_file} does not exist: give the endpoints file `make run` uses "
            f"(endpoints.yml, or endpoints.production.yml with its variables)."
        )
    section = (yaml.safe_load(endpoints_file.read_text(encoding="utf-8")) or {}).get("tracker_store")
    if section is None:
        return None
    text = json.dumps(section)
    missing = sorted({name for name in VARIABLE.findall(text) if name not in os.environ})
    if missing:
        raise SystemExit(
            f"{endpoints_file}: set {', '.join(missing)} to read the conversations from its tracker store "
            f'(README "Production" lists them).'
        )
    return json.loads(VARIABLE.sub(lambda m: json.dumps(os.environ[m.group(1)])[1:-1], text))


def open_store(endpoints_file: Path):
    """Rasa's tracker store as the endpoints file configures it."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    # the libraries' deprecation notices (sanic_cors, SQLAlchemy's URL()) are not the editor's concern;
    # set after importing Rasa, whose TensorFlow import puts its own filters first
    warnings.simplefilter("ignore", DeprecationWarning)
    from addons import rasa_patches

    rasa_patches.apply()  # the server's engine options (POSTGRES_SSLMODE) and bounded waits

    from rasa.shared.core.domain import Domain

    config = tracker_store_config(endpoints_file)
    if config is None:
        raise SystemExit(
            f"{endpoints_file} configures no tracker_store: conversations are kept in memory "
            f"and gone when the server stops; there is nothing to review."
        )
    if str(config.get("dialect", "")).lower() == "sqlite" and config.get("db"):
        # relative to the project, as `make run` starts the server there; SQLite would create an
        # empty file anywhere else and the review would find nothing
        database = endpoints_file.parent / config["db"]
        if not database.exists():
            raise SystemExit(f"{database} does not exist: no conversations yet (`make run` writes it).")
        config["db"] = str(database)
    # the whole domain as Rasa trains it: domain.yml and the responses of data/responses/
    domain = Domain.load([str(ROOT / "domain.yml"), str(ROOT / "data" / "responses")])
    store = TrackerStore.create(EndpointConfig.from_dict(config), domain)
    return getattr(store, "_tracker_store", store)  # Rasa wraps stores in a fail-safe wrapper


async def _read(store, progress: Callable[[List[str]], Iterable[str]]) -> List[Conversation]:
    conversations: List[Conversation] = []
    unreadable = 0
    for sender_id in progress(sorted(await store.keys())):
        try:
            tracker = await store.retrieve_full_tracker(sender_id)
        except (KeyError, TypeError, ValueError, AttributeError):
            # Rasa could not rebuild this conversation from its stored events (an event of another
            # Rasa version, or written by hand): skip it, and say how many, never which
            unreadable += 1
            continue
        if tracker is None:
            continue
        conversation = conversation_from_events(len(conversations) + 1, tracker.events)
        if conversation.turns:
            conversations.append(conversation)
    if unreadable:
        print(f"{unreadable} stored conversation(s) could not be read by Rasa and were skipped.", file=sys.stderr)
    return conversations


def read_conversations(
    store, since: Optional[float] = None, progress: Callable[[List[str]], Iterable[str]] = iter
) -> List[Conversation]:
    """Every conversation with at least one message from the parent (since `since`, a Unix time);
    `progress` wraps the list of conversations to read (rich's track() in a terminal)."""
    conversations = asyncio.run(_read(store, progress))
    if since is not None:
        for conversation in conversations:
            conversation.turns = [t for t in conversation.turns if t.timestamp >= since]
        conversations = [c for c in conversations if c.turns]
        for number, conversation in enumerate(conversations, start=1):
            conversation.number = number
    return conversations


def read_endpoint_conversations(
    endpoints_file: Path, since: Optional[float] = None, progress: Callable[[List[str]], Iterable[str]] = iter
) -> List[Conversation]:
    store = open_store(endpoints_file)
    try:
        return read_conversations(store, since, progress)
    except Exception as error:
        if type(error).__module__.startswith(("sqlalchemy", "psycopg2")):
            raise SystemExit(
                f"could not read the conversations ({endpoints_file}): {type(error).__name__}: "
                f"{str(error).splitlines()[0]}. Is the database running and are its variables "
                f'set (README "Production")?'
            ) from None
        raise


def text_key(text: Text) -> str:
    """Two messages that differ only in case and spacing are one."""
    return " ".join(text.lower().split())
