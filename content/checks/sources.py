"""Every answer names where its facts come from: metadata `source:` lists ids of content_sources.yml
(only greetings and "please rephrase" say `source: none`), and the text ends with exactly one
"Source: ..." line ("Fuente: ..." in Spanish), after `\n`, naming each of them and no other."""

from __future__ import annotations

import re
from typing import List

from content.checks.answers import SOURCE_LABEL, Answer
from content.checks.files import LANGUAGE_NAMES
from content.checks.problems import Problem

NO_SOURCE_FILES = {"chitchat.yml", "fallback.yml"}  # greetings and "please rephrase" state no facts


def source_ids(metadata) -> List[str]:
    """The answer's source ids; they are separated by commas in the files ("connecticut_childrens, clinical_rules")."""
    return [s.strip() for s in re.split(r"[,;]", str(metadata.get("source") or "")) if s.strip()]


def _source_names(source: dict, language: str) -> List[str]:
    names = [str(source.get("name") or "")]
    if language == "es" and source.get("name_es"):
        names.append(str(source["name_es"]))
    return [n for n in names if n]


def source_problems(answer: Answer, sources: dict) -> List[Problem]:
    name, text, where, language = answer.label, answer.text, answer.where, answer.language
    label = SOURCE_LABEL[language]
    other_label = SOURCE_LABEL["es" if language == "en" else "en"]
    ids = source_ids(answer.metadata)
    problems = []
    if ids == ["none"]:
        if answer.file_name not in NO_SOURCE_FILES:
            problems.append(
                Problem(
                    *where,
                    f"{name}: says 'source: none', but it is a topic answer",
                    "name the source ids from content_sources.yml the answer comes from",
                )
            )
        return problems
    if not ids:
        return [
            Problem(
                *where,
                f"{name}: no source",
                f'add "source: <id>" under metadata (ids are in content_sources.yml) '
                f'and end the text with a "{label} ..." line',
            )
        ]
    if other_label in text:
        wrong = "an English answer's" if language == "en" else "a Spanish answer's"
        problems.append(
            Problem(
                *where,
                f"{name}: '{other_label}' in {wrong} text",
                f"the {LANGUAGE_NAMES[language]} text ends with '{label} ...'",
            )
        )
    labels = [m.start() for m in re.finditer(re.escape(label), text)]
    lines = text.split("\n")
    if len(labels) > 1:
        problems.append(
            Problem(
                *where,
                f"{name}: {len(labels)} '{label}' lines in the text",
                f"keep one '{label} ...' line, at the end, naming every source once",
            )
        )
    run_together = [i for i in labels if i > 0 and text[i - 1] != "\n"]
    if run_together:
        i = run_together[0]
        problems.append(
            Problem(
                *where,
                f"{name}: '{label}' runs into the text before it (\"…{text[max(0, i - 20):i + len(label) + 5]}…\")",
                f"put \\n right before '{label}' so it starts the last line",
            )
        )
    elif labels and not lines[-1].startswith(label):
        problems.append(
            Problem(
                *where,
                f"{name}: the '{label}' line is not the last line of the text",
                f"move '{label} ...' to the very end of the text, after \\n",
            )
        )
    source_line = lines[-1] if lines[-1].startswith(label) else next((each for each in lines if label in each), "")
    for source_id in ids:
        if source_id not in sources:
            problems.append(
                Problem(
                    *where,
                    f"{name}: source '{source_id}' is not one of the curated sources",
                    f"use one of: {', '.join(sources)}",
                )
            )
        elif not any(n in source_line for n in _source_names(sources[source_id], language)):
            source_name = _source_names(sources[source_id], language)[0]
            problems.append(
                Problem(
                    *where,
                    f"{name}: the text does not name its source '{source_name}'",
                    f'end the text with a line "{label} {source_name}" (after \\n)',
                )
            )
    for source_id, source in sources.items():
        if source_id in ids or not isinstance(source, dict):
            continue
        named = [n for n in _source_names(source, language) if n in source_line]
        if named:
            problems.append(
                Problem(
                    *where,
                    f"{name}: the '{label}' line names '{named[0]}', which metadata 'source:' does not list",
                    f"add {source_id} to metadata 'source:' (ids separated by commas), or take it off the line",
                )
            )
    return problems
