"""The training importer that also teaches each question and report after a parent's story."""

from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message

from addons.importers.story_wrapped_questions import story_wrapped
from tests.conftest import ROOT

SPANISH = {"intent": {"language": "es"}}


def example(text, intent, metadata=None):
    data = {"text": text, "intent": intent}
    if metadata:
        data["metadata"] = metadata
    return Message(data=data)


EXAMPLES = [
    example("we got the diagnosis last week and i am scared", "share_situation"),
    example("nos dieron el diagnóstico ayer y tengo miedo", "share_situation", SPANISH),
    example("what causes neutropenia", "ask_causes"),
    example("¿qué causa la neutropenia?", "ask_causes", SPANISH),
    example("she has a fever", "report_fever"),
    example("hello", "greet"),
]


def test_each_question_and_report_is_also_learned_after_a_story_of_its_language():
    wrapped = {(m.get("intent"), m.get("text")) for m in story_wrapped(EXAMPLES)}
    assert wrapped == {
        ("ask_causes", "we got the diagnosis last week and i am scared. what causes neutropenia"),
        ("ask_causes", "nos dieron el diagnóstico ayer y tengo miedo. ¿qué causa la neutropenia?"),
        ("report_fever", "we got the diagnosis last week and i am scared. she has a fever"),
    }


def test_a_wrapped_example_keeps_its_language_for_the_language_detector():
    spanish = [m for m in story_wrapped(EXAMPLES) if m.get("text").startswith("nos dieron")]
    assert [m.get("metadata") for m in spanish] == [SPANISH]


def test_the_pairing_is_the_same_on_every_training():
    stories = [example(f"story number {i}", "share_situation") for i in range(20)]
    questions = [example(f"question {i}?", "ask_anc") for i in range(20)]
    first = [m.get("text") for m in story_wrapped(stories + questions)]
    assert first == [m.get("text") for m in story_wrapped(stories + questions)]


def test_training_reads_the_wrapped_examples_and_a_test_set_never_gets_them():
    trained = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    ).get_nlu_data()
    files_only = TrainingDataImporter.load_from_dict(
        training_data_paths=[str(ROOT / "data")], domain_path=str(ROOT / "domain.yml")
    ).get_nlu_data()
    questions = [m for m in files_only.intent_examples if m.get("intent").startswith(("ask_", "report_"))]
    assert len(trained.intent_examples) == len(files_only.intent_examples) + len(questions)
