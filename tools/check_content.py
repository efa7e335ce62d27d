"""Content checks for the content team: run by `make validate` (and so by `make test`).

Every mistake an editor can make in the content files is printed as one line,
`file:line: what is wrong. Fix: what to do.`, and the run ends with one line: "all content
checks passed" or "N problems". Warnings are printed the same way (`file:line: warning: ...`) with
their own count; they do not fail the run. Checks (CONTENT.md explains each to editors):
  * every content file is valid YAML: an unescaped or missing quotation mark, a wrong
    indentation, a tab, a key written twice are named in plain words, never as a traceback (until
    the YAML is fixed, nothing else is checked: a file that cannot be read would mislead them);
  * every answer has a review date and names its sources: metadata `source:` lists ids from
    content_sources.yml, and the text ends with exactly one "Source: ..." line ("Fuente: ..." in
    Spanish), after `\\n`, naming each of them (only chitchat and fallback answers say `source: none`);
  * no answer is above grade 8 (Flesch-Kincaid) in English or below 70 (Fernandez Huerta, easy
    reading) in Spanish, and each is 2 to 5 sentences;
  * no phone number and no fever threshold is typed into an answer ({care_team_phone},
    {after_hours_phone} and {fever_threshold} come from hospital_settings.yml);
  * every English answer has exactly one Spanish twin and the reverse, with the same placeholders
    and source ids; a twin that translates an older English text is a warning, and so are the
    Spanish answers a qualified medical translator has not reviewed yet;
  * every intent has at least 25 English examples, at least 10 held-out test questions per
    language it has examples in, none of them copied or nearly copied into the training examples
    (near copies: a pair of which one side is new since the last commit; exact copies: always),
    and appears in a test story; no example is under two intents; nothing is left unused;
  * against the last commit (git): a warning when an answer's text changed and its `reviewed:`
    date did not, and when a new intent's examples overlap an existing intent's.
Usage: python tools/check_content.py [PROJECT_DIR]
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import subprocess
import sys
import warnings
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

# The urgent intents take a child's symptoms now (CONTENT.md): a new topic's overlap with them is
# expected, and their examples are never moved to a question intent.
from clinical.vocabulary import URGENT_INTENTS

MIN_EXAMPLES = 25
MIN_HELD_OUT = 10
NEAR_COPY = 0.9  # difflib ratio, after normalising, from which a test question counts as copied
# an existing example is the new intent's when its words are closer to the new intent's examples
# than to its own intent's (tf-idf cosine to each centre), and at least this close
MIN_OVERLAP_SIMILARITY = 0.15
MAX_GRADE = 8.0  # English: Flesch-Kincaid grade
MIN_EASE_ES = 70.0  # Spanish: Fernandez Huerta, 70 and above is easy reading
SENTENCES = (2, 5)
NO_SOURCE_FILES = {"chitchat.yml", "fallback.yml"}  # greetings and "please rephrase" state no facts
# 7 to 15 digits with phone punctuation between them; "911" and "1,000 to 1,500" are not phones
PHONE = re.compile(r"(?<![\w{])\+?\(?\d[\d\s().\-]{5,}\d(?![\w}])")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# a number as an answer may write it: 38, 38.0, 38,0 (Spanish), 100.4; "1,000" is a count
NUMBER = re.compile(r"(?<![\w.,{])(\d{1,3}(?:,\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)(?![\w}])")
TEMPERATURE_UNIT = re.compile(
    r"^\s*([°º]\s*[CF]?\b|[°º]|degrees?(\s+(Celsius|Fahrenheit|[CF]\b))?|"
    r"grados?(\s+(cent[ií]grados|Fahrenheit|[CF]\b))?|[CF]\b)",
    re.IGNORECASE,
)
TEMPERATURE_WORDS = re.compile(
    r"(fever|temperature|thermometer|fiebre|temperatura|term[oó]metro|calentura|"
    r"above|over|at or|más de|mayor|sobre)\W+(\w+\W+){0,3}$",
    re.IGNORECASE,
)
SOURCE_LABEL = {"en": "Source:", "es": "Fuente:"}
LANGUAGES = ("en", "es")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
BUILT_IN_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope_built_in", "session_start"}
# Answers sent by a policy rather than a rule: the unsure band's offer of other topics
# (addons/policies/confidence_bands.py); tests/test_stories/ covers it.
SENT_BY_POLICIES = {"utter_offer_alternatives"}
STOP_WORDS = set(
    """
