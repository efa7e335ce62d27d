"""The language of a parent's message, when it is clear: the parse data's `language`.

One bilingual model answers English and Spanish: every response has a Spanish variation chosen by
the `language` slot (`condition` in data/responses/). This component finds the message's language;
ConversationLanguagePolicy (addons/policies/conversation_language.py) then sets the slot:

* The web page's language switch wins: a message whose metadata says `"language": "es"` (or "en")
  is in that language. The REST channel takes no metadata from its clients.
* Otherwise a character n-gram logistic regression, trained here on the training examples (the
  Spanish ones carry `metadata: language: es` on their intent block, data/nlu/es/), decides,
  but only when the message is clearly in one language:
  - two or more words, and the model at least `min_confidence` sure; or
  - one word the training examples use in one language only ("gracias", "hola", "fiebre",
    "thanks"), and the model at least `min_confidence` sure.
  "ok", "101", "38,5", a name or an emoji give no entity, so the slot keeps the conversation's
  language. A library detector (lingua) was the alternative: this one is measured on the blind
  sets (docs/nlu.md), knows the parents' own words (typos, "calentura", "ANC"), adds no package
  and runs in about 0.1 ms.

Both languages' examples train the same intent classifier. The language is a property of the
parse data, not an entity: an entity would be compared with every test story's annotations, and a
`from_entity` slot could be set by any message carrying it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Set, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import METADATA, METADATA_INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

# the parse data's key, and the slot's name (domain.yml)
LANGUAGE_KEY = "language"
LANGUAGE_SLOT = "language"
ENGLISH, SPANISH = "en", "es"
LANGUAGES = (ENGLISH, SPANISH)
# words: letters only (accents included); a message's digits and punctuation say nothing here
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def language_of_example(message: Message) -> Text:
    """A training example's language: its intent block's `metadata: language:`, English otherwise."""
    metadata = message.get(METADATA) or {}
    intent_metadata = metadata.get(METADATA_INTENT) or {}
    language = intent_metadata.get("language") if isinstance(intent_metadata, dict) else None
    return language if language in LANGUAGES else ENGLISH


def requested_language(message: Message) -> Optional[Text]:
    """The language the parent chose on the web page (the message's metadata), if any."""
    metadata = message.get(METADATA) or {}
    language = metadata.get("language") if isinstance(metadata, dict) else None
    return language if language in LANGUAGES else None


def words_of(text: Text) -> List[Text]:
    return [word.lower() for word in _WORD.findall(text or "")]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LanguageDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # min_confidence: how sure the model must be before the conversation's language changes.
        # A wrong switch answers a parent in the other language until the next clear message, so
        # it is set high; 0.9 is where no English blind message switched to Spanish (docs/nlu.md).
        return {"min_confidence": 0.9, "max_ngram": 4}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Optional[Dict[Text, int]] = None,
        coefficients: Optional[np.ndarray[Any, Any]] = None,
        intercept: float = 0.0,
        single_language_words: Optional[Dict[Text, Text]] = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or {}
        self.coefficients = coefficients if coefficients is not None else np.zeros(0)
        self.intercept = intercept
        # word -> the one language whose training examples use it
        self.single_language_words = single_language_words or {}
        self._vectorizer = self._make_vectorizer(self.vocabulary or None)

    def _make_vectorizer(self, vocabulary: Optional[Dict[Text, int]]) -> CountVectorizer:
        return CountVectorizer(
            analyzer="char_wb",
            ngram_range=(1, self.config["max_ngram"]),
            lowercase=True,
            binary=True,
            vocabulary=vocabulary,
        )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LanguageDetector":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        texts = [m.get(TEXT) for m in examples]
        labels = np.array([language_of_example(m) == SPANISH for m in examples], dtype=int)
        if len(set(labels)) < 2:
            raise ValueError(
                "LanguageDetector needs training examples in both languages: the Spanish ones carry "
                "`metadata: language: es` on their intent block (data/nlu/es/)."
            )
        vectorizer = self._make_vectorizer(None)
        features = vectorizer.fit_transform(texts)
        model = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced").fit(features, labels)
        self.vocabulary = {str(k): int(v) for k, v in vectorizer.vocabulary_.items()}
        self.coefficients = model.coef_[0].astype(np.float64)
        self.intercept = float(model.intercept_[0])
        self._vectorizer = self._make_vectorizer(self.vocabulary)

        seen: Dict[Text, Set[Text]] = {}
        for message, is_spanish in zip(examples, labels, strict=False):
            for word in set(words_of(message.get(TEXT))):
                seen.setdefault(word, set()).add(SPANISH if is_spanish else ENGLISH)
        self.single_language_words = {w: next(iter(langs)) for w, langs in seen.items() if len(langs) == 1}
        self.persist()
        return self._resource

    def persist(self) -> None:
        # plain JSON: nothing executable in the model file
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "language_detector.json").write_text(
                json.dumps(
                    {
                        "vocabulary": self.vocabulary,
                        "coefficients": self.coefficients.tolist(),
                        "intercept": self.intercept,
                        "single_language_words": self.single_language_words,
                    }
                ),
                encoding="utf-8",
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LanguageDetector":
        with model_storage.read_from(resource) as directory:
            saved = json.loads((directory / "language_detector.json").read_text(encoding="utf-8"))
        return cls(
            config,
            model_storage,
            resource,
            vocabulary=saved["vocabulary"],
            coefficients=np.asarray(saved["coefficients"], dtype=np.float64),
            intercept=float(saved["intercept"]),
            single_language_words=saved["single_language_words"],
        )

    def spanish_probability(self, text: Text) -> float:
        features = self._vectorizer.transform([text])
        score = float(features @ self.coefficients) + self.intercept
        return float(1.0 / (1.0 + np.exp(-score)))

    def detect(self, text: Text) -> Optional[Text]:
        """The language `text` is clearly in, or None (short, neutral or mixed)."""
        words = words_of(text)
        if not words:
            return None
        if len(words) == 1 and words[0] not in self.single_language_words:
            return None
        spanish = self.spanish_probability(" ".join(words))
        language = SPANISH if spanish >= 0.5 else ENGLISH
        if max(spanish, 1.0 - spanish) < self.config["min_confidence"]:
            return None
        if len(words) == 1 and self.single_language_words[words[0]] != language:
            return None
        return language

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = requested_language(message) or (
                self.detect(message.get(TEXT) or "") if self.vocabulary else None
            )
            if language is not None:
                message.set(LANGUAGE_KEY, language, add_to_output=True)
        return messages
