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
def entities_of(spacy_pipeline):
    """Entities as Rasa's SpacyEntityExtractor reports them."""

    def extract(text):
        return [
            {
                "entity": ent.label_,
                "value": ent.text,
                "start": ent.start_char,
                "end": ent.end_char,
                **({"assertion": ent._.assertion} if ent._.assertion else {}),
            }
            for ent in spacy_pipeline(text).ents
        ]

    return extract
