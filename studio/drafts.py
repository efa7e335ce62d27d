"""Each person's unpublished changes (a draft), kept in STUDIO_STATE_DIR/drafts/<user>.json until
they are published or discarded: reworded answers, training examples from the inbox, new topics and
a translator's reviews of Spanish answers. Nothing is lost when two people change the same answer:
each keeps their own draft, the second is told the first is changing it too, and a draft whose
answer was published by someone else since it began is not published until its author has looked
at the newest text (`conflicts`).

What a draft needs before it is published:
  * a clinical reviewer's sign-off for any English answer change (text or sources), any change of
    an urgent answer, a new topic, or an example under an urgent intent (a new urgent phrase);
  * a translator's sign-off sets `translation_reviewed` on the Spanish answers it changed; without
    one they are published with `translation_reviewed: ""` and are listed as due for review.
A sign-off covers the draft as it was signed: a change after it voids it (`fingerprint`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from content import yaml_files
from content.training_data import Added, add_examples
from studio.library import URGENT_INTENTS, Library

CLINICAL, TRANSLATION = "clinical", "translation"


@dataclass
class AnswerEdit:
    name: str
    language: str  # "en" or "es"
    text: str
    base_text: str  # the published text when this edit was last saved on top of it
    sources: List[str] = field(default_factory=list)  # English only: the source ids
    base_sources: List[str] = field(default_factory=list)
    saved: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}|{self.language}"


@dataclass
class ExampleEdit:
    text: str  # masked, as the inbox showed it
    intent: str
    language: str
    inbox_key: str = ""
    from_urgent_conversation: bool = False


@dataclass
class TopicEdit:
    topic: str  # the topic files it goes in (data/*/<topic>.yml)
    intent: str
    response: str
    title_en: str
    question_en: str
    text_en: str
    title_es: str
    question_es: str
    text_es: str
    sources: List[str]
    meaning: str
    examples_en: List[str]
    examples_es: List[str]
    held_out_en: List[str]
    held_out_es: List[str]


@dataclass
class TranslationReview:
    name: str  # the answer whose Spanish twin was reviewed as it stands
    by: str
    by_name: str
    date: str


@dataclass
class SignOff:
    kind: str  # CLINICAL or TRANSLATION
    by: str
    by_name: str
    by_email: str
    date: str
    fingerprint: str


@dataclass
class Draft:
    user: str
    answers: Dict[str, AnswerEdit] = field(default_factory=dict)
    examples: List[ExampleEdit] = field(default_factory=list)
    topics: List[TopicEdit] = field(default_factory=list)
    translation_reviews: List[TranslationReview] = field(default_factory=list)
    signoffs: Dict[str, SignOff] = field(default_factory=dict)
    updated: str = ""

    @property
    def empty(self) -> bool:
        return not (self.answers or self.examples or self.topics or self.translation_reviews)

    def fingerprint(self) -> str:
        """What a sign-off covers: every change, not who signed."""
        changes = {
            "answers": {k: (a.text, a.sources) for k, a in sorted(self.answers.items())},
            "examples": [(e.text, e.intent, e.language) for e in self.examples],
            "topics": [asdict(t) for t in self.topics],
            "translation_reviews": [(r.name, r.by) for r in self.translation_reviews],
        }
        return hashlib.sha256(json.dumps(changes, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def valid_signoff(self, kind: str) -> Optional[SignOff]:
        signoff = self.signoffs.get(kind)
        return signoff if signoff and signoff.fingerprint == self.fingerprint() else None

    # --- what it needs ------------------------------------------------------------------------

    def clinical_reasons(self, library: Library) -> List[str]:
        """Why the draft needs a clinical reviewer's sign-off (empty: it does not)."""
        reasons = []
        for edit in self.answers.values():
            pair = library.answers.get(edit.name)
            urgent = bool(pair and pair.urgent)
            if edit.language == "en":
                reasons.append(f"{edit.name}: the English answer changed" + (" (an urgent answer)" if urgent else ""))
            elif urgent:
                reasons.append(f"{edit.name}: an urgent answer's Spanish changed")
        for topic in self.topics:
            reasons.append(f"{topic.intent}: a new topic")
        for example in self.examples:
            if example.intent in URGENT_INTENTS:
                reasons.append(f"'{example.text}': a new urgent phrase ({example.intent})")
        return reasons

    def spanish_changes(self) -> List[str]:
        return [e.name for e in self.answers.values() if e.language == "es"] + [t.response for t in self.topics]

    def translation_only(self) -> bool:
        """Spanish texts and translation reviews only: a translator may publish it alone."""
        return (
            not self.examples
            and not self.topics
            and all(e.language == "es" for e in self.answers.values())
            and not any(e.sources != e.base_sources for e in self.answers.values())
        )

    def conflicts(self, library: Library) -> List[str]:
        """The answers someone else published since this draft's edit of them was saved."""
        found = []
        for edit in self.answers.values():
            pair = library.answers.get(edit.name)
            current = pair.en if pair and edit.language == "en" else pair.es if pair else None
            if current is None or current.text != edit.base_text:
                found.append(edit.key)
        return found

    def summary(self, library: Library) -> List[str]:
        """The changes in plain words (the review page and the commit message)."""
        lines = []
        for edit in self.answers.values():
            what = "English" if edit.language == "en" else "Spanish"
            pair = library.answers.get(edit.name)
            title = f" ({pair.title})" if pair else ""
            if edit.text != edit.base_text:
                lines.append(f"{edit.name}{title}: {what} text reworded")
            if edit.language == "en" and edit.sources != edit.base_sources:
                lines.append(f"{edit.name}{title}: sources now {', '.join(edit.sources)}")
        for example in self.examples:
            lines.append(f"training example for {example.intent} ({example.language}): '{example.text}'")
        for topic in self.topics:
            lines.append(
                f"new topic {topic.intent} ('{topic.title_en}'), answered with {topic.response}, "
                f"{len(topic.examples_en)} English and {len(topic.examples_es)} Spanish examples"
            )
        for review in self.translation_reviews:
            lines.append(f"{review.name}: Spanish reviewed by {review.by_name} ({review.date})")
        return lines


