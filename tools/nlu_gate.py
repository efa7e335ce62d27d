"""Quality gate on the held-out NLU test set (tests/nlu_holdout, never used in training).

Reads the report `rasa test nlu` wrote and fails (exit 1) when
  * any intent's F1 is below 0.90, or
  * any urgent test message misses its escalation: the parent would get neither a Call-now reply
    (Call 911 for an emergency) nor the question "does your child have this now?" whose yes gets it.
    An urgent message the classifier misreads is still escalated when the one urgency decision
    (clinical/triage.py, which the Rasa server's NLU reader makes) calls for it: the gate calls that
    same function, on the project's spaCy pipeline's mentions, for every misread urgent message.

When it fails it says why, from Rasa's intent_errors.json and intent_report.json: each urgent message
that would not escalate, and for each intent below the gate every held-out question it misread (read
as which intent, with what confidence) and every other intent's question read as it.

Usage: python tools/nlu_gate.py RESULTS_DIR
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Tuple

from clinical.settings import load_settings
from clinical.triage import Triage, triage_message
from clinical.vocabulary import ASSERTION, CALL_911, CONFIRM_DECISIONS, REPORT_EMERGENCY, URGENT_INTENTS

MIN_F1 = 0.90


def escalation_missed(gold: str, triage: Triage) -> bool:
    """Whether an urgent held-out message would get neither its call nor the confirmation question."""
    if gold not in URGENT_INTENTS:
        return False
    wanted = triage.if_yes if triage.decision in CONFIRM_DECISIONS else triage.decision
    if gold == REPORT_EMERGENCY:  # a 911 sign must get the 911 reply, or the question whose yes gets it
        return wanted != CALL_911
    return not (triage.urgent or triage.decision in CONFIRM_DECISIONS)


def triage_reader():
    """The one urgency decision of a message read as `intent` (clinical/triage.py), on the project's
    spaCy pipeline as config.yml points SpacyNLP at it."""
    import re

    import spacy

    import spacy_pipeline.urgent_context  # noqa: F401  (the pipeline's own component)

    root = Path(__file__).resolve().parent.parent
    model = re.search(r"^\s*model:\s*(\S+)", (root / "config.yml").read_text(), re.MULTILINE).group(1)
    nlp, settings = spacy.load(root / model), load_settings()

    def read(text: str, intent: str, confidence: float) -> Triage:
        doc = nlp(text)
        mentions = [
            {
                "entity": e.label_,
                "value": e.text,
                "start": e.start_char,
                "end": e.end_char,
                ASSERTION: e._.get(ASSERTION),
            }
            for e in doc.ents
        ]
        return triage_message(mentions, settings, text, intent, confidence)

    return read


class Misreading(NamedTuple):
    """A held-out test question the model read as another intent."""

    text: str
    intent: str  # what it asks (its block in tests/nlu_holdout)
    read_as: str
    confidence: float


def misreadings(errors: Iterable[dict]) -> List[Misreading]:
    """Rasa's intent_errors.json as misreadings, the most confident first."""
    found = [
        Misreading(
            e["text"],
            e["intent"],
            (e.get("intent_prediction") or {}).get("name") or "nothing",
            (e.get("intent_prediction") or {}).get("confidence") or 0.0,
        )
        for e in errors
    ]
    return sorted(found, key=lambda m: -m.confidence)


def intent_rows(report: dict) -> Dict[str, dict]:
    """intent_report.json's per-intent scores, without its averages."""
    return {
        name: scores
        for name, scores in report.items()
        if isinstance(scores, dict) and "f1-score" in scores and not name.endswith(" avg")
    }


def grouped(misread: Iterable[Misreading], by: str) -> List[Tuple[str, List[Misreading]]]:
    groups: Dict[str, List[Misreading]] = defaultdict(list)
    for m in misread:
        groups[getattr(m, by)].append(m)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def quoted(m: Misreading) -> str:
    return f'"{m.text}" ({m.confidence:.2f})'


def counts(groups: List[Tuple[str, List[Misreading]]], shown: int = 3) -> str:
    text = ", ".join(f"{other} {len(ms)}×" for other, ms in groups[:shown])
    return text + (f" and {len(groups) - shown} more" if len(groups) > shown else "")


