"""Edits of the content files in the project's layout and style, so that a diff shows what the editor
changed and nothing else: ruamel.yaml's round trip keeps comments, blank lines, key order and
quoting; a file read and written with no change is byte-identical (tests/studio/test_yaml_files.py).

Each file's sequence indentation is read from the file itself: the data files write `- text:`
under their key (`responses:` then `  utter_x:` then `  - text:`), domain.yml indents its lists
(`intents:` then `  - greet`). Long texts are never folded. New texts, dates and empty reviews are
written in double quotes, as every answer is.

Every write goes through write_content_file(), which refuses any path that is not a content file
of the project (CONTENT_PATHS): no name typed in a form can reach another file.
"""

from __future__ import annotations

import io
import re
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from content.training_data import _insert as insert_examples

# the only files an edit may write (relative to the project), as fnmatch patterns
CONTENT_PATHS = (
    "data/responses/*.yml",
    "data/nlu/*.yml",
    "data/nlu/es/*.yml",
    "data/rules/*.yml",
    "domain.yml",
    "tests/nlu_holdout/*.yml",
    "tests/nlu_holdout/es/*.yml",
    "tests/test_stories/*.yml",
    "docs/intents.md",
)
# an intent, response or topic name: what Rasa and the file names accept, nothing that is a path
NAME = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
LANGUAGE_CONDITION = [{"type": "slot", "name": "language", "value": "es"}]
# never folded: an answer is one long line in the files
NO_WRAP = 1 << 20
# metadata values written in double quotes, as the files write them
QUOTED_METADATA = {"reviewed", "translates", "translation_reviewed", "topic", "question"}


class ContentPathError(ValueError):
    """A write outside the content files (a bad name, a path, a symbolic link out of the project)."""


def check_name(kind: str, name: str) -> str:
    if not NAME.match(name or ""):
        raise ContentPathError(
            f"{kind} {name!r} is not a valid name: lower-case letters, digits and _ only, starting with a letter"
        )
    return name


def content_path(root: Path, rel: str) -> Path:
    """The file `rel` of the project at `root`, if it is a content file an edit may write."""
    if not any(fnmatch(rel, pattern) for pattern in CONTENT_PATHS) or ".." in Path(rel).parts:
        raise ContentPathError(f"{rel} is not a content file the studio may write")
    path = (root / rel).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ContentPathError(f"{rel} leads outside the project")
    return path