class Drafts:
    """The drafts of every person, one JSON file each."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()

    def _path(self, user: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "._-@" else "_" for c in user)
        return self.folder / f"{safe}.json"

    def load(self, user: str) -> Draft:
        path = self._path(user)
        if not path.exists():
            return Draft(user)
        data = json.loads(path.read_text(encoding="utf-8"))
        return Draft(
            user=data["user"],
            answers={k: AnswerEdit(**v) for k, v in data.get("answers", {}).items()},
            examples=[ExampleEdit(**e) for e in data.get("examples", [])],
            topics=[TopicEdit(**t) for t in data.get("topics", [])],
            translation_reviews=[TranslationReview(**r) for r in data.get("translation_reviews", [])],
            signoffs={k: SignOff(**s) for k, s in data.get("signoffs", {}).items()},
            updated=data.get("updated", ""),
        )

    def save(self, draft: Draft) -> None:
        with self._lock:
            if draft.empty:
                self._path(draft.user).unlink(missing_ok=True)
                return
            draft.updated = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self._path(draft.user)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(json.dumps(asdict(draft), ensure_ascii=False, indent=1), encoding="utf-8")
            os.chmod(tmp, 0o600)
            tmp.replace(path)

    def discard(self, user: str) -> None:
        with self._lock:
            self._path(user).unlink(missing_ok=True)

    def all(self) -> List[Draft]:
        if not self.folder.exists():
            return []
        drafts = [self.load(p.stem) for p in sorted(self.folder.glob("*.json"))]
        return [d for d in drafts if not d.empty]

    def others_editing(self, user: str, key: str) -> List[Draft]:
        return [d for d in self.all() if d.user != user and key in d.answers]


# --- applying a draft to a work tree ----------------------------------------------------------


def apply_draft(draft: Draft, root: Path, library: Library, today: dt.date) -> List[Added]:
    """Writes the draft's changes into the content files of the work tree at `root` (at the
    published content that `library` was read from). Returns what happened to each training example.
    The clinical sign-off's date becomes the changed English answers' `reviewed:` date; the
    translator's sign-off fills `translation_reviewed:` of the Spanish answers it covers."""
    clinical = draft.valid_signoff(CLINICAL)
    translation = draft.valid_signoff(TRANSLATION)
    translator_review = f"{translation.by_name}, {translation.date}" if translation else ""
    reviewed_today = clinical.date if clinical else today.isoformat()
    english_changed = {e.name for e in draft.answers.values() if e.language == "en"}
    for edit in draft.answers.values():
        pair = library.answers[edit.name]
        if edit.language == "en":
            metadata = {"source": ", ".join(edit.sources)} if edit.sources != edit.base_sources else {}
            if clinical:
                metadata["reviewed"] = clinical.date
            yaml_files.set_answer(root, edit.name, "en", edit.text, metadata)
            if edit.sources != edit.base_sources and pair.es:
                yaml_files.set_answer(root, edit.name, "es", metadata={"source": ", ".join(edit.sources)})
        else:
            # the Spanish now translates the English as it will be published
            english_date = (
                (clinical.date if clinical else pair.reviewed) if edit.name in english_changed else pair.reviewed
            )
            yaml_files.set_answer(
                root,
                edit.name,
                "es",
                edit.text,
                {"translates": english_date, "translation_reviewed": translator_review},
            )
    for review in draft.translation_reviews:
        yaml_files.set_answer(
            root, review.name, "es", metadata={"translation_reviewed": f"{review.by_name}, {review.date}"}
        )
    for topic in draft.topics:
        _write_topic(root, topic, reviewed_today, translator_review)
    choices = [(e.text, e.intent, e.language) for e in draft.examples]
    return add_examples(root, choices) if choices else []


def _write_topic(root: Path, topic: TopicEdit, reviewed: str, translation_reviewed: str) -> None:
    sources = ", ".join(topic.sources)
    english = {
        "intent": topic.intent,
        "topic": topic.title_en,
        "question": topic.question_en,
        "source": sources,
        "reviewed": reviewed,
    }
    spanish = {
        "intent": topic.intent,
        "topic": topic.title_es,
        "question": topic.question_es,
        "source": sources,
        "translates": reviewed,
        "translation_reviewed": translation_reviewed,
    }
    yaml_files.add_answer(root, topic.topic, topic.response, (topic.text_en, english), (topic.text_es, spanish))
    yaml_files.add_intent(root, topic.intent, topic.topic)
    yaml_files.add_rule(root, topic.topic, topic.intent, topic.response)
    yaml_files.add_story(root, topic.topic, topic.intent, topic.response, topic.examples_en[0], topic.title_en)
    yaml_files.add_example_block(root, "data/nlu", topic.topic, topic.intent, "en", topic.examples_en)
    if topic.examples_es:
        yaml_files.add_example_block(root, "data/nlu", topic.topic, topic.intent, "es", topic.examples_es)
    yaml_files.add_example_block(root, "tests/nlu_holdout", topic.topic, topic.intent, "en", topic.held_out_en)
    if topic.held_out_es:
        yaml_files.add_example_block(root, "tests/nlu_holdout", topic.topic, topic.intent, "es", topic.held_out_es)
    yaml_files.add_catalogue_row(root, topic.topic, topic.intent, topic.meaning, topic.response)