a about after again all also am an and any are as at be because been before being but by can
could did do does doing for from get gets getting had has have having he her hers him his how i
if im in into is it its just kid kids child childs children me my neutropenia neutropenic no not
now of on or our she should so son daughter baby that the their them then there these they this
to too up us was we were what whats when where which while who why will with would you your
yours dont does doesnt cant isnt thing things normal mean means really much many get got
de la el los las un una unos unas y o que qué es en por para con mi mis su sus se le lo al del
como cómo hijo hija niño niña bebé tiene tener está esta son ser hay me puede pueden mucho muy
""".split()
)
TRANSLATOR_SENTENCE = (
    "a qualified medical translator must review them before a hospital puts them live "
    "(US civil-rights rules on machine and ad-hoc translation, Section 1557 of the ACA)"
)
# content files an editor touches; a YAML mistake in any of them is reported, never a traceback
CONTENT_FILES = (
    "domain.yml",
    "content_sources.yml",
    "hospital_settings.yml",
    "data/**/*.yml",
    "tests/nlu_holdout/**/*.yml",
    "tests/test_stories/**/*.yml",
)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.file}:{self.line}: {kind}{self.message}. Fix: {self.fix}"


def warning(file: str, line: int, message: str, fix: str) -> Problem:
    return Problem(file, line, message, fix, warning=True)


# ---------------------------------------------------------------------------------------------
# Reading the files: a syntax error is one plain line, and the file is skipped by the other checks


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


def _line(node, key=None) -> int:
    try:
        if key is not None:
            return node.lc.key(key)[0] + 1
        return node.lc.line + 1
    except (AttributeError, KeyError, TypeError):
        return 1


def _normalise(sentence: str) -> str:
    return re.sub(r"[^\w]+", " ", sentence.lower()).strip()


def _examples(block) -> List[str]:
    text = block.get("examples") or ""
    if isinstance(text, list):  # "examples:" without "|" (reported): still count them, once
        return [str(item).strip() for item in text]
    return [line.strip()[2:].strip() for line in str(text).splitlines() if line.strip().startswith("- ")]


def _source_ids(metadata) -> List[str]:
    # ids are separated by commas in the files ("connecticut_childrens, clinical_rules")
    return [s.strip() for s in re.split(r"[,;]", str(metadata.get("source") or "")) if s.strip()]


# ---------------------------------------------------------------------------------------------
# Answers


@dataclass
class Answer:
    name: str
    file: str
    line: int
    text: str
    metadata: dict
    language: str
    file_name: str = ""

    @property
    def where(self) -> Tuple[str, int]:
        return self.file, self.line

    @property
    def label(self) -> str:
        return self.name if self.language == "en" else f"{self.name} (Spanish)"


def _variation_language(variation) -> Tuple[str, Optional[str]]:
    """The variation's language and, when its condition and metadata disagree, what is wrong."""
    conditions = variation.get("condition") or []
    slot = next((str(c.get("value")) for c in conditions if isinstance(c, dict) and c.get("name") == "language"), None)
    metadata = variation.get("metadata") or {}
    declared = metadata.get("language") if isinstance(metadata, dict) else None
    language = slot or (str(declared) if declared else "en")
    if slot and declared and str(declared) != slot:
        return language, f"condition says language {slot}, metadata says language {declared}"
    if slot == "es" and not declared:
        return language, "Spanish variation without 'language: es' under metadata"
    if declared == "es" and not slot:
        return language, "metadata says language es, but there is no condition on the language slot"
    return language, None


def load_answers(project: Project) -> Tuple[List[Answer], List[Problem]]:
    answers, problems = [], []
    for path in project.files("data/responses/*.yml"):
        responses = project.mapping(path).get("responses") or {}
        if not isinstance(responses, dict):
            continue
        for name, variations in responses.items():
            for variation in variations if isinstance(variations, list) else []:
                if not isinstance(variation, dict):
                    continue
                language, wrong = _variation_language(variation)
                metadata: Dict[str, Any] = variation["metadata"] if isinstance(variation.get("metadata"), dict) else {}
                answer = Answer(
                    str(name),
                    project.rel(path),
                    _line(variation),
                    str(variation.get("text") or ""),
                    metadata,
                    language,
                    path.name,
                )
                if wrong:
                    problems.append(
                        Problem(
                            *answer.where,
                            f"{name}: {wrong}",
                            "write the Spanish variation as in CONTENT.md: a condition on the language "
                            "slot (value es) and 'language: es' under metadata",
                        )
                    )
                answers.append(answer)
    return answers, problems


def _body(text: str, language: str) -> str:
    label = SOURCE_LABEL[language]
    return "\n".join(line for line in text.splitlines() if not line.startswith(label)).strip()


def sentence_count(text: str, language: str = "en") -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", _body(text, language)) if s.strip()])


