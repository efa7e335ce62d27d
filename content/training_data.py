"""The editor's choices as training examples: appended to the intent's `examples: |` block in its
topic file, data/nlu/<topic>.yml (Spanish: data/nlu/es/<topic>.yml), in Rasa's format.

Appended as text, so every comment, blank line and the files' layout stay as the content team wrote
them. A message is never added twice: not when any intent's training examples already hold it (in
either language), and never when a test set holds it (tests/nlu_holdout/, tests/blind/): a
held-out question copied into training would make the held-out measurement a lie.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

from content.checks import NEAR_COPY

TEST_SETS = ("tests/nlu_holdout", "tests/blind")
INTENT_LINE = re.compile(r"^- intent:\s*(\S+)\s*$")
EXAMPLE_LINE = re.compile(r"^\s*-\s+(?:text:\s+)?(.+?)\s*$")


def example_key(text: str) -> str:
    """A message as tools/check_content.py compares examples: lower case, punctuation as spaces."""
    return re.sub(r"[^\w]+", " ", text.lower()).strip()


def near_copy(key: str, keys: Iterable[str]) -> Optional[str]:
    """The first of `keys` that `key` nearly copies (difflib ratio >= NEAR_COPY, as the content checks)."""
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(key)
    for candidate in keys:
        matcher.set_seq1(candidate)
        if (
            matcher.real_quick_ratio() >= NEAR_COPY
            and matcher.quick_ratio() >= NEAR_COPY
            and matcher.ratio() >= NEAR_COPY
        ):
            return candidate
    return None


@dataclass(frozen=True)
class Added:
    text: str
    intent: str
    path: Optional[Path]  # None when skipped
    reason: str = ""  # why it was skipped


def example_text(text: str) -> str:
    """One line, no Rasa entity markup: "[x](y)" in a message would be read as an annotation."""
    line = " ".join(text.split())
    return line.replace("[", "(").replace("]", ")").lstrip("-").strip()


def intent_of(line: str) -> Optional[str]:
    """The intent a "- intent: name" line opens, else None."""
    match = INTENT_LINE.match(line)
    return match.group(1) if match else None


def nlu_directory(root: Path, language: str) -> Path:
    return root / "data" / "nlu" / ("es" if language == "es" else "")


def topic_file(root: Path, intent: str, language: str) -> Path:
    """The file that holds the intent's examples in that language; for a Spanish intent not yet in
    data/nlu/es/, the file named as its English topic file."""
    for directory in (nlu_directory(root, language), nlu_directory(root, "en")):
        for path in sorted(directory.glob("*.yml")):
            if any(intent_of(line) == intent for line in path.read_text(encoding="utf-8").splitlines()):
                return nlu_directory(root, language) / path.name
    raise ValueError(
        f"no file under data/nlu/ has examples of the intent {intent!r}; add its block by hand "
        f"(CONTENT.md) and run the review again"
    )


def _example_lines(paths: Iterable[Path]) -> Iterable[str]:
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = EXAMPLE_LINE.match(line)
            if match and not line.lstrip().startswith("- intent:"):
                yield match.group(1).strip("'\"")


def training_examples(root: Path) -> Dict[str, str]:
    """Every training example (normalised) -> its intent."""
    examples: Dict[str, str] = {}
    for path in sorted((root / "data" / "nlu").rglob("*.yml")):
        intent = None
        for line in path.read_text(encoding="utf-8").splitlines():
            header = INTENT_LINE.match(line)
            if header:
                intent = header.group(1)
                continue
            match = EXAMPLE_LINE.match(line)
            if intent and match and line.startswith("    "):
                examples.setdefault(example_key(match.group(1)), intent)
    return examples


def test_set_texts(root: Path) -> Set[str]:
    paths = [p for folder in TEST_SETS for p in sorted((root / folder).rglob("*.yml"))]
    return {example_key(t) for t in _example_lines(paths)}


def _insert(lines: List[str], intent: str, language: str, examples: List[str]) -> List[str]:
    """The file's lines with `examples` appended to the intent's block (a new block at the end if
    the file has none for it)."""
    start = next((i for i, line in enumerate(lines) if intent_of(line) == intent), None)
    if start is None:
        block = [f"- intent: {intent}"]
        if language == "es":
            block += ["  metadata:", "    language: es"]
        block += ["  examples: |", *(f"    - {e}" for e in examples)]
        while lines and not lines[-1].strip():
            lines = lines[:-1]
        return [*lines, "", *block]
    header = next(i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("examples:"))
    key_indent = len(lines[header]) - len(lines[header].lstrip())
    last, indent = header, " " * (key_indent + 2)
    for i in range(header + 1, len(lines)):
        if not lines[i].strip():
            continue
        if len(lines[i]) - len(lines[i].lstrip()) <= key_indent:
            break  # the block ended
        last = i
        if lines[i].lstrip().startswith("- "):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
    return [*lines[: last + 1], *(f"{indent}- {e}" for e in examples), *lines[last + 1 :]]


def add_examples(root: Path, choices: Iterable[Tuple[str, str, str]]) -> List[Added]:
    """Appends (text, intent, language) choices to their topic files; returns what happened to each."""
    known = training_examples(root)
    held_out = test_set_texts(root)
    results: List[Added] = []
    pending: Dict[Tuple[Path, str, str], List[str]] = {}
    for text, intent, language in choices:
        example = example_text(text)
        key = example_key(example)
        if not example:
            results.append(Added(text, intent, None, "empty"))
        elif key in known:
            where = "already a training example" + ("" if known[key] == intent else f" of {known[key]}")
            results.append(Added(example, intent, None, where))
        elif key in held_out or near_copy(key, held_out):
            results.append(Added(example, intent, None, "in a test set (tests/nlu_holdout or tests/blind), or nearly"))
        else:
            path = topic_file(root, intent, language)
            pending.setdefault((path, intent, language), []).append(example)
            known[key] = intent
            results.append(Added(example, intent, path))
    for (path, intent, language), examples in pending.items():
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else ['version: "3.1"', "nlu:"]
        path.write_text("\n".join(_insert(lines, intent, language, examples)) + "\n", encoding="utf-8")
    return results
