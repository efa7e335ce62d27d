"""Writes results/evaluate/summary.md from the reports `rasa test nlu` wrote, and says in the terminal
which intents fall below the 0.90 F1 gate and why.

For the 5-fold cross-validation on the training data and for the held-out test set: per-intent
precision, recall and F1, then for each intent below the gate the confusions that pull it down and
every misread question with what it was read as and the confidence (tools/nlu_gate.py's explanation),
then every confusion with its questions, so a content editor can see which questions the assistant
mixes up and add or move examples to tell them apart. The terminal gets the same explanation for the
held-out set and one line per failing intent for the cross-validation (its questions are in the file).

Usage: python tools/evaluation_summary.py RESULTS_DIR   (with cross_validation/ and holdout/ in it)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Tuple

from tools.nlu_gate import MIN_F1, explain, grouped, intent_rows, misreadings, quoted


def section(title: str, folder: Path) -> Tuple[List[str], List[str]]:
    """The summary.md lines of one report, and the explanation of each intent below the gate."""
    report_path = folder / "intent_report.json"
    if not report_path.exists():
        return [f"## {title}", "", f"(no report in {folder})", ""], []
    report = json.loads(report_path.read_text())
    errors_path = folder / "intent_errors.json"
    misread = misreadings(json.loads(errors_path.read_text()) if errors_path.exists() else [])
    rows = intent_rows(report)
    below = sorted(
        (i for i, s in rows.items() if s["f1-score"] < MIN_F1 and s.get("support", 0)),
        key=lambda i: rows[i]["f1-score"],
    )
    explanations = [explain(intent, rows[intent], misread) for intent in below]

    lines = [f"## {title}", ""]
    weighted = report.get("weighted avg", {})
    lines += [f"Accuracy {report.get('accuracy', 0):.3f}, weighted F1 {weighted.get('f1-score', 0):.3f}.", ""]
    lines += ["| intent | precision | recall | F1 | examples |", "| --- | ---: | ---: | ---: | ---: |"]
    for intent, scores in sorted(rows.items(), key=lambda kv: kv[1]["f1-score"]):
        flag = " ⚠" if intent in below else ""
        lines.append(
            f"| {intent}{flag} | {scores['precision']:.3f} | {scores['recall']:.3f} | "
            f"{scores['f1-score']:.3f} | {scores['support']} |"
        )
    lines += ["", f"### Below the {MIN_F1:.2f} gate: {len(below) or 'none'}", ""]
    for explanation in explanations:
        lines += [f"- {explanation[0]}", *(f"  - {line.strip()}" for line in explanation[1:])]
    lines += ["", f"### Every confusion ({len(misread)} questions misread in all)", ""]
    pairs = sorted(
        (
            (intent, read_as, ms)
            for intent, by_read in grouped(misread, by="intent")
            for read_as, ms in grouped(by_read, by="read_as")
        ),
        key=lambda t: -len(t[2]),
    )
    lines += [
        f"- **{intent}** read as **{read_as}**: {len(ms)} × — " + "; ".join(quoted(m) for m in ms)
        for intent, read_as, ms in pairs
    ] or ["none"]
    return lines + [""], [line for explanation in explanations for line in explanation]


def main(results: Path) -> int:
    lines = [
        "# NLU evaluation",
        "",
        "Cross-validation trains on 4/5 of data/nlu and tests on the rest, five times; the held-out set",
        "(tests/nlu_holdout) is never trained on. Intents marked ⚠ are below the 0.90 F1 gate; the number",
        "after each question is the confidence it was read with.",
        "",
        "Confusion-matrix images: `cross_validation/intent_confusion_matrix.png`, "
        "`holdout/intent_confusion_matrix.png`.",
        "",
    ]
    cross_lines, cross_failing = section("5-fold cross-validation (training data)", results / "cross_validation")
    holdout_lines, holdout_failing = section("Held-out test set", results / "holdout")
    out = results / "summary.md"
    out.write_text("\n".join(lines + cross_lines + holdout_lines))
    headlines = [line for line in cross_failing if not line.startswith(" ")]
    print(
        f"cross-validation: {len(headlines) or 'no'} intent{'s' * (len(headlines) != 1)} below F1 {MIN_F1:.2f}"
        + (f" (every misread question in {out})" if headlines else ""),
        *headlines,
        sep="\n  ",
    )
    held_out_count = sum(not line.startswith(" ") for line in holdout_failing)
    print(
        f"held-out set: {held_out_count or 'no'} intent{'s' * (held_out_count != 1)} below F1 {MIN_F1:.2f}",
        *holdout_failing,
        sep="\n  ",
    )
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(Path(sys.argv[1])))
