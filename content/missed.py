"""What the assistant missed: the messages it did not understand, was unsure about or could not
answer, masked, grouped by likely intent (`make review` and the studio's inbox).

Every message text here has been through the masking step (content/masking.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from content.conversations import MISSED_KINDS, Conversation, Turn, text_key
from content.masking import Masker

NO_INTENT = "(no intent)"


@dataclass
class Missed:
    """One message the assistant missed (masked), with how often it was written."""

    text: str
    likely_intent: str
    kinds: List[str]
    replies: List[str]  # each distinct reply it got, e.g. "utter_treatment + utter_offer_alternatives"
    language: str
    urgent: bool  # written in a conversation that escalated: never copied without a confirm
    count: int = 1
    last_seen: float = 0.0  # when it was last written (Unix time): the studio's inbox lists the newest first


@dataclass
class MissedGroup:
    intent: str
    messages: List[Missed] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(m.count for m in self.messages)


def reply_of(turn: Turn) -> str:
    return " + ".join(turn.responses) or "(no reply)"


def missed_groups(conversations: Sequence[Conversation], masker: Masker) -> List[MissedGroup]:
    """Messages the assistant did not understand or was unsure about, grouped by likely intent,
    the most frequent group first and the most frequent message first in each."""
    by_key: Dict[Tuple[str, str], Missed] = {}
    for conversation in conversations:
        for turn in conversation.turns:
            kinds = turn.kinds
            if not kinds:
                continue
            text = masker.mask(turn.text).text
            intent = turn.likely_intent or NO_INTENT
            key = (intent, text_key(text))
            if key not in by_key:
                by_key[key] = Missed(text, intent, kinds, [reply_of(turn)], turn.language, conversation.urgent, 0)
            missed = by_key[key]
            missed.count += 1
            missed.last_seen = max(missed.last_seen, turn.timestamp)
            missed.urgent = missed.urgent or conversation.urgent
            missed.kinds = [k for k in MISSED_KINDS if k in missed.kinds or k in kinds]
            if reply_of(turn) not in missed.replies:
                missed.replies.append(reply_of(turn))
    groups: Dict[str, MissedGroup] = {}
    for missed in by_key.values():
        groups.setdefault(missed.likely_intent, MissedGroup(missed.likely_intent)).messages.append(missed)
    for group in groups.values():
        group.messages.sort(key=lambda m: (-m.count, m.text))
    return sorted(groups.values(), key=lambda g: (-g.count, g.intent))
