"""Every English answer has exactly one Spanish twin and the reverse, with the same placeholders,
numbers and source ids; a twin that translates an older English text is a warning, and so are the Spanish
answers a qualified medical translator has not reviewed yet."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Dict, List

from content.checks.answer_texts import PLACEHOLDER
from content.checks.answers import Answer, body
from content.checks.problems import Problem, warning
from content.checks.sources import source_ids

TRANSLATOR_SENTENCE = (
    "a qualified medical translator must review them before a hospital puts them live "
    "(US civil-rights rules on machine and ad-hoc translation, Section 1557 of the ACA)"
)


# a number as either language writes it: 1,500 / 1.500 (thousands), 38.5 / 38,5 (decimals)
NUMBER = re.compile(r"(?<![\w{])(\d{1,3}(?:[.,]\d{3})+(?![.,]?\d)|\d+(?:[.,]\d+)?)(?![\w}])")


def numbers(text: str, language: str) -> List[float]:
    """The numbers an answer's text says (without its Source line and placeholders), as values."""
    values = []
    for number in NUMBER.findall(PLACEHOLDER.sub(" ", body(text, language))):
        if re.fullmatch(r"\d{1,3}([.,]\d{3})+", number):
            values.append(float(re.sub(r"[.,]", "", number)))
        else:
            values.append(float(number.replace(",", ".")))
    return sorted(values)


def _shown(values: List[float]) -> str:
    return ", ".join(f"{v:g}" for v in values) or "none"


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
        if numbers(en.text, "en") != numbers(es.text, "es"):
            problems.append(
                Problem(
                    *es.where,
                    f"{es.label}: its numbers ({_shown(numbers(es.text, 'es'))}) differ from the English "
                    f"({_shown(numbers(en.text, 'en'))})",
                    "write the same numbers as the English answer (38,5 or 38.5 and 1.500 or 1,500 are fine)",
                )
            )
        if set(source_ids(en.metadata)) != set(source_ids(es.metadata)):
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
