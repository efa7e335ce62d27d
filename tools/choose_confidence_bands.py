"""Chooses the two confidence cut-offs of config.yml on a validation split of the training data.

The training examples (data/nlu) are split 80/20 per intent (seeded); an NLU model is trained on
the 80 % and parses the 20 %. For each confidence t of the classifier's best guess it measures how
often the guess is right, then picks:

  unsure_below (ConfidenceBandPolicy): the lowest t at which guesses at or above t are right at
      least 95 % of the time: above it the answer stands alone;
  threshold (FallbackClassifier): going down from unsure_below in slices of 0.05, the lowest t
      whose slices are all right at least half of the time: there the best guess is answered with
      the next topics offered; below it nothing is plausible and the parent is asked to rephrase.

No test set is used (the blind sets under tests/blind/ stay blind). The figures are printed;
config.yml is changed by hand, with the figures in its comment.

Usage: python tools/choose_confidence_bands.py [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent

CONFIDENT_PRECISION = 0.95
UNSURE_PRECISION = 0.50
GRID = [round(0.05 * i, 2) for i in range(1, 20)]


def split(seed: int):
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = load_data(str(ROOT / "data" / "nlu"))
    by_intent = defaultdict(list)
    for example in data.intent_examples:
        by_intent[example.get("intent")].append(example)
    rng = random.Random(seed)
    train, validation = [], []
    for examples in by_intent.values():
        rng.shuffle(examples)
        cut = max(1, len(examples) // 5)
        validation += examples[:cut]
        train += examples[cut:]
    return TrainingData(train, entity_synonyms=data.entity_synonyms), validation


async def guesses(model: Path, validation) -> List[Tuple[float, bool]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    results = []
    for example in validation:
        parsed = await agent.parse_message(example.get("text"))
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        best = ranking[0] if ranking else {"name": None, "confidence": 0.0}
        results.append((best["confidence"], best["name"] == example.get("intent")))
    return results


def precision(results: List[Tuple[float, bool]], low: float, high: float = 1.01) -> Tuple[float, int]:
    band = [right for confidence, right in results if low <= confidence < high]
    return (sum(band) / len(band) if band else 1.0), len(band)


def choose(results: List[Tuple[float, bool]]) -> Tuple[float, float]:
    unsure_below = next(t for t in GRID + [0.99] if precision(results, t)[0] >= CONFIDENT_PRECISION)
    # every 0.05-wide slice of the unsure band must be right at least half of the time
    threshold = unsure_below
    for t in reversed([t for t in GRID if t < unsure_below]):
        right, count = precision(results, t, round(t + 0.05, 2))
        if count and right < UNSURE_PRECISION:
            break
        threshold = t
    return threshold, unsure_below


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    from rasa.model_training import train_nlu

    train, validation = split(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        train_file = Path(tmp) / "train.yml"
        train_file.write_text(train.nlu_as_yaml())
        model = train_nlu(
            config=str(ROOT / "config.yml"),
            nlu_data=str(train_file),
            output=tmp,
            fixed_model_name="validation",
            domain=str(ROOT / "domain.yml"),
        )
        results = asyncio.run(guesses(Path(model), validation))
    threshold, unsure_below = choose(results)
    print("best guess right, by confidence:")
    for t in GRID:
        right, count = precision(results, t, round(t + 0.05, 2))
        print(f"  [{t:.2f}, {t + 0.05:.2f}): {count:4} examples, {right:.0%} right")
    total = len(results)
    for low, high, name in (
        (unsure_below, 1.01, "confident"),
        (threshold, unsure_below, "unsure"),
        (0.0, threshold, "rephrase"),
    ):
        band = [right for confidence, right in results if low <= confidence < high]
        right = sum(band) / len(band) if band else 0.0
        print(
            f"{name:9} [{low:.2f}, {min(high, 1.0):.2f}): {len(band):4} of {total} validation examples "
            f"({len(band) / total:.1%}), best guess right {right:.1%}"
        )
    print(f"\nconfig.yml: FallbackClassifier threshold: {threshold}, ConfidenceBandPolicy unsure_below: {unsure_below}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
