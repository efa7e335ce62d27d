"""Writes results/evaluate/summary.md from the reports `rasa test nlu` wrote.

For the 5-fold cross-validation on the training data and for the held-out test set: per-intent
precision, recall and F1, and the worst confusions with example messages, so a content editor
can see which questions the assistant mixes up and add examples that tell them apart.

Usage: python tools/evaluation_summary.py RESULTS_DIR   (with cross_validation/ and holdout/ in it)
"""
from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

SKIP = {"accuracy", "macro avg", "weighted avg", "micro avg"}


def section(title: str, folder: Path, worst: int = 8) -> list:
    report_path = folder / "intent_report.json"
    if not report_path.exists():
        return [f"## {title}", "", f"(no report in {folder})", ""]
    report = json.loads(report_path.read_text())
    errors_path = folder / "intent_errors.json"
    errors = json.loads(errors_path.read_text()) if errors_path.exists() else []
    lines = [f"## {title}", ""]
    weighted = report.get("weighted avg", {})
    lines += [f"Accuracy {report.get('accuracy', 0):.3f}, weighted F1 {weighted.get('f1-score', 0):.3f}.", ""]
    lines += ["| intent | precision | recall | F1 | examples |", "| --- | ---: | ---: | ---: | ---: |"]
    rows = [(k, v) for k, v in report.items() if k not in SKIP and isinstance(v, dict)]
    for intent, scores in sorted(rows, key=lambda kv: kv[1].get("f1-score", 0)):
        flag = " ⚠" if scores.get("f1-score", 0) < 0.9 else ""
        lines.append(f"| {intent}{flag} | {scores['precision']:.3f} | {scores['recall']:.3f} | "
                     f"{scores['f1-score']:.3f} | {scores['support']} |")
    pairs = Counter()
    examples = defaultdict(list)
    for error in errors:
        pair = (error["intent"], (error.get("intent_prediction") or {}).get("name"))
        pairs[pair] += 1
        examples[pair].append(error["text"])
    lines += ["", f"Worst confusions ({len(errors)} messages misread in all):", ""]
    if not pairs:
        lines.append("none")
    for (gold, predicted), count in pairs.most_common(worst):
        shown = "; ".join(f"“{t}”" for t in examples[(gold, predicted)][:3])
        lines.append(f"- **{gold}** read as **{predicted}**: {count} × — {shown}")
    return lines + [""]


def main(results: Path) -> int:
    lines = ["# NLU evaluation", "",
             "Cross-validation trains on 4/5 of data/nlu and tests on the rest, five times; the held-out set",
             "(tests/nlu_holdout) is never trained on. Intents marked ⚠ are below the 0.90 F1 gate.", "",
             "Confusion-matrix images: `cross_validation/intent_confusion_matrix.png`, `holdout/intent_confusion_matrix.png`.", ""]
    lines += section("5-fold cross-validation (training data)", results / "cross_validation")
    lines += section("Held-out test set", results / "holdout")
    out = results / "summary.md"
    out.write_text("\n".join(lines))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
