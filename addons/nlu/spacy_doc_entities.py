"""Rasa's SpacyEntityExtractor, reading the entities of the doc SpacyNLP already made.

Rasa 3.6's extractor runs the whole spaCy pipeline a second time on every message, because
SpacyNLP lower-cases the text by default and a lower-cased doc is bad for a statistical NER. This
project's pipeline has no statistical NER: its entity ruler matches on LOWER and on number regexes,
and spacy_pipeline/urgent_context.py judges each mention. With `case_sensitive: true` on SpacyNLP
(config.yml) the doc on the message is the one the extractor would make, so the second run only
cost time: about half of the spaCy work per message (docs/benchmark.md). It also means the
entities and the verdicts the urgent report reader copies onto them come from one doc.

A message without a doc (SpacyNLP did not run on it) still gets one, as Rasa's extractor would.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyDocEntityExtractor(SpacyEntityExtractor):
    """The entities of the message's own spaCy doc, with Rasa's extractor's output."""

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                doc = model.model(message.get(TEXT) or "")
            extracted = self.filter_irrelevant_entities(
                self.add_extractor_name(self._extract_entities(doc)), self._config["dimensions"]
            )
            message.set(ENTITIES, message.get(ENTITIES, []) + extracted, add_to_output=True)
        return messages