def _readability_text(text: str, language: str) -> str:
    return PLACEHOLDER.sub("555", _body(text, language))


def reading_grade(text: str) -> float:
    """English: textstat's Flesch-Kincaid grade of the text without its Source line."""
    return _textstat("en").flesch_kincaid_grade(_readability_text(text, "en"))


def reading_ease_es(text: str) -> float:
    """Spanish: Fernandez Huerta reading ease (70 and above is easy) of the text without its Fuente line."""
    return _textstat("es").fernandez_huerta(_readability_text(text, "es"))


_TEXTSTAT: Dict[str, Any] = {}


def _textstat(language: str):
    """A textstat instance of its own per language: textstat.set_lang() changes the module's shared
    instance for every caller, so the Spanish syllable rules never leak into English counts."""
    if language not in _TEXTSTAT:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # textstat imports pkg_resources, which warns
            from textstat.textstat import textstatistics
        instance = textstatistics()
        instance.set_lang(language)
        _TEXTSTAT[language] = instance
    return _TEXTSTAT[language]


def fever_thresholds(settings: dict) -> Tuple[float, float]:
    """The fever threshold of hospital_settings.yml in °C and °F, rounded as answers write them."""
    try:
        celsius = float(settings.get("fever_threshold_c", 38.0))
    except (TypeError, ValueError):
        celsius = 38.0
    return round(celsius, 1), round(celsius * 9 / 5 + 32, 1)


def typed_thresholds(text: str, thresholds: Tuple[float, float]) -> List[str]:
    """The fever threshold written as a number in the text: "38.0", "38,0", "100.4 °F", "above 38"."""
    found = []
    body = PLACEHOLDER.sub(" ", text)
    for match in NUMBER.finditer(body):
        number = match.group(1)
        if re.fullmatch(r"\d{1,3}(,\d{3})+", number):
            continue  # a count such as 1,000
        value = round(float(number.replace(",", ".")), 1)
        if value not in thresholds:
            continue
        after, before = body[match.end() :], body[: match.start()]
        has_decimals = bool(re.search(r"[.,]", number))
        unit = TEMPERATURE_UNIT.match(after)
        if has_decimals or unit or TEMPERATURE_WORDS.search(before):
            found.append((number + (unit.group(0) if unit else "")).strip())
    return found


def check_answer_texts(answers: List[Answer], sources: dict, thresholds: Tuple[float, float]) -> List[Problem]:
    problems = []
    for answer in answers:
        name, text, metadata, where = answer.label, answer.text, answer.metadata, answer.where
        if answer.language == "en":
            reviewed = metadata.get("reviewed")
            try:
                reviewed_date = dt.date.fromisoformat(str(reviewed))
                if reviewed_date > dt.date.today():
                    problems.append(
                        Problem(
                            *where,
                            f"{name}: review date {reviewed} is in the future",
                            "set metadata: reviewed: to the day the answer was checked",
                        )
                    )
            except ValueError:
                problems.append(
                    Problem(
                        *where,
                        f"{name}: no review date",
                        'add "metadata:" with "reviewed: YYYY-MM-DD" (the day it was checked against the sources)',
                    )
                )
        problems += _source_problems(answer, sources)
        for match in PHONE.finditer(text):
            if len(re.sub(r"\D", "", match.group())) >= 7:
                problems.append(
                    Problem(
                        *where,
                        f"{name}: phone number '{match.group().strip()}' is typed into the answer",
                        "write {care_team_phone} or {after_hours_phone}; the number comes from hospital_settings.yml",
                    )
                )
        for typed in typed_thresholds(text, thresholds):
            problems.append(
                Problem(
                    *where,
                    f"{name}: the fever threshold '{typed}' is typed into the answer",
                    "write {fever_threshold}; the assistant fills in the hospital's threshold "
                    "(°C and °F) from hospital_settings.yml",
                )
            )
        if not text:
            continue
        count = sentence_count(text, answer.language)
        if not SENTENCES[0] <= count <= SENTENCES[1]:
            problems.append(
                Problem(
                    *where,
                    f"{name}: {count} sentences; answers are {SENTENCES[0]} to {SENTENCES[1]}",
                    "keep what a parent needs first; split a long topic into two intents",
                )
            )
        if answer.language == "en":
            grade = reading_grade(text)
            if grade > MAX_GRADE:
                problems.append(
                    Problem(
                        *where,
                        f"{name}: reading level is grade {grade:.1f}, above grade {MAX_GRADE:g}",
                        "use shorter sentences and everyday words (explain a medical word the first time)",
                    )
                )
        else:
            ease = reading_ease_es(text)
            if ease < MIN_EASE_ES:
                problems.append(
                    Problem(
                        *where,
                        f"{name}: Spanish reading ease is {ease:.0f} (Fernandez Huerta), below {MIN_EASE_ES:g}",
                        "use shorter sentences and everyday words (explain a medical word the first time)",
                    )
                )
    return problems


