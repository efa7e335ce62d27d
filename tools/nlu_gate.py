"""Quality gate on the held-out NLU test set (tests/nlu_holdout, never used in training).

Reads the report `rasa test nlu` wrote and fails (exit 1) when
  * any intent's F1 is below 0.90, or
  * any urgent test message misses its escalation: the parent would not get a Call-now reply
    for a fever or infection-sign report, or would not get Call 911 for an emergency.
    An urgent message the classifier misreads still escalates when the assistant's safety net
    catches it (addons/policies/urgent_safety_policy.py: fever or infection words reported, not asked),
    and an emergency still gets 911 when the entity_ruler finds a life-threatening sign
    (actions/escalation.py); the gate applies that same code to the misread messages.

Usage: python tools/nlu_gate.py RESULTS_DIR
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.urgent_vocabulary import ASSERTION, LIFE_THREATENING_SIGN, REPORT_EMERGENCY, URGENT_INTENTS  # noqa: E402

MIN_F1 = 0.90


def escalation_missed(gold: str, predicted: str, text: str, entities: list) -> bool:
    from addons.policies.urgent_safety_policy import is_urgent_but_unsure

    if gold not in URGENT_INTENTS:
        return False
    message = {"intent": {"name": predicted}, "entities": entities, "text": text}
    escalated = predicted in URGENT_INTENTS or is_urgent_but_unsure(message)
    if gold == REPORT_EMERGENCY:  # a 911 sign must get the 911 reply
        life_threatening = any(e["entity"] == LIFE_THREATENING_SIGN for e in entities)
        return not (predicted == REPORT_EMERGENCY or (escalated and life_threatening))
    return not escalated


def entity_reader():
    """The project's spaCy pipeline, as config.yml points SpacyNLP at it."""
    import re

    import spacy

    import spacy_pipeline.urgent_context  # noqa: F401  (the pipeline's own component)

    root = Path(__file__).resolve().parent.parent
    model = re.search(r"^\s*model:\s*(\S+)", (root / "config.yml").read_text(), re.MULTILINE).group(1)
    nlp = spacy.load(root / model)
    return lambda text: [{"entity": e.label_, "value": e.text, ASSERTION: e._.get(ASSERTION)} for e in nlp(text).ents]


def main(results_dir: Path) -> int:
    report_path = results_dir / "intent_report.json"
    if not report_path.exists():
        print(f"{report_path} is missing: run 'rasa test nlu --out {results_dir}' first.", file=sys.stderr)
        return 1
    report = json.loads(report_path.read_text())
    errors_path = results_dir / "intent_errors.json"
    errors = json.loads(errors_path.read_text()) if errors_path.exists() else []

    failures = []
    print(f"{'intent':32} {'F1':>6} {'support':>8}")
    for intent, scores in sorted(report.items()):
        if not isinstance(scores, dict) or "f1-score" not in scores or intent in ("macro avg", "weighted avg", "micro avg"):
            continue
        f1 = scores["f1-score"]
        flag = "" if f1 >= MIN_F1 or scores.get("support", 0) == 0 else "  < 0.90"
        print(f"{intent:32} {f1:6.3f} {scores.get('support', 0):8}{flag}")
        if flag:
            failures.append(f"intent {intent}: F1 {f1:.3f} is below {MIN_F1}")

    entities_of = entity_reader() if any(e["intent"] in URGENT_INTENTS for e in errors) else None
    for error in errors:
        gold = error["intent"]
        predicted = (error.get("intent_prediction") or {}).get("name")
        if gold in URGENT_INTENTS and escalation_missed(gold, predicted, error["text"], entities_of(error["text"])):
            failures.append(f"urgent message missed its escalation: {error['text']!r} ({gold} read as {predicted})")

    urgent_total = sum(report.get(i, {}).get("support", 0) for i in URGENT_INTENTS)
    print(f"urgent held-out messages: {urgent_total}; weighted F1 {report['weighted avg']['f1-score']:.3f}")
    if failures:
        print("\nNLU gate FAILED:", *failures, sep="\n  ", file=sys.stderr)
        print("\nAdd training examples like the failing ones to data/nlu/ (never copy the held-out sentences).", file=sys.stderr)
        return 1
    print("NLU gate passed: every intent F1 >= 0.90 and every urgent message escalates.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
