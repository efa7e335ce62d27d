"""Training data importer: every topic question also learned as parents send it, after their story.

Real parents wrap a question in the story of the last weeks ("we had three rounds of bloodwork,
the pediatrician said not to google, and now we see hematology next week. what causes low
neutrophils?"). Trained on the questions alone, the intent classifier spreads its confidence over
the story's words, and a long message falls below the fallback threshold ("please rephrase")
or lands on a topic the story mentions. Adding story-wrapped variants by hand covered each
family of stories the blind sets found, and every fresh batch found a new family
(docs/understanding.md "Real parents' words").

So the importer pairs each topic question of data/nlu/ (the intents named `ask_*`, without
entity annotations) and each report (`report_*`: trained on questions only, a story-wrapped
report the rules cannot read would drift to a question) with one story of the same language
taken from the `share_situation` examples (the openers: a story with no question) and trains on
the pair too: the story's words
are then seen under every topic, and what decides is the question. The openers themselves are
unchanged, so a story with no question still gets the acknowledgment. The pairing is seeded,
so a retrain on the same data makes the same examples.

Used by `rasa train` through config.yml `importers:` (it reads the files as RasaFileImporter
does); `rasa test nlu` reads its test files with Rasa's own importer, so held-out sets are never
augmented.
"""

from __future__ import annotations

import random
from typing import Dict, List, Optional, Text

from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.constants import ENTITIES, INTENT, METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

STORY_INTENT = "share_situation"
# topic questions, and the reports: a fever told after the story must stay as likely a report
WRAPPED_PREFIXES = ("ask_", "report_")
SEED = 20261207


def language_of(message: Message) -> str:
    """An example's language: its intent block's `metadata: language:`, English otherwise."""
    metadata = message.get(METADATA) or {}
    intent_metadata = metadata.get(METADATA_INTENT) or {}
    language = intent_metadata.get("language") if isinstance(intent_metadata, dict) else None
    return language if language in ("en", "es") else "en"


def story_wrapped(examples: List[Message], seed: int = SEED) -> List[Message]:
    """One new example per topic question and report: a story of its language, then the example."""
    stories: Dict[str, List[str]] = {}
    for message in examples:
        if message.get(INTENT) == STORY_INTENT and message.get(TEXT):
            stories.setdefault(language_of(message), []).append(message.get(TEXT).strip())
    pick = random.Random(seed)
    wrapped = []
    for message in examples:
        intent = message.get(INTENT) or ""
        text = (message.get(TEXT) or "").strip()
        if not intent.startswith(WRAPPED_PREFIXES) or not text or message.get(ENTITIES):
            continue
        told = stories.get(language_of(message))
        if not told:
            continue
        story = pick.choice(told).rstrip(".!… ")
        data = {TEXT: f"{story}. {text}", INTENT: intent}
        if message.get(METADATA):
            data[METADATA] = message.get(METADATA)
        wrapped.append(Message(data=data))
    return wrapped


class StoryWrappedQuestionsImporter(RasaFileImporter):
    """RasaFileImporter, with the story-wrapped questions added to the NLU data."""

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        data = super().get_nlu_data(language)
        extra = story_wrapped(data.training_examples)
        if not extra:
            return data
        return data.merge(TrainingData(training_examples=extra))