def _source_names(source: dict, language: str) -> List[str]:
    names = [str(source.get("name") or "")]
    if language == "es" and source.get("name_es"):
        names.append(str(source["name_es"]))
    return [n for n in names if n]


def _source_problems(answer: Answer, sources: dict) -> List[Problem]:
    name, text, where, language = answer.label, answer.text, answer.where, answer.language
    label = SOURCE_LABEL[language]
    other_label = SOURCE_LABEL["es" if language == "en" else "en"]
    source_ids = _source_ids(answer.metadata)
    problems = []
    if source_ids == ["none"]:
        if answer.file_name not in NO_SOURCE_FILES:
            problems.append(
                Problem(
                    *where,
                    f"{name}: says 'source: none', but it is a topic answer",
                    "name the source ids from content_sources.yml the answer comes from",
                )
            )
        return problems
    if not source_ids:
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
    for source_id in source_ids:
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
        if source_id in source_ids or not isinstance(source, dict):
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


def check_translations(sound: List[Answer], answers: List[Answer]) -> List[Problem]:
    """Each English answer has one Spanish twin and the reverse, saying the same thing the same way
    (compared when both of the pair are in `sound`: free of problems of their own)."""
    problems = []
    by_name: Dict[str, Dict[str, List[Answer]]] = defaultdict(lambda: defaultdict(list))
    for answer in answers:
        by_name[answer.name][answer.language].append(answer)
    sound_ids = {id(a) for a in sound}
    unreviewed: List[Answer] = []
    for name, variations in by_name.items():
        english, spanish = variations.get("en", []), variations.get("es", [])
        if english and not spanish:
            problems.append(
                Problem(
                    *english[0].where,
                    f"{name}: no Spanish variation",
                    "add the Spanish translation below the English one, as in CONTENT.md "
                    "(condition on the language slot, metadata language: es, translates:, translation_reviewed:)",
                )
            )
        if len(spanish) > 1:
            problems.append(
                Problem(
                    *spanish[1].where,
                    f"{name}: {len(spanish)} Spanish variations",
                    "keep one Spanish variation per answer",
                )
            )
        if spanish and not english:
            problems.append(
                Problem(
                    *spanish[0].where,
                    f"{name}: a Spanish variation with no English answer",
                    "add the English answer it translates, or delete the Spanish one",
                )
            )
        if not (english and spanish):
            continue
        en, es = english[0], spanish[0]
        if id(en) not in sound_ids or id(es) not in sound_ids:
            continue
        en_places, es_places = set(PLACEHOLDER.findall(en.text)), set(PLACEHOLDER.findall(es.text))
        if en_places != es_places:
            missing, extra = sorted(en_places - es_places), sorted(es_places - en_places)
            what = "; ".join(
                filter(
                    None,
                    [
                        f"missing {', '.join(missing)}" if missing else "",
                        f"not in the English {', '.join(extra)}" if extra else "",
                    ],
                )
            )
            problems.append(
                Problem(
                    *es.where,
                    f"{es.label}: placeholders differ from the English ({what})",
                    "use exactly the English answer's {placeholders}, written the same, untranslated",
                )
            )
        if set(_source_ids(en.metadata)) != set(_source_ids(es.metadata)):
            problems.append(
                Problem(
                    *es.where,
                    f"{es.label}: source ids '{es.metadata.get('source') or ''}' differ from the "
                    f"English '{en.metadata.get('source') or ''}'",
                    "copy the English answer's 'source:' ids; the translation adds and removes nothing",
                )
            )
        translates, reviewed = str(es.metadata.get("translates") or ""), str(en.metadata.get("reviewed") or "")
        if not translates:
            problems.append(
                Problem(
                    *es.where,
                    f"{es.label}: no 'translates:' date",
                    f'add translates: "{reviewed}" under metadata: the English reviewed date it translates',
                )
            )
        elif translates != reviewed:
            problems.append(
                warning(
                    *es.where,
                    f"{es.label}: translates the English of {translates}, but the English was "
                    f"reviewed on {reviewed}: the English changed since this was translated",
                    f'update the Spanish to the English text, then set translates: "{reviewed}" '
                    "and have it reviewed again (translation_reviewed)",
                )
            )
        review = str(es.metadata.get("translation_reviewed") or "").strip()
        if not review:
            unreviewed.append(es)
        elif not re.fullmatch(r".+,\s*\d{4}-\d{2}-\d{2}", review):
            problems.append(
                Problem(
                    *es.where,
                    f"{es.label}: translation_reviewed '{review}' is not '<who>, <YYYY-MM-DD>'",
                    'write translation_reviewed: "<translator\'s name>, <YYYY-MM-DD>"',
                )
            )
    if unreviewed:
        first = unreviewed[0]
        names = ", ".join(a.name for a in unreviewed)
        problems.append(
            warning(
                *first.where,
                f"{len(unreviewed)} Spanish answers have no translation_reviewed yet "
                f"({names}); {TRANSLATOR_SENTENCE}",
                'after the review, set translation_reviewed: "<who>, <YYYY-MM-DD>" on each',
            )
        )
    return problems


