"""The content as the editors see it: each answer with its Spanish twin, source, review date and
translation review; the intents with a plain title; the topics; what is due for review. Read from
a work tree at the published content with the content library's own loaders (content/checks/), so
the studio and `make validate` never read the files two ways."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from ruamel.yaml import YAML

from content.checks import Answer, Project, load_answers
from content.checks.examples import BUILT_IN_INTENTS, domain_intents
from content.checks.sources import source_ids

# the urgent answers and examples are clinical: every change needs the clinical reviewer (CONTENT.md)
URGENT_TOPIC = "urgent"
URGENT_INTENTS = ("report_fever", "report_infection_sign", "report_emergency")


@dataclass
class AnswerPair:
    name: str
    topic: str  # the data/responses/<topic>.yml it is in
    en: Optional[Answer] = None
    es: Optional[Answer] = None

    @property
    def title(self) -> str:
        meta = self.en.metadata if self.en else {}
        return str(meta.get("topic") or self.name.removeprefix("utter_").replace("_", " ").capitalize())

    @property
    def urgent(self) -> bool:
        return self.topic == URGENT_TOPIC

    @property
    def sources(self) -> List[str]:
        return source_ids(self.en.metadata) if self.en else []

    @property
    def reviewed(self) -> str:
        return str(self.en.metadata.get("reviewed") or "") if self.en else ""

    @property
    def translation_reviewed(self) -> str:
        return str(self.es.metadata.get("translation_reviewed") or "").strip() if self.es else ""

    @property
    def translates(self) -> str:
        return str(self.es.metadata.get("translates") or "") if self.es else ""


@dataclass
class DueItem:
    name: str
    title: str
    why: str
    kind: str  # "review" (clinical) or "translation"


@dataclass
class Library:
    root: Path
    answers: Dict[str, AnswerPair] = field(default_factory=dict)
    intents: List[str] = field(default_factory=list)
    intent_topic: Dict[str, str] = field(default_factory=dict)
    intent_answer: Dict[str, str] = field(default_factory=dict)
    topics: List[str] = field(default_factory=list)
    sources: Dict[str, dict] = field(default_factory=dict)

    @classmethod
    def read(cls, root: Path) -> "Library":
        library = cls(root)
        project = Project(root)
        answers, _ = load_answers(project)
        for answer in answers:
            topic = Path(answer.file).stem
            pair = library.answers.setdefault(answer.name, AnswerPair(answer.name, topic))
            if answer.language == "es":
                pair.es = pair.es or answer
            else:
                pair.en = pair.en or answer
        library.intents = [i for i in domain_intents(project) if i not in BUILT_IN_INTENTS]
        library.topics = sorted(p.stem for p in (root / "data" / "nlu").glob("*.yml"))
        for topic in library.topics:
            text = (root / "data" / "nlu" / f"{topic}.yml").read_text(encoding="utf-8")
            for intent in re.findall(r"^- intent:\s*(\S+)\s*$", text, re.M):
                library.intent_topic.setdefault(intent, topic)
        safe = YAML(typ="safe")
        for path in sorted((root / "data" / "rules").glob("*.yml")):
            for rule in (safe.load(path.read_text(encoding="utf-8")) or {}).get("rules") or []:
                steps = rule.get("steps") or []
                for first, second in zip(steps, steps[1:], strict=False):
                    if "intent" in first and "action" in second:
                        library.intent_answer.setdefault(str(first["intent"]), str(second["action"]))
        library.sources = {
            str(k): v for k, v in (safe.load((root / "content_sources.yml").read_text()) or {}).items() if v
        }
        return library

    def intent_title(self, intent: str) -> str:
        """A plain title for an intent: its answer's topic ("Causes"), else its name in words."""
        answer = self.answers.get(self.intent_answer.get(intent, ""))
        if answer and answer.en and answer.en.metadata.get("topic"):
            return str(answer.en.metadata["topic"])
        return intent.removeprefix("ask_").replace("_", " ").capitalize()

    def answers_by_topic(self) -> Dict[str, List[AnswerPair]]:
        grouped: Dict[str, List[AnswerPair]] = {}
        for pair in self.answers.values():
            grouped.setdefault(pair.topic, []).append(pair)
        return grouped

    def due(self, today: dt.date, interval_days: int) -> List[DueItem]:
        """Answers whose review date is older than the interval (or missing), and Spanish answers
        without a translator's sign-off or translated from an older English."""
        items = []
        for pair in self.answers.values():
            if pair.en and pair.sources != ["none"]:
                try:
                    age = (today - dt.date.fromisoformat(pair.reviewed)).days
                    if age > interval_days:
                        items.append(
                            DueItem(pair.name, pair.title, f"last reviewed {pair.reviewed}, {age} days ago", "review")
                        )
                except ValueError:
                    items.append(DueItem(pair.name, pair.title, "no review date", "review"))
            if pair.es:
                if pair.en and pair.translates and pair.translates != pair.reviewed:
                    items.append(
                        DueItem(pair.name, pair.title, "the English changed since it was translated", "translation")
                    )
                elif not pair.translation_reviewed:
                    items.append(
                        DueItem(pair.name, pair.title, "no medical translator has reviewed it yet", "translation")
                    )
        return items
