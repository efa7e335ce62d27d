"""Content checks for the content team: run by `make validate` (and so by `make test`).

Each problem is printed as `file:line: what is wrong. Fix: what to do.` Checks:
  * every answer has a review date (metadata: reviewed: YYYY-MM-DD) and names its source:
    metadata `source:` lists ids from content_sources.yml and the text ends with a
    "Source: ..." line naming each of them (only chitchat answers may say `source: none`);
  * no answer is above grade 8 reading level (textstat's Flesch-Kincaid grade), and each is
    2 to 5 sentences (short enough for a parent on a phone);
  * no phone number is typed into an answer (write {care_team_phone} or {after_hours_phone});
  * every intent has at least 25 examples and appears in a test story in tests/test_stories/;
  * no example sentence is under two intents (ignoring case, spacing and punctuation);
  * no answer or intent is left unused by the rules and stories.
Usage: python tools/check_content.py [PROJECT_DIR]
"""
from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ruamel.yaml import YAML

MIN_EXAMPLES = 25
MAX_GRADE = 8.0
SENTENCES = (2, 5)
NO_SOURCE_FILES = {"chitchat.yml", "fallback.yml"}  # greetings and "please rephrase" state no facts
# 7 to 15 digits with phone punctuation between them; "911" and "1,000 to 1,500" are not phones
PHONE = re.compile(r"(?<![\w{])\+?\(?\d[\d\s().\-]{5,}\d(?![\w}])")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
BUILT_IN_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope_built_in", "session_start"}
# Answers sent by a policy rather than a rule: the unsure band's offer of other topics
# (addons/policies/confidence_bands.py); tests/test_stories/ covers it.
SENT_BY_POLICIES = {"utter_offer_alternatives"}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}. Fix: {self.fix}"


def _load(path: Path):
    yaml = YAML(typ="rt")
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle) or {}


