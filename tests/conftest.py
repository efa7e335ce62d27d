import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def spacy_pipeline():
    """The project's own spaCy pipeline, as config.yml points SpacyNLP at it (built by make)."""
    import spacy

    import spacy_pipeline.urgent_context  # noqa: F401  (the pipeline's own component)

    model = re.search(r"^\s*model:\s*(\S+)", (ROOT / "config.yml").read_text(), re.MULTILINE).group(1)
    path = ROOT / model
    assert path.exists(), f"{model} is missing: run 'make build' first"
    return spacy.load(path)


@pytest.fixture(scope="session")
def parse(spacy_pipeline):
    """A message through the Rasa server's NLU reader (addons/nlu/urgent_report_reader.py), as it runs
    after the classifier: `parse(text, intent, confidence)` returns the message's parse data, with
    the entities' verdicts, the intent that follows the decision and the decision under `triage`.
    The classifier's reading is given, so that a test says what it assumes of it."""
    from rasa.nlu.constants import SPACY_DOCS
    from rasa.nlu.utils.spacy_utils import SpacyModel
    from rasa.shared.nlu.training_data.message import Message

    from addons.nlu.spacy_doc_entities import SpacyDocEntityExtractor
    from addons.nlu.urgent_report_reader import UrgentReportReader
    from clinical.settings import HospitalSettings

    reader = UrgentReportReader(
        UrgentReportReader.get_default_config(),
        settings=HospitalSettings("Test Children's", "(555) 010-0140", "(555) 010-0199", 38.0),
    )
    extractor = SpacyDocEntityExtractor(SpacyDocEntityExtractor.get_default_config())
    model = SpacyModel(model=spacy_pipeline, model_name="project pipeline")

    def read(text, intent="ask_what_is_neutropenia", confidence=0.9, ranking=None):
        guess = {"name": intent, "confidence": confidence}
        message = Message(data={"text": text, "intent": guess, "intent_ranking": ranking or [guess]})
        message.set(SPACY_DOCS["text"], model.model(text))  # what SpacyNLP (case_sensitive) sets
        extractor.process([message], model)
        reader.process([message])
        return message.data

    return read
