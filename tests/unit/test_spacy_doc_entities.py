"""The entity extractor reads the doc SpacyNLP made (addons/nlu/spacy_doc_entities.py): the same
entities Rasa's SpacyEntityExtractor finds on the parent's text, from one run of the pipeline."""

from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.extractors.spacy_entity_extractor import SpacyEntityExtractor
from rasa.nlu.utils.spacy_utils import SpacyModel
from rasa.shared.nlu.training_data.message import Message

from addons.nlu.spacy_doc_entities import SpacyDocEntityExtractor

MESSAGES = [
    "She's 101.3 and SHIVERING, her Port looks red",
    "tiene 38,5 de FIEBRE y le duele al hacer pipí",
    "what is an ANC? no fever, she is fine",
    "Her lips are BLUE and she won't wake up",
    "",
]


class CountingPipeline:
    """The project's pipeline, counting how often it runs."""

    def __init__(self, nlp):
        self.nlp, self.runs = nlp, 0

    def __call__(self, text):
        self.runs += 1
        return self.nlp(text)


def without_extractor(entities):
    return [{k: v for k, v in e.items() if k != "extractor"} for e in entities]


def test_same_entities_as_rasas_extractor_from_one_run_of_the_pipeline(spacy_pipeline):
    counting = CountingPipeline(spacy_pipeline)
    model = SpacyModel(model=counting, model_name="project pipeline")
    ours = SpacyDocEntityExtractor(SpacyDocEntityExtractor.get_default_config())
    rasas = SpacyEntityExtractor(SpacyEntityExtractor.get_default_config())
    found = []
    for text in MESSAGES:
        with_doc = Message(data={"text": text})
        with_doc.set(SPACY_DOCS["text"], spacy_pipeline(text))  # SpacyNLP with case_sensitive: true
        ours.process([with_doc], model)
        plain = Message(data={"text": text})
        rasas.process([plain], SpacyModel(model=spacy_pipeline, model_name="project pipeline"))
        assert without_extractor(with_doc.get("entities")) == without_extractor(plain.get("entities")), text
        found += [e["value"] for e in with_doc.get("entities")]
    assert counting.runs == 0
    assert found == [
        *["101.3", "SHIVERING", "Port", "looks red"],
        *["38,5 de FIEBRE", "le duele al hacer pipí"],
        "fever",
        *["lips are BLUE", "won't wake up"],
    ]  # as typed: the doc keeps the parent's capitals


def test_a_message_without_a_doc_gets_one(spacy_pipeline):
    counting = CountingPipeline(spacy_pipeline)
    message = Message(data={"text": "he is 39.2 tonight"})
    SpacyDocEntityExtractor(SpacyDocEntityExtractor.get_default_config()).process(
        [message], SpacyModel(model=counting, model_name="project pipeline")
    )
    assert counting.runs == 1
    assert [(e["entity"], e["value"]) for e in message.get("entities")] == [("temperature", "39.2")]
