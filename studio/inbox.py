"""The inbox: what parents asked that the assistant missed, read the way `make review` reads it
(content/conversations.py through Rasa's tracker store: the SQLite of `make run`, or PostgreSQL with
endpoints.production.yml), masked by the same masker (content/masking.py: <phone>, <email>, <date>,
<name>), grouped by likely topic, newest first, with counts. Besides the review's "please rephrase",
unsure, not covered and corrected messages, the inbox lists openers (a message taken for "my child
was diagnosed" with no question: a question may hide in it).

Only masked text is ever kept or written. What the editors decided (assigned to a topic, should
have escalated, new topic needed, dismissed) is kept in STUDIO_STATE_DIR/inbox.json, so a message
decided once leaves the inbox; "should have escalated" messages go to the clinical reviewer's list
and "new topic needed" ones to the new-topic page, with their masked text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from content.conversations import Conversation, read_endpoint_conversations, text_key
from content.masking import default_masker
from content.missed import NO_INTENT, Missed, missed_groups

OPENER_INTENT = "share_situation"
OPENER = "opener"
ASSIGNED, ESCALATE, NEW_TOPIC, DISMISSED = "assigned", "should have escalated", "new topic needed", "dismissed"
DECISIONS = (ASSIGNED, ESCALATE, NEW_TOPIC, DISMISSED)


@dataclass
class InboxMessage:
    key: str
    text: str  # masked
    likely_intent: str
    kinds: List[str]
    replies: List[str]
    language: str
    urgent: bool
    count: int
    last_seen: float

    @property
    def when(self) -> str:
        return dt.datetime.fromtimestamp(self.last_seen, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@dataclass
class InboxGroup:
    intent: str
    messages: List[InboxMessage] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(m.count for m in self.messages)

    @property
    def newest(self) -> float:
        return max((m.last_seen for m in self.messages), default=0.0)


@dataclass
class Decision:
    key: str
    decision: str
    text: str  # masked
    likely_intent: str
    language: str
    urgent: bool
    by: str
    at: str
    intent: str = ""  # the intent it was assigned to
    reviewed_by: str = ""  # the clinical reviewer who looked at a "should have escalated" message


def message_key(likely_intent: str, text: str) -> str:
    return hashlib.sha256(f"{likely_intent}\x1f{text_key(text)}".encode()).hexdigest()[:16]


def _openers(conversations: List[Conversation], masker) -> List[Missed]:
    found: Dict[str, Missed] = {}
    for conversation in conversations:
        for turn in conversation.turns:
            if turn.intent != OPENER_INTENT or turn.kinds:
                continue
            text = masker.mask(turn.text).text
            missed = found.get(text_key(text))
            if missed is None:
                missed = found[text_key(text)] = Missed(
                    text, OPENER_INTENT, [OPENER], [" + ".join(turn.responses)], turn.language, conversation.urgent, 0
                )
            missed.count += 1
            missed.last_seen = max(missed.last_seen, turn.timestamp)
            missed.urgent = missed.urgent or conversation.urgent
    return list(found.values())


class Inbox:
    def __init__(self, endpoints: Path, vocabulary_root: Path, state: Path):
        self.endpoints, self.vocabulary_root = endpoints, vocabulary_root
        self.decisions_file = state / "inbox.json"
        self._lock = threading.Lock()
        self._messages: List[InboxMessage] = []
        self.read_at: Optional[float] = None
        self.error: Optional[str] = None
        self.conversations = 0

    # --- reading ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reads the conversations again (blocking: seconds; run it in a thread)."""
        try:
            conversations = read_endpoint_conversations(self.endpoints)
        except SystemExit as error:  # the reader's own plain message: no database yet, variables unset
            with self._lock:
                self.error, self._messages, self.read_at = str(error), [], time.time()
            return
        masker = default_masker(self.vocabulary_root)
        missed = [m for group in missed_groups(conversations, masker) for m in group.messages]
        missed += _openers(conversations, masker)
        messages = [
            InboxMessage(
                message_key(m.likely_intent, m.text),
                m.text,
                m.likely_intent,
                list(m.kinds),
                list(m.replies),
                m.language,
                m.urgent,
                m.count,
                m.last_seen,
            )
            for m in missed
        ]
        with self._lock:
            self._messages, self.error, self.read_at = messages, None, time.time()
            self.conversations = len(conversations)

    def groups(self) -> List[InboxGroup]:
        """The undecided messages by likely intent, the group with the newest message first, newest
        first in each."""
        decided = self.decisions()
        groups: Dict[str, InboxGroup] = {}
        with self._lock:
            for message in self._messages:
                if message.key in decided:
                    continue
                groups.setdefault(message.likely_intent, InboxGroup(message.likely_intent)).messages.append(message)
        for group in groups.values():
            group.messages.sort(key=lambda m: (-m.last_seen, m.text))
        return sorted(groups.values(), key=lambda g: (-g.newest, g.intent))

    def message(self, key: str) -> Optional[InboxMessage]:
        with self._lock:
            return next((m for m in self._messages if m.key == key), None)

    # --- deciding -----------------------------------------------------------------------------

    def decisions(self) -> Dict[str, Decision]:
        if not self.decisions_file.exists():
            return {}
        data = json.loads(self.decisions_file.read_text(encoding="utf-8"))
        return {k: Decision(**v) for k, v in data.items()}

    def _write(self, decisions: Dict[str, Decision]) -> None:
        self.decisions_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.decisions_file.with_name(self.decisions_file.name + ".tmp")
        tmp.write_text(json.dumps({k: asdict(d) for k, d in decisions.items()}, ensure_ascii=False, indent=1))
        os.chmod(tmp, 0o600)
        tmp.replace(self.decisions_file)

    def decide(self, message: InboxMessage, decision: str, user: str, intent: str = "") -> Decision:
        if decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}")
        record = Decision(
            message.key,
            decision,
            message.text,
            message.likely_intent,
            message.language,
            message.urgent,
            user,
            dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            intent,
        )
        with self._lock:
            decisions = self.decisions()
            decisions[message.key] = record
            self._write(decisions)
        return record

    def undo(self, key: str) -> None:
        with self._lock:
            decisions = self.decisions()
            decisions.pop(key, None)
            self._write(decisions)

    def listed(self, decision: str) -> List[Decision]:
        return sorted(
            (d for d in self.decisions().values() if d.decision == decision), key=lambda d: d.at, reverse=True
        )

    def mark_reviewed(self, key: str, reviewer: str) -> None:
        with self._lock:
            decisions = self.decisions()
            if key in decisions:
                decisions[key].reviewed_by = reviewer
                self._write(decisions)


def likely_label(intent: str) -> str:
    return "no likely topic" if intent == NO_INTENT else intent
