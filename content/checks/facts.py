"""No medical fact outside the sources: the numbers and medical words of an English answer must be in
the source pages its metadata cites (content_sources.yml's files, in ../shared/content-sources/ or
$CONTENT_SOURCES_DIR).

A machine cannot tell a fact from a sentence; this catches what is most often added from memory
and is easy to name: a number ("1,500", "every 21 days") and a medical word (a drug, a test, a
condition: words ending like ibuprofen, leukemia, antibiotics, or on MEDICAL_WORDS) that the cited
pages never use. An example reading ("for example 101.3 F") is not a fact. The clinical reviewer's
sign-off remains the real check; the Spanish twin is compared with its English
(translations.py: the same numbers).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from content.checks.answer_texts import PLACEHOLDER
from content.checks.answers import Answer, body
from content.checks.problems import Problem
from content.checks.sources import source_ids

SOURCES_DIR_VARIABLE = "CONTENT_SOURCES_DIR"
# a number as an English answer writes it: 38, 100.4, 1,500
NUMBER = re.compile(r"(?<![\w{.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w}])")
# words that introduce an example value, not a fact: "for example 101.3 F or 38.5 C"
EXAMPLE_BEFORE = re.compile(r"(for example|for instance|e\.g\.|such as|like)\W+(\S+\W+){0,3}$", re.IGNORECASE)
NOT_FACTS = {"911"}  # the emergency number is an instruction, in every answer that needs it
# the endings of medicine's words: drugs, conditions, cells, tests, procedures
MEDICAL_ENDING = re.compile(
    r"^[a-z]{3,}(itis|emias?|aemias?|penias?|cytes?|phils?|osis|omas?|ectomy|otomy|oscopy|plasty|therapy|"
    r"biotics?|mycin|cillin|azole|statin|profen|phen|sone|olone|mab|vir|gram|ologists?|pathy|plasia|rrhea)$"
)
# medical words with no such ending, often added from memory
MEDICAL_WORDS = set(
    """
aspirin tylenol motrin advil acetaminophen ibuprofen steroid steroids vaccine vaccines vaccination
vaccinated immunization immunizations transfusion transfusions insulin chemo chemotherapy radiation
antiviral antivirals antifungal antifungals probiotic probiotics vitamin vitamins supplement supplements
surgery splenectomy dialysis ventilator catheter port picc iv injection injections shot shots dose doses
dosage milligram milligrams mg ml antibody antibodies platelet platelets hemoglobin marrow stem
leukemia lymphoma cancer tumor tumors sepsis meningitis pneumonia virus viruses bacteria fungus fungi
covid influenza flu measles chickenpox mortality fatal deadly cure cured genetic gene genes mutation
inherited hereditary contagious infectious
""".split()
)


def sources_dir(root: Path) -> Path:
    """Where the source pages are: $CONTENT_SOURCES_DIR, else ../shared/content-sources beside the project."""
    configured = os.environ.get(SOURCES_DIR_VARIABLE, "").strip()
    return Path(configured) if configured else root.resolve().parent / "shared" / "content-sources"


@lru_cache(maxsize=16)
def _page_text(path: Path, modified: float) -> str:
    return path.read_text(encoding="utf-8", errors="replace").lower()


def source_pages(root: Path, sources: dict, folder: Optional[Path] = None) -> Optional[Dict[str, str]]:
    """Each source id's page text (lower case), or None when the pages are not here (in `folder`,
    else where sources_dir() finds them)."""
    folder = folder or sources_dir(root)
    if not folder.is_dir():
        return None
    pages = {}
    for source_id, source in sources.items():
        file = source.get("file") if isinstance(source, dict) else None
        path = folder / str(file) if file else None
        pages[source_id] = _page_text(path, path.stat().st_mtime) if path and path.is_file() else ""
    return pages


def _in_pages(word: str, text: str) -> bool:
    stems = {word, word[:-1] if word.endswith("s") else word + "s"}
    return any(re.search(rf"\b{re.escape(stem)}\b", text) for stem in stems)


def facts_outside(answer_text: str, cited_text: str) -> Tuple[List[str], List[str]]:
    """The numbers and the medical words of an English text that the cited pages' text lacks."""
    text = PLACEHOLDER.sub(" ", body(answer_text, "en"))
    digits_only = re.sub(r"(?<=\d),(?=\d{3})", "", cited_text)
    numbers = []
    for match in NUMBER.finditer(text):
        number = match.group(1)
        if number in NOT_FACTS or EXAMPLE_BEFORE.search(text[: match.start()]):
            continue
        if not re.search(rf"(?<![\d.]){re.escape(number.replace(',', ''))}(?![\d]|\.\d)", digits_only):
            numbers.append(number)
    words = []
    for word in dict.fromkeys(re.findall(r"[a-z][a-z\-]+", text.lower())):
        if (word in MEDICAL_WORDS or MEDICAL_ENDING.match(word)) and not _in_pages(word, cited_text):
            words.append(word)
    return numbers, words


def check_facts(answers: List[Answer], sources: dict, pages: Optional[Dict[str, str]]) -> List[Problem]:
    """Each English answer's numbers and medical words against the pages it cites (nothing is
    compared when the pages are not here: `pages` is None)."""
    if pages is None:
        return []
    problems = []
    for answer in answers:
        ids = [i for i in source_ids(answer.metadata) if i in pages]
        if answer.language != "en" or not ids or not any(pages[i] for i in ids):
            continue  # no facts (source: none), or a source with no page (the hospital's settings)
        numbers, words = facts_outside(answer.text, " ".join(pages[i] for i in ids))
        named = ", ".join(sources[i].get("name", i) if isinstance(sources.get(i), dict) else i for i in ids)
        if numbers:
            problems.append(
                Problem(
                    *answer.where,
                    f"{answer.label}: the number{'s' if len(numbers) > 1 else ''} {', '.join(numbers)} "
                    f"{'are' if len(numbers) > 1 else 'is'} not in its sources ({named})",
                    "take the number from the source pages the answer cites, or cite the page that gives it",
                )
            )
        if words:
            problems.append(
                Problem(
                    *answer.where,
                    f"{answer.label}: '{', '.join(words)}' {'are' if len(words) > 1 else 'is'} not in its "
                    f"sources ({named}): a medical fact must come from them",
                    "say only what the cited pages say, or cite the page that says it",
                )
            )
    return problems
