"""What each answer's text must be: a review date that is not in the future, its sources named, no
typed phone number or fever threshold ({care_team_phone}, {fever_threshold} come from
hospital_settings.yml), 2 to 5 sentences, grade 8 or below in English (Flesch-Kincaid) and 70 or
above in Spanish (Fernandez Huerta, easy reading)."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from typing import Any, Dict, List, Tuple

from clinical.phone_numbers import find_phone_numbers
from content.checks.answers import Answer, body
from content.checks.problems import Problem
from content.checks.sources import source_problems

MAX_GRADE = 8.0  # English: Flesch-Kincaid grade
MIN_EASE_ES = 70.0  # Spanish: Fernandez Huerta, 70 and above is easy reading
SENTENCES = (2, 5)
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


def sentence_count(text: str, language: str = "en") -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", body(text, language)) if s.strip()])


def _readability_text(text: str, language: str) -> str:
    return PLACEHOLDER.sub("555", body(text, language))


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
        problems += source_problems(answer, sources)
        # any number that could be a real one, "911" and "1,000 to 1,500" are not (clinical/phone_numbers.py)
        for start, end in find_phone_numbers(text):
            problems.append(
                Problem(
                    *where,
                    f"{name}: phone number '{text[start:end]}' is typed into the answer",
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
