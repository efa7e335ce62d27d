"""Reading the content files: each file read once, round-trip (so every answer and example knows its
line), and a YAML syntax error turned into one plain line (a quotation mark, an indentation, a tab,
a key written twice), never a traceback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from content.checks.problems import Problem

LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
# content files an editor touches; a YAML mistake in any of them is reported, never a traceback
CONTENT_FILES = (
    "domain.yml",
    "content_sources.yml",
    "hospital_settings.yml",
    "data/**/*.yml",
    "tests/nlu_holdout/**/*.yml",
    "tests/test_stories/**/*.yml",
)


def _yaml_cause(error: MarkedYAMLError, lines: Sequence[str]) -> Tuple[int, str, str]:
    """The line, the likely cause in plain words and the fix for a ruamel syntax error."""
    mark = error.problem_mark or error.context_mark
    line = (mark.line if mark else 0) + 1
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    problem = str(error.problem or "")
    if isinstance(error, DuplicateKeyError):
        key = re.search(r'duplicate key "([^"]*)"', problem)
        name = key.group(1) if key else "a key"
        return line, f"'{name}' is written twice in this file", f"keep one '{name}' and delete or rename the other"
    if "\t" in problem or "\\t" in problem:
        return (
            line,
            "a tab character; YAML indents with spaces only",
            "replace the tab with spaces (4 spaces before an example)",
        )
    if "end of stream" in problem and "quoted scalar" in str(error.context or ""):
        start = (error.context_mark.line + 1) if error.context_mark else line
        return (
            start,
            "a quoted text is never closed: its closing quotation mark is missing",
            'end the text with " (a quotation mark inside it is written \\")',
        )
    quoted = re.search(r':\s*(["\'])(.*)$', text)
    if quoted:
        quote, rest = quoted.group(1), quoted.group(2)
        inner = rest.rstrip().rstrip(quote)
        if (quote == '"' and re.search(r'(?<!\\)"', inner)) or (quote == "'" and re.search(r"(?<!')'(?!')", inner)):
            mark_fix = (
                'write a quotation mark inside the text as \\" (or use ’ “ ”)'
                if quote == '"'
                else "write an apostrophe inside '...' text as '' (two of them), or put the text in \"...\""
            )
            return line, f"a quotation mark {quote} inside the text ends the text early", mark_fix
    unclosed = _unclosed_quote(lines, line)
    if unclosed:
        return (
            unclosed,
            "this text's closing quotation mark is missing",
            'end the text with " on the same line (a quotation mark inside it is written \\")',
        )
    previous_at = next((n for n in range(line - 1, 0, -1) if lines[n - 1].strip()), 0)
    previous = lines[previous_at - 1] if previous_at else ""
    if "mapping values are not allowed" in problem and previous_at and ":" not in previous:
        return (
            previous_at,
            f"'{previous.strip()}' has no ':' after its key",
            "write the key, a colon and a space: '- intent: name', 'examples: |', 'text: \"...\"'",
        )
    if "mapping values are not allowed" in problem:
        return (
            line,
            "a colon followed by a space (': ') inside text that is not in quotes",
            'put the whole text in quotation marks: text: "..."',
        )
    if (
        "expected <block end>" in problem
        or "block mapping start" in problem
        or "could not find expected ':'" in problem
    ):
        here, there = len(text) - len(text.lstrip(" ")), len(previous) - len(previous.lstrip(" "))
        return (
            line,
            f"this line is indented {_spaces(here)}, which does not fit the lines above it ({_spaces(there)})",
            "indent it like the lines around it: examples 4 spaces, '- intent:' 0, 'examples: |' 2, metadata keys 6",
        )
    return line, f"this file is not valid YAML ({problem or error})", "compare the line with the examples in CONTENT.md"


def _spaces(count: int) -> str:
    return f"{count} space" + ("" if count == 1 else "s")


def _unclosed_quote(lines: Sequence[str], line: int, reach: int = 15) -> Optional[int]:
    """The line, at or above `line`, of a "quoted text with no closing quotation mark, if any."""
    for number in range(line, max(0, line - reach), -1):
        opened = re.search(r'(?:^|:)\s*"(.*)$', lines[number - 1]) if number <= len(lines) else None
        if opened and not re.search(r'(?<!\\)"', opened.group(1)) and lines[number - 1].strip() != '"':
            return number
    return None


class Project:
    """The content files of one project folder, each read once."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: List[Problem] = []
        self._docs: Dict[Path, Any] = {}

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def load(self, path: Path) -> Any:
        """The file's YAML (round-trip, so lines are known), or None when it is missing or broken."""
        if path not in self._docs:
            self._docs[path] = self._read(path)
        return self._docs[path]

    def _read(self, path: Path) -> Any:
        if not path.exists():
            return None
        text = path.read_text(encoding="utf-8")
        try:
            return YAML(typ="rt").load(text) or {}
        except MarkedYAMLError as error:
            line, cause, fix = _yaml_cause(error, text.splitlines())
            self.problems.append(Problem(self.rel(path), line, cause, fix))
            return None

    def files(self, pattern: str) -> List[Path]:
        return sorted(self.root.glob(pattern))

    def mapping(self, path: Path) -> dict:
        doc = self.load(path)
        return doc if isinstance(doc, dict) else {}

    def load_all(self) -> None:
        for pattern in CONTENT_FILES:
            for path in self.files(pattern):
                self.load(path)


def line_of(node, key=None) -> int:
    """The 1-based line of a round-trip node (or of its key), 1 when unknown."""
    try:
        if key is not None:
            return node.lc.key(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def normalise(sentence: str) -> str:
    """How examples are compared: lower case, punctuation as spaces."""
    return re.sub(r"[^\w]+", " ", sentence.lower()).strip()


def examples_of(block) -> List[str]:
    """The example sentences of one `- intent:` block."""
    text = block.get("examples") or ""
    if isinstance(text, list):  # "examples:" without "|" (reported): still count them, once
        return [str(item).strip() for item in text]
    return [line.strip()[2:].strip() for line in str(text).splitlines() if line.strip().startswith("- ")]