def _line(node, key=None) -> int:
    try:
        if key is not None:
            return node.lc.key(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _normalise(sentence: str) -> str:
    return re.sub(r"[^\w]+", " ", sentence.lower()).strip()


def _examples(block) -> List[str]:
    text = block.get("examples") or ""
    return [line[2:].strip() for line in str(text).splitlines() if line.strip().startswith("- ")]


def _body(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("Source:")).strip()


def sentence_count(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", _body(text)) if s.strip()])


def reading_grade(text: str) -> float:
    import textstat

    body = "\n".join(line for line in text.splitlines() if not line.startswith("Source:"))
    body = PLACEHOLDER.sub("555", body)
    return textstat.flesch_kincaid_grade(body)


def check_responses(root: Path, sources: Dict[str, dict]) -> List[Problem]:
    problems = []
    for path in sorted((root / "data" / "responses").glob("*.yml")):
        doc = _load(path)
        responses = doc.get("responses") or {}
        for name, variations in responses.items():
            for variation in variations or []:
                line = _line(variation)
                where = (_rel(path, root), line)
                text = str(variation.get("text") or "")
                metadata = variation.get("metadata") or {}
                reviewed = metadata.get("reviewed")
                try:
                    reviewed_date = dt.date.fromisoformat(str(reviewed))
                    if reviewed_date > dt.date.today():
                        problems.append(Problem(*where, f"{name}: review date {reviewed} is in the future",
                                                "set metadata: reviewed: to the day the answer was checked"))
                except ValueError:
                    problems.append(Problem(*where, f"{name}: no review date",
                                            'add "metadata:" with "reviewed: YYYY-MM-DD" (the day it was checked against the sources)'))
                source_ids = [s.strip() for s in str(metadata.get("source") or "").split(",") if s.strip()]
                if source_ids == ["none"]:
                    if path.name not in NO_SOURCE_FILES:
                        problems.append(Problem(*where, f"{name}: says 'source: none', but it is a topic answer",
                                                "name the source ids from content_sources.yml the answer comes from"))
                elif not source_ids:
                    problems.append(Problem(*where, f"{name}: no source",
                                            'add "source: <id>" under metadata (ids are in content_sources.yml) and end the text with a "Source: ..." line'))
                else:
                    source_line = next((l for l in text.splitlines() if l.startswith("Source:")), "")
                    for source_id in source_ids:
                        if source_id not in sources:
                            problems.append(Problem(*where, f"{name}: source '{source_id}' is not one of the curated sources",
                                                    f"use one of: {', '.join(sources)}"))
                        elif sources[source_id]["name"] not in source_line:
                            problems.append(Problem(*where, f"{name}: the text does not name its source '{sources[source_id]['name']}'",
                                                    f'end the text with a line "Source: {sources[source_id]["name"]}"'))
                for match in PHONE.finditer(text):
                    if len(re.sub(r"\D", "", match.group())) >= 7:
                        problems.append(Problem(*where, f"{name}: phone number '{match.group().strip()}' is typed into the answer",
                                                "write {care_team_phone} or {after_hours_phone}; the number comes from hospital_settings.yml"))
                if text and not SENTENCES[0] <= sentence_count(text) <= SENTENCES[1]:
                    problems.append(Problem(*where, f"{name}: {sentence_count(text)} sentences; answers are {SENTENCES[0]} to {SENTENCES[1]}",
                                            "keep what a parent needs first; split a long topic into two intents"))
                if text:
                    grade = reading_grade(text)
                    if grade > MAX_GRADE:
                        problems.append(Problem(*where, f"{name}: reading level is grade {grade:.1f}, above grade {MAX_GRADE:g}",
                                                "use shorter sentences and everyday words (explain a medical word the first time)"))
    return problems


def _stories_steps(paths: Iterable[Path], key: str):
    for path in paths:
        doc = _load(path)
        for section in ("rules", "stories"):
            for block in doc.get(section) or []:
                for step in block.get("steps") or []:
                    if isinstance(step, dict) and key in step:
                        yield path, step[key]


def check_intents(root: Path) -> List[Problem]:
    problems = []
    domain_intents: Dict[str, tuple] = {}
    domain_responses: Dict[str, tuple] = {}
    for path in [root / "domain.yml", *sorted((root / "data" / "responses").glob("*.yml"))]:
        doc = _load(path)
        intents = doc.get("intents") or []
        for index, intent in enumerate(intents):
            name = intent if isinstance(intent, str) else next(iter(intent))
            domain_intents[name] = (_rel(path, root), _line(intents, index) if hasattr(intents, "lc") else 1)
        for name in doc.get("responses") or {}:
            domain_responses[name] = (_rel(path, root), _line(doc["responses"], name))

    examples: Dict[str, List[str]] = {}
    seen: Dict[str, tuple] = {}
    example_lines: Dict[str, tuple] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        doc = _load(path)
        for block in doc.get("nlu") or []:
            if "intent" not in block:
                continue
            intent = str(block["intent"])
            example_lines.setdefault(intent, (_rel(path, root), _line(block)))
            start = _line(block, "examples") if "examples" in block else _line(block)
            for offset, sentence in enumerate(_examples(block)):
                examples.setdefault(intent, []).append(sentence)
                key = _normalise(sentence)
                if key in seen and seen[key][0] != intent:
                    other_intent, other_file, other_line = seen[key]
                    problems.append(Problem(_rel(path, root), start + 1 + offset,
                                            f"'{sentence}' is an example of both {intent} and {other_intent} ({other_file}:{other_line})",
                                            "keep it under the one intent it really means and delete the other copy"))
                else:
                    seen.setdefault(key, (intent, _rel(path, root), start + 1 + offset))

    for intent, where in domain_intents.items():
        count = len(examples.get(intent, []))
        if count < MIN_EXAMPLES:
            problems.append(Problem(*example_lines.get(intent, where),
                                    f"intent {intent} has {count} examples, fewer than {MIN_EXAMPLES}",
                                    f"add {MIN_EXAMPLES - count} more ways a parent might ask it in data/nlu/"))

    data_files = sorted((root / "data").glob("rules/*.yml")) + sorted((root / "data").glob("stories/*.yml"))
    used_intents = {str(i) for _, i in _stories_steps(data_files, "intent")}
    used_actions = {str(a) for _, a in _stories_steps(data_files, "action")}
    test_intents = {str(i) for _, i in _stories_steps(sorted((root / "tests" / "test_stories").glob("*.yml")), "intent")}
    for intent, where in domain_intents.items():
        if intent in BUILT_IN_INTENTS:
            continue
        if intent not in used_intents:
            problems.append(Problem(*where, f"intent {intent} is not used by any rule or story",
                                    f"add a rule in data/rules/ that answers {intent}, or remove the intent"))
        if intent not in test_intents:
            problems.append(Problem(*where, f"intent {intent} is not in any test story",
                                    f"add a story with a '{intent}' question to tests/test_stories/"))
    for name, where in domain_responses.items():
        if name not in used_actions and name not in SENT_BY_POLICIES:
            problems.append(Problem(*where, f"answer {name} is not used by any rule or story",
                                    "add a rule that gives this answer, or delete it"))
    return problems


def run_checks(root: Path) -> List[Problem]:
    sources = _load(root / "content_sources.yml")
    return check_responses(root, sources) + check_intents(root)


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    problems = run_checks(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} content problem(s) found; see CONTENT.md for what each check means.")
        return 1
    print("content checks passed: sources, review dates, reading level, phone numbers, examples, usage")
    return 0


if __name__ == "__main__":
    sys.exit(main())