# ---------------------------------------------------------------------------------------------
# Intents, examples, test questions


@dataclass
class Example:
    text: str
    intent: str
    language: str
    file: str
    line: int
    key: str = field(init=False)

    def __post_init__(self):
        self.key = _normalise(self.text)


def load_examples(project: Project, folder: str) -> Tuple[List[Example], List[Problem], Dict[str, Tuple[str, int]]]:
    """Every example under folder (English at the top, Spanish in es/), with its file and line."""
    examples: List[Example] = []
    problems: List[Problem] = []
    first_block: Dict[str, Tuple[str, int]] = {}
    for path in project.files(f"{folder}/**/*.yml"):
        spanish_file = "es" in path.relative_to(project.root / folder).parts[:-1]
        doc = project.mapping(path)
        blocks = doc.get("nlu") or []
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            intent = str(block["intent"])
            metadata: Dict[str, Any] = block["metadata"] if isinstance(block.get("metadata"), dict) else {}
            language = "es" if spanish_file else "en"
            if folder == "data/nlu" and str(metadata.get("language") or "en") != language:
                fix = (
                    "add 'metadata:' with 'language: es' under '- intent:' "
                    "(the language detector learns Spanish from it)"
                    if spanish_file
                    else "Spanish examples go in data/nlu/es/<topic>.yml; English ones have no language metadata"
                )
                problems.append(
                    Problem(
                        project.rel(path),
                        _line(block),
                        f"{intent}: examples in {project.rel(path)} "
                        f"marked language {metadata.get('language') or 'none'}",
                        fix,
                    )
                )
            first_block.setdefault(intent, (project.rel(path), _line(block)))
            start = _line(block, "examples") if "examples" in block else _line(block)
            if not isinstance(block.get("examples"), str):
                # "examples:" without "|" reads the lines below as a list Rasa rejects
                problems.append(
                    Problem(
                        project.rel(path),
                        start,
                        f"{intent}: 'examples:' is not followed by '|', so the examples are not read as text",
                        "write 'examples: |' and the examples below it, 4 spaces in, each starting with '- '",
                    )
                )
            for offset, sentence in enumerate(_examples(block)):
                examples.append(Example(sentence, intent, language, project.rel(path), start + 1 + offset))
    return examples, problems, first_block


def domain_intents(project: Project, doc=None) -> Dict[str, Tuple[str, int]]:
    doc = project.mapping(project.root / "domain.yml") if doc is None else doc
    intents = doc.get("intents") or [] if isinstance(doc, dict) else []
    found = {}
    for index, intent in enumerate(intents if isinstance(intents, list) else []):
        name = intent if isinstance(intent, str) else next(iter(intent))
        line = intents.lc.item(index)[0] + 1 if hasattr(intents, "lc") else 1
        found[str(name)] = ("domain.yml", line)
    return found


def _stories_steps(project: Project, paths: Iterable[Path], key: str):
    for path in paths:
        doc = project.mapping(path)
        for section in ("rules", "stories"):
            for block in doc.get(section) or []:
                for step in (block.get("steps") or []) if isinstance(block, dict) else []:
                    if isinstance(step, dict) and key in step:
                        yield path, step[key]