def write_content_file(root: Path, rel: str, text: str) -> Path:
    path = content_path(root, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- reading and writing one YAML file --------------------------------------------------------


def _sequence_offset(text: str) -> int:
    """How far the file indents a list under its key: 0 (`key:` / `- item`) or 2 (`  - item`)."""
    lines = text.splitlines()
    for index, line in enumerate(lines[:-1]):
        key = re.match(r"^(\s*)[^\s#-][^:]*:\s*(#.*)?$", line)
        if not key:
            continue
        following = next(
            (other for other in lines[index + 1 :] if other.strip() and not other.strip().startswith("#")), ""
        )
        item = re.match(r"^(\s*)- ", following)
        if item:
            return max(0, len(item.group(1)) - len(key.group(1)))
    return 0


def round_trip_yaml(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True  # type: ignore[assignment]  # ruamel declares it (and width) as None
    yaml.width = NO_WRAP  # type: ignore[assignment]
    yaml.allow_unicode = True
    offset = _sequence_offset(text)
    yaml.indent(mapping=2, sequence=2 + offset, offset=offset)
    return yaml


class YamlFile:
    """One content file, read for a round trip."""

    def __init__(self, root: Path, rel: str):
        self.root, self.rel = root, rel
        self.path = content_path(root, rel)
        self.original = self.path.read_text(encoding="utf-8")
        self.yaml = round_trip_yaml(self.original)
        self.doc = self.yaml.load(self.original)

    def dumps(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.doc, out)
        return out.getvalue()

    def save(self) -> bool:
        """Writes the file when it changed; True if it did."""
        text = self.dumps()
        if text == self.original:
            return False
        write_content_file(self.root, self.rel, text)
        return True


def quoted(value: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(value)


# --- answers ----------------------------------------------------------------------------------


def variation_language(variation: Any) -> str:
    for condition in variation.get("condition") or []:
        if isinstance(condition, dict) and condition.get("name") == "language":
            return str(condition.get("value"))
    metadata = variation.get("metadata") or {}
    return str(metadata.get("language") or "en") if isinstance(metadata, dict) else "en"


def response_file(root: Path, name: str) -> str:
    """The data/responses/ file that holds the response `name`."""
    check_name("answer", name)
    for path in sorted((root / "data" / "responses").glob("*.yml")):
        if re.search(rf"^  {re.escape(name)}:\s*$", path.read_text(encoding="utf-8"), re.MULTILINE):
            return path.relative_to(root).as_posix()
    raise KeyError(f"no answer {name} in data/responses/")


def set_answer(
    root: Path, name: str, language: str, text: Optional[str] = None, metadata: Optional[Dict[str, str]] = None
) -> Optional[str]:
    """Sets the text and metadata values of one answer's variation (English "en" or its Spanish twin
    "es"); returns the file written, or None when nothing changed. A value equal to the file's is
    left as it is written (its quotes and all)."""
    rel = response_file(root, name)
    file = YamlFile(root, rel)
    variations = file.doc["responses"][name]
    variation = next((v for v in variations if variation_language(v) == language), None)
    if variation is None:
        raise KeyError(f"{name} has no {'Spanish' if language == 'es' else 'English'} variation")
    if text is not None and str(variation.get("text") or "") != text:
        variation["text"] = quoted(text)
    for key, value in (metadata or {}).items():
        meta = variation.setdefault("metadata", CommentedMap())
        if str(meta.get(key, "")) == value and key in meta:
            continue
        meta[key] = quoted(value) if key in QUOTED_METADATA else value
    return rel if file.save() else None


def _variation(text: str, metadata: Dict[str, str], spanish: bool) -> CommentedMap:
    variation = CommentedMap()
    if spanish:
        variation["condition"] = CommentedSeq([CommentedMap(c) for c in LANGUAGE_CONDITION])
    variation["text"] = quoted(text)
    meta = CommentedMap()
    for key, value in metadata.items():
        meta[key] = quoted(value) if key in QUOTED_METADATA else value
    variation["metadata"] = meta
    return variation


def add_answer(
    root: Path,
    topic: str,
    name: str,
    english: Tuple[str, Dict[str, str]],
    spanish: Tuple[str, Dict[str, str]],
) -> str:
    """A new answer at the end of data/responses/<topic>.yml: the English variation, then its
    Spanish twin (condition on the language slot, `language: es` first in its metadata)."""
    check_name("topic", topic)
    check_name("answer", name)
    rel = f"data/responses/{topic}.yml"
    file = YamlFile(root, rel)
    responses = file.doc["responses"]
    if name in responses:
        raise ValueError(f"the answer {name} already exists in {rel}")
    spanish_metadata = {"language": "es", **{k: v for k, v in spanish[1].items() if k != "language"}}
    responses[name] = CommentedSeq(
        [_variation(english[0], english[1], False), _variation(spanish[0], spanish_metadata, True)]
    )
    responses.yaml_set_comment_before_after_key(name, before="\n")
    file.save()
    return rel


# --- intents, rules, stories ------------------------------------------------------------------


def topic_intents(root: Path, topic: str) -> List[str]:
    """The intents whose English examples are in data/nlu/<topic>.yml, in file order."""
    path = root / "data" / "nlu" / f"{check_name('topic', topic)}.yml"
    return [m.group(1) for m in re.finditer(r"^- intent:\s*(\S+)\s*$", path.read_text(encoding="utf-8"), re.M)]


def add_intent(root: Path, intent: str, topic: str) -> str:
    """`- intent` in domain.yml's intents, right after the topic's last intent (under its comment)."""
    check_name("intent", intent)
    file = YamlFile(root, "domain.yml")
    intents = file.doc["intents"]
    names = [i if isinstance(i, str) else next(iter(i)) for i in intents]
    if intent in names:
        raise ValueError(f"the intent {intent} is already in domain.yml")
    siblings = [names.index(i) for i in topic_intents(root, topic) if i in names]
    at = (max(siblings) if siblings else len(names) - 1) + 1
    intents.insert(at, intent)
    # the comment that followed the topic's last intent (the next topic's heading) now follows the new one
    if at - 1 in intents.ca.items:
        intents.ca.items[at] = intents.ca.items.pop(at - 1)
    file.save()
    return "domain.yml"


def _append_block(root: Path, rel: str, section: str, block: CommentedMap) -> str:
    file = YamlFile(root, rel)
    items = file.doc.setdefault(section, CommentedSeq())
    items.append(block)
    if len(items) > 1:
        items.yaml_set_comment_before_after_key(len(items) - 1, before="\n")
    file.save()
    return rel


def add_rule(root: Path, topic: str, intent: str, response: str) -> str:
    """`- rule: <intent> is answered with <response>` at the end of data/rules/<topic>.yml."""
    check_name("intent", intent)
    check_name("answer", response)
    rule = CommentedMap(
        [
            ("rule", f"{intent.replace('_', ' ')} is answered with {response}"),
            ("steps", CommentedSeq([CommentedMap([("intent", intent)]), CommentedMap([("action", response)])])),
        ]
    )
    return _append_block(root, f"data/rules/{check_name('topic', topic)}.yml", "rules", rule)


def story_file(root: Path, topic: str) -> str:
    """The test story file of the topic: the one that tests one of its intents, else test_<topic>.yml."""
    intents = set(topic_intents(root, topic))
    for path in sorted((root / "tests" / "test_stories").glob("*.yml")):
        tested = set(re.findall(r"^\s*intent:\s*(\S+)\s*$", path.read_text(encoding="utf-8"), re.M))
        if tested & intents:
            return path.relative_to(root).as_posix()
    return f"tests/test_stories/test_{topic}.yml"


def add_story(root: Path, topic: str, intent: str, response: str, question: str, title: str) -> str:
    """A test story: a parent asks `question`, read as `intent`, answered with `response`."""
    check_name("intent", intent)
    check_name("answer", response)
    rel = story_file(root, topic)
    if not (root / rel).exists():
        write_content_file(root, rel, 'version: "3.1"\n\nstories:\n')
    from ruamel.yaml.scalarstring import LiteralScalarString

    story = CommentedMap(
        [
            ("story", f"a parent asks about {title}"),
            (
                "steps",
                CommentedSeq(
                    [
                        CommentedMap([("user", LiteralScalarString(one_line(question) + "\n")), ("intent", intent)]),
                        CommentedMap([("action", response)]),
                    ]
                ),
            ),
        ]
    )
    return _append_block(root, rel, "stories", story)


# --- examples and test questions --------------------------------------------------------------


def one_line(text: str) -> str:
    """A question as one line of an `examples: |` block: no line breaks, no Rasa entity markup."""
    line = " ".join(str(text).split())
    return line.replace("[", "(").replace("]", ")").lstrip("-").strip()


def add_example_block(root: Path, folder: str, topic: str, intent: str, language: str, examples: Iterable[str]) -> str:
    """Examples (data/nlu) or test questions (tests/nlu_holdout) of `intent`, in the topic's file of
    that language: appended to the intent's block, or a new block at the end of the file."""
    check_name("topic", topic)
    check_name("intent", intent)
    if folder not in ("data/nlu", "tests/nlu_holdout"):
        raise ContentPathError(f"{folder} is not an examples folder")
    rel = f"{folder}/{'es/' if language == 'es' else ''}{topic}.yml"
    path = content_path(root, rel)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else ['version: "3.1"', "nlu:"]
    written = [one_line(e) for e in examples if one_line(e)]
    write_content_file(root, rel, "\n".join(insert_examples(lines, intent, language, written)) + "\n")
    return rel


# --- the intent catalogue ---------------------------------------------------------------------


def add_catalogue_row(root: Path, topic: str, intent: str, meaning: str, response: str) -> str:
    """A row in docs/intents.md, after the topic's last row (tools/check_docs.py checks them)."""
    check_name("topic", topic)
    check_name("intent", intent)
    check_name("answer", response)
    rel = "docs/intents.md"
    path = content_path(root, rel)
    lines = path.read_text(encoding="utf-8").splitlines()
    cell = " ".join(meaning.replace("|", "/").split())
    row = f"| {topic} | {intent} | {cell} | {response} |"
    rows = [i for i, line in enumerate(lines) if line.startswith("| ") and not line.startswith("|---")]
    same_topic = [i for i in rows if lines[i].split("|")[1].strip() == topic]
    at = (same_topic or rows)[-1] + 1
    write_content_file(root, rel, "\n".join([*lines[:at], row, *lines[at:]]) + "\n")
    return rel