def explain(intent: str, scores: dict, misread: List[Misreading]) -> List[str]:
    """Why an intent scores what it does: its test questions read as other intents (its recall),
    other intents' questions read as it (its precision), each with the confidence it was read with."""
    own = [m for m in misread if m.intent == intent]
    taken = [m for m in misread if m.read_as == intent]
    own_groups, taken_groups = grouped(own, by="read_as"), grouped(taken, by="intent")
    causes = []
    if own:
        causes.append(f"{len(own)} of its {scores.get('support', 0)} test questions read as {counts(own_groups)}")
    if taken:
        plural = "s" * (len(taken) > 1)
        causes.append(f"{len(taken)} question{plural} of other intents read as it ({counts(taken_groups)})")
    lines = [
        f"{intent}: F1 {scores['f1-score']:.2f} < {MIN_F1:.2f} (precision {scores['precision']:.2f}, "
        f"recall {scores['recall']:.2f}): " + ("; ".join(causes) or "no misread question listed")
    ]
    lines += [f"    read as {other}: {quoted(m)}" for other, ms in own_groups for m in ms]
    lines += [f"    {other} question read as {intent}: {quoted(m)}" for other, ms in taken_groups for m in ms]
    return lines


def main(results_dir: Path) -> int:
    report_path = results_dir / "intent_report.json"
    if not report_path.exists():
        print(f"{report_path} is missing: run 'rasa test nlu --out {results_dir}' first.", file=sys.stderr)
        return 1
    report = json.loads(report_path.read_text())
    errors_path = results_dir / "intent_errors.json"
    misread = misreadings(json.loads(errors_path.read_text()) if errors_path.exists() else [])
    rows = intent_rows(report)

    print(f"{'intent':32} {'F1':>6} {'support':>8}")
    below = []
    for intent, scores in sorted(rows.items()):
        failing = scores["f1-score"] < MIN_F1 and scores.get("support", 0) > 0
        print(f"{intent:32} {scores['f1-score']:6.3f} {scores.get('support', 0):8}{'  < 0.90' if failing else ''}")
        if failing:
            below.append(intent)

    urgent_misread = [m for m in misread if m.intent in URGENT_INTENTS]
    missed = []
    if urgent_misread:  # the spaCy pipeline is loaded only when an urgent question was misread
        triage_of = triage_reader()
        missed = [m for m in urgent_misread if escalation_missed(m.intent, triage_of(m.text, m.read_as, m.confidence))]

    urgent_total = sum(rows.get(i, {}).get("support", 0) for i in URGENT_INTENTS)
    print(f"urgent held-out messages: {urgent_total}; weighted F1 {report['weighted avg']['f1-score']:.3f}", flush=True)
    if not (below or missed):
        print("NLU gate passed: every intent F1 >= 0.90 and every urgent message escalates.")
        return 0
    failures = []
    if missed:
        plural = "s" * (len(missed) != 1)
        failures.append(f"{len(missed)} urgent test message{plural} would not get Call now (or Call 911)")
    if below:
        failures.append(f"{len(below)} intent{'s' * (len(below) != 1)} below F1 {MIN_F1:.2f}")
    out = [f"\nNLU gate FAILED: {'; '.join(failures)}."]
    if missed:
        out += ["", "Urgent messages that would not escalate (what it is, what it was read as, confidence):"]
        out += [f"  {quoted(m)}: {m.intent} read as {m.read_as}" for m in missed]
    if below:
        out += ["", "Intents below the gate, with every test question read wrongly and its confidence:"]
        for intent in sorted(below, key=lambda i: rows[i]["f1-score"]):
            out += ["  " + line for line in explain(intent, rows[intent], misread)]
    out += [
        "",
        "Fix: add training examples to data/nlu/ in the words of the questions read wrongly (never copy",
        "the held-out sentences). Where another intent's questions are read as this one, its examples",
        "probably cover that topic too: move those examples to the intent they belong to.",
    ]
    print("\n".join(out), file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