def check_intents(
    project: Project,
    examples: List[Example],
    first_block: Dict[str, Tuple[str, int]],
    intents: Dict[str, Tuple[str, int]],
) -> List[Problem]:
    problems = []
    seen: Dict[str, Example] = {}
    for example in examples:
        earlier = seen.get(example.key)
        if earlier and earlier.intent != example.intent:
            problems.append(
                Problem(
                    example.file,
                    example.line,
                    f"'{example.text}' is an example of both {example.intent} and {earlier.intent} "
                    f"({earlier.file}:{earlier.line})",
                    "keep it under the one intent it really means and delete the other copy",
                )
            )
        else:
            seen.setdefault(example.key, example)

    english = Counter(e.intent for e in examples if e.language == "en")
    for intent, where in intents.items():
        if intent in BUILT_IN_INTENTS:
            continue
        if english[intent] < MIN_EXAMPLES:
            problems.append(
                Problem(
                    *first_block.get(intent, where),
                    f"intent {intent} has {english[intent]} examples, fewer than {MIN_EXAMPLES}",
                    f"add {MIN_EXAMPLES - english[intent]} more ways a parent might ask it in data/nlu/",
                )
            )
    for intent in sorted(set(e.intent for e in examples) - set(intents) - BUILT_IN_INTENTS):
        problems.append(
            Problem(
                *first_block[intent],
                f"intent {intent} has examples but is not in domain.yml",
                f"add '- {intent}' under intents: in domain.yml, or fix the intent's name",
            )
        )

    domain_responses: Dict[str, Tuple[str, int]] = {}
    for path in project.files("data/responses/*.yml"):
        responses = project.mapping(path).get("responses") or {}
        for name in responses if isinstance(responses, dict) else []:
            domain_responses[str(name)] = (project.rel(path), _line(responses, name))
    data_files = project.files("data/rules/*.yml") + project.files("data/stories/*.yml")
    used_intents = {str(i) for _, i in _stories_steps(project, data_files, "intent")}
    used_actions = {str(a) for _, a in _stories_steps(project, data_files, "action")}
    test_intents = {str(i) for _, i in _stories_steps(project, project.files("tests/test_stories/**/*.yml"), "intent")}
    for intent, where in intents.items():
        if intent in BUILT_IN_INTENTS:
            continue
        if intent not in used_intents:
            problems.append(
                Problem(
                    *where,
                    f"intent {intent} is not used by any rule or story",
                    f"add a rule in data/rules/ that answers {intent}, or remove the intent",
                )
            )
        if intent not in test_intents:
            problems.append(
                Problem(
                    *where,
                    f"intent {intent} is not in any test story",
                    f"add a story with a '{intent}' question to tests/test_stories/",
                )
            )
    for name, where in domain_responses.items():
        if name not in used_actions and name not in SENT_BY_POLICIES:
            problems.append(
                Problem(
                    *where,
                    f"answer {name} is not used by any rule or story",
                    "add a rule that gives this answer, or delete it",
                )
            )
    return problems


def _similar(key: str, candidates: List[Example], lengths: List[int], threshold: float) -> Optional[Example]:
    """The first candidate whose difflib ratio with key is at least threshold (candidates sorted by length)."""
    # ratio = 2M / (a + b) <= 2 min / (a + b): only lengths within this band can reach the threshold
    low, high = len(key) * threshold / (2 - threshold), len(key) * (2 - threshold) / threshold
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(key)
    for candidate in candidates[bisect_left(lengths, low) : bisect_right(lengths, high)]:
        matcher.set_seq1(candidate.key)
        if (
            matcher.real_quick_ratio() >= threshold
            and matcher.quick_ratio() >= threshold
            and matcher.ratio() >= threshold
        ):
            return candidate
    return None


