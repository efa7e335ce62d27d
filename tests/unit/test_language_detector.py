"""The language detector: the `language` entity only for a message clearly in one language, or
the web page's choice; nothing for "ok", "101" or a name, so the conversation keeps its language."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.nlu.language_detector import LanguageDetector

ENGLISH = [
    "what causes neutropenia",
    "my son has a fever of 101",
    "thanks so much",
    "hello there",
    "how is it treated",
    "what are neutrophils",
    "is it genetic",
    "she has chills and a cough",
    "when should I call the care team",
    "what is the anc",
    "bye for now",
    "what does g-csf do",
]
SPANISH = [
    "qué causa la neutropenia",
    "mi hijo tiene fiebre de 39",
    "muchas gracias",
    "hola buenas",
    "cómo se trata",
    "qué son los neutrófilos",
    "es genético",
    "tiene escalofríos y tos",
    "cuándo debo llamar al equipo",
    "qué es el conteo de neutrófilos",
    "adiós",
    "gracias",
    "para qué sirve el g-csf",
]


def _examples():
    examples = [Message.build(text, "some_intent") for text in ENGLISH]
    examples += [Message.build(text, "some_intent", intent_metadata={"language": "es"}) for text in SPANISH]
    return TrainingData(examples)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    resource = Resource("language_detector")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LanguageDetector.get_default_config(), "min_confidence": 0.8}
    detector = LanguageDetector.create(config, storage, resource, context)
    detector.train(_examples())
    return LanguageDetector.load(config, storage, resource, context)


def language_entities(detector, text, metadata=None):
    message = Message(data={"text": text, "metadata": metadata})
    detector.process([message])
    return [message.get("language")] if message.get("language") else []


@pytest.mark.parametrize(
    "text,language",
    [
        ("mi hija tiene fiebre y escalofríos", "es"),
        ("qué causa la neutropenia en los niños", "es"),
        ("my daughter has a fever and chills", "en"),
        ("what causes neutropenia in kids", "en"),
        ("gracias", "es"),
    ],
)
def test_a_clear_message_names_its_language(trained, text, language):
    assert language_entities(trained, text) == [language]


@pytest.mark.parametrize("text", ["ok", "101", "38,5", "Sofia", "👍", "", "?"])
def test_short_or_neutral_messages_keep_the_conversation_s_language(trained, text):
    assert language_entities(trained, text) == []


def test_the_web_page_s_switch_wins(trained):
    assert language_entities(trained, "ok", {"language": "es"}) == ["es"]
    assert language_entities(trained, "mi hijo tiene fiebre", {"language": "en"}) == ["en"]
    assert language_entities(trained, "ok", {"language": "fr"}) == []


def test_training_needs_both_languages(tmp_path):
    detector = LanguageDetector.create(
        LanguageDetector.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("x"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    with pytest.raises(ValueError, match="metadata: language: es"):
        detector.train(TrainingData([Message.build(t, "some_intent") for t in ENGLISH]))
