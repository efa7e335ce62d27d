"""The held-out NLU test set stays held out, and every intent is trained and tested."""

import re

import yaml

from tests.conftest import ROOT


def examples(folder):
    found = {}
    for path in sorted((ROOT / folder).glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" not in block:
                continue  # a synonym block: no examples of an intent
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
            found.setdefault(block["intent"], []).extend(lines)
    return found


def normalise(text):
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def test_no_held_out_message_is_in_the_training_data():
    training = {normalise(t) for texts in examples("data/nlu").values() for t in texts}
    leaked = [t for texts in examples("tests/nlu_holdout").values() for t in texts if normalise(t) in training]
    assert leaked == []


def test_every_intent_has_at_least_ten_held_out_messages_and_25_training_examples():
    training, held_out = examples("data/nlu"), examples("tests/nlu_holdout")
    assert set(training) == set(held_out)
    assert {i: len(t) for i, t in held_out.items() if len(t) < 10} == {}
    assert {i: len(t) for i, t in training.items() if len(t) < 25} == {}