def check_held_out(
    project: Project, training: List[Example], held_out: List[Example], intents: Dict[str, Tuple[str, int]]
) -> List[Problem]:
    problems = []
    trained = {(e.intent, e.language) for e in training}
    counts = Counter((e.intent, e.language) for e in held_out)
    for intent, where in intents.items():
        if intent in BUILT_IN_INTENTS:
            continue
        for language in LANGUAGES:
            if language == "es" and (intent, "es") not in trained:
                continue  # Spanish test questions only for intents with Spanish examples
            count = counts[(intent, language)]
            if count < MIN_HELD_OUT:
                folder = "tests/nlu_holdout/" + ("es/" if language == "es" else "")
                problems.append(
                    Problem(
                        *where,
                        f"intent {intent} has {count} {LANGUAGE_NAMES[language]} test questions, "
                        f"fewer than {MIN_HELD_OUT}",
                        f"add {MIN_HELD_OUT - count} fresh questions under '- intent: {intent}' in "
                        f"{folder}<topic>.yml (never copied from data/nlu/)",
                    )
                )
    # Near copies already in the last commit were reviewed there (the held-out set predates this
    # check); a new or edited question or example is always compared. Without git, exact copies only.
    committed = {folder: _committed_keys(project.root, folder) for folder in ("data/nlu", "tests/nlu_holdout")}
    for language in LANGUAGES:
        pool = sorted((e for e in training if e.language == language), key=lambda e: len(e.key))
        exact = {e.key: e for e in pool}
        lengths = [len(e.key) for e in pool]
        new_pool = [e for e in pool if committed["data/nlu"] is not None and e.key not in committed["data/nlu"]]
        new_lengths = [len(e.key) for e in new_pool]
        for question in (e for e in held_out if e.language == language):
            copy = exact.get(question.key)
            if copy is None and committed["tests/nlu_holdout"] is not None:
                if question.key in committed["tests/nlu_holdout"]:
                    copy = _similar(question.key, new_pool, new_lengths, NEAR_COPY)
                else:
                    copy = _similar(question.key, pool, lengths, NEAR_COPY)
            if copy is None:
                continue
            how = "copied" if copy.key == question.key else "nearly copied"
            problems.append(
                Problem(
                    question.file,
                    question.line,
                    f"test question '{question.text}' is {how} into the training examples "
                    f"('{copy.text}', {copy.file}:{copy.line})",
                    "reword the training example or the test question: test questions measure questions "
                    "the assistant has never seen",
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------
# Against the last commit


def _at_head(root: Path, rel: str) -> Optional[str]:
    """The file as of the last commit, or None (no git, not a repository, a new file)."""
    try:
        shown = subprocess.run(
            ["git", "-C", str(root), "show", f"HEAD:./{rel}"], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return shown.stdout if shown.returncode == 0 else None


def _committed_keys(root: Path, folder: str) -> Optional[Set[str]]:
    """The normalised examples of folder's files as of the last commit, or None without git."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-tree", "-r", "--name-only", "HEAD", "--", folder],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0:
        return None
    keys: Set[str] = set()
    for rel in listed.stdout.split():
        doc = _yaml_of(_at_head(root, rel)) if rel.endswith(".yml") else None
        for block in (doc.get("nlu") or []) if isinstance(doc, dict) else []:
            if isinstance(block, dict) and "intent" in block:
                keys.update(_normalise(sentence) for sentence in _examples(block))
    return keys


def _yaml_of(text: Optional[str]):
    if text is None:
        return None
    try:
        return YAML(typ="safe").load(text) or {}
    except Exception:  # the last commit's file is not the editor's to fix: compare nothing
        return None


def check_review_dates(project: Project, answers: List[Answer]) -> List[Problem]:
    problems = []
    by_file: Dict[str, List[Answer]] = defaultdict(list)
    for answer in answers:
        by_file[answer.file].append(answer)
    for rel, file_answers in by_file.items():
        before = _yaml_of(_at_head(project.root, rel))
        if not isinstance(before, dict):
            continue
        old: Dict[Tuple[str, str], dict] = {}
        for name, variations in (before.get("responses") or {}).items():
            for variation in variations if isinstance(variations, list) else []:
                if isinstance(variation, dict):
                    old.setdefault((str(name), _variation_language(variation)[0]), variation)
        for answer in file_answers:
            previous = old.get((answer.name, answer.language))
            if previous is None or str(previous.get("text") or "") == answer.text:
                continue
            before_meta = previous.get("metadata") or {}
            if answer.language == "en" and str(before_meta.get("reviewed")) == str(answer.metadata.get("reviewed")):
                problems.append(
                    warning(
                        *answer.where,
                        f"{answer.label}: the text changed since the last commit, but "
                        f"reviewed: is still {answer.metadata.get('reviewed')}",
                        "check the new text against its sources and set reviewed: to today's date",
                    )
                )
            review = str(answer.metadata.get("translation_reviewed") or "")
            if answer.language == "es" and review and review == str(before_meta.get("translation_reviewed") or ""):
                problems.append(
                    warning(
                        *answer.where,
                        f"{answer.label}: the text changed since the last commit, but "
                        f"translation_reviewed: is still '{review}'",
                        "have the translator review the new text, then update translation_reviewed "
                        '(or set it to "" until then)',
                    )
                )
    return problems


def _words_list(text: str) -> List[str]:
    """The text's content words, a plural's final s dropped ("sores" and "sore" are one word)."""
    return [
        word[:-1] if word.endswith("s") and len(word) > 4 else word
        for word in re.findall(r"[^\W\d_]{3,}", text.lower())
        if word not in STOP_WORDS
    ]


def _words(text: str) -> Set[str]:
    return set(_words_list(text))


def _tf_idf(texts: List[str]) -> List[Dict[str, float]]:
    """Each text's words (without stop words), weighted by how rare they are, to unit length."""
    words = [Counter(_words_list(text)) for text in texts]
    frequency = Counter(w for counts in words for w in counts)
    vectors = []
    for counts in words:
        vector = {w: n * math.log(len(texts) / frequency[w]) for w, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    return vectors


def _centre(vectors: List[Dict[str, float]]) -> Dict[str, float]:
    centre: Dict[str, float] = defaultdict(float)
    for vector in vectors:
        for w, v in vector.items():
            centre[w] += v / len(vectors)
    return dict(centre)


def _without(centre: Dict[str, float], vector: Dict[str, float], size: int) -> Dict[str, float]:
    """The centre of an intent's examples without one of them (so an example is not compared with itself)."""
    if size <= 1:
        return {}
    return {w: (v * size - vector.get(w, 0.0)) / (size - 1) for w, v in centre.items()}


def _cosine(a: Dict[str, float], b: Dict[str, float]) -> float:
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def check_new_intents(project: Project, training: List[Example], intents: Dict[str, Tuple[str, int]]) -> List[Problem]:
    """A new intent whose subject existing examples already cover: name the examples to move."""
    before = _yaml_of(_at_head(project.root, "domain.yml"))
    if not isinstance(before, dict):
        return []
    old_intents = set(domain_intents(project, before))
    new_intents = [i for i in intents if i not in old_intents and i not in BUILT_IN_INTENTS]
    problems = []
    for new in new_intents:
        for language in LANGUAGES:
            own = [e for e in training if e.intent == new and e.language == language]
            others = [
                e
                for e in training
                if e.intent != new
                and e.language == language
                and e.intent in old_intents
                and e.intent not in URGENT_INTENTS
            ]
            if not own or not others:
                continue
            vectors = _tf_idf([e.text for e in own + others])
            own_vectors, other_vectors = vectors[: len(own)], vectors[len(own) :]
            new_centre = _centre(own_vectors)
            key_words = set(sorted(new_centre, key=lambda word: new_centre[word], reverse=True)[:8])
            by_intent: Dict[str, List[Dict[str, float]]] = defaultdict(list)
            for example, vector in zip(others, other_vectors, strict=False):
                by_intent[example.intent].append(vector)
            centres = {intent: _centre(found) for intent, found in by_intent.items()}
            sizes = {intent: len(found) for intent, found in by_intent.items()}
            pool = sorted(own, key=lambda e: len(e.key))
            lengths = [len(e.key) for e in pool]
            for example, vector in zip(others, other_vectors, strict=False):
                # closer to the new intent's examples than to the rest of its own intent's
                own_centre = _without(centres[example.intent], vector, sizes[example.intent])
                to_new, to_own = _cosine(vector, new_centre), _cosine(vector, own_centre)
                shared = sorted(_words(example.text) & key_words)
                twin = _similar(example.key, pool, lengths, NEAR_COPY)
                if twin is None and not (shared and to_new >= MIN_OVERLAP_SIMILARITY and to_new > to_own):
                    continue
                why = f"shares the key words {', '.join(shared)}" if shared else ""
                if twin is not None:
                    why = (why + "; " if why else "") + f"nearly repeats '{twin.text}'"
                problems.append(
                    warning(
                        example.file,
                        example.line,
                        f"'{example.text}' ({example.intent}) overlaps the new intent {new}: {why}",
                        f"move it under {new} (and its test questions), or reword it so it asks only "
                        f"about {example.intent}; then run make evaluate",
                    )
                )
    return problems


# ---------------------------------------------------------------------------------------------


def run_checks(root: Path) -> List[Problem]:
    """Every problem and warning of the project's content, in file order."""
    project = Project(root)
    project.load_all()
    sources = project.mapping(root / "content_sources.yml")
    settings = project.mapping(root / "hospital_settings.yml")
    if project.problems:
        # a file that is not YAML hides its answers and examples from every other check, whose
        # messages would mislead ("0 examples"): the YAML is fixed first
        return project.problems
    answers, problems = load_answers(project)
    problems += check_answer_texts(answers, sources, fever_thresholds(settings))
    # a twin is compared with its English once both are right on their own: one mistake, one line
    flawed = {(p.file, p.line) for p in problems}
    problems += check_translations([a for a in answers if a.where not in flawed], answers)
    intents = domain_intents(project)
    training, language_problems, first_block = load_examples(project, "data/nlu")
    held_out, _, _ = load_examples(project, "tests/nlu_holdout")
    problems += language_problems
    problems += check_intents(project, training, first_block, intents)
    problems += check_held_out(project, training, held_out, intents)
    problems += check_review_dates(project, answers)
    problems += check_new_intents(project, training, intents)
    return project.problems + problems


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent
    found = run_checks(root)
    problems = [p for p in found if not p.warning]
    warned = [p for p in found if p.warning]
    for problem in problems + warned:
        print(problem)
    warning_count = f", {len(warned)} warning{'s' if len(warned) != 1 else ''}" if warned else ""
    if problems:
        print(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''}{warning_count} in the content "
            "(CONTENT.md says what each check means)"
        )
        return 1
    print(f"all content checks passed{warning_count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
