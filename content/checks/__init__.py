"""The content checks (CONTENT.md explains each to editors), called by `make validate`
(tools/check_content.py) and by the content studio (studio/), on a project folder:

  files.py          every content file is valid YAML; a mistake is named in plain words
  answers.py        the answers and their Spanish twins, with file and line
  sources.py        metadata `source:` ids from content_sources.yml, one Source line naming them
  answer_texts.py   review date, no typed phone or fever threshold, 2 to 5 sentences, reading level
  facts.py          the numbers and medical words of an English answer are in the pages it cites
  translations.py   one Spanish twin per answer, the same placeholders, numbers and sources,
                    translator review
  examples.py       examples, held-out test questions and stories per intent; nothing unused
  history.py        against the last commit: a changed text with an old review date, a new
                    intent overlapping an existing one
Each problem is a Problem: `file:line: what is wrong. Fix: what to do.` (warnings do not fail).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

from content.checks.answer_texts import check_answer_texts, fever_thresholds, reading_ease_es, reading_grade
from content.checks.answers import Answer, load_answers
from content.checks.examples import (
    NEAR_COPY,
    check_held_out,
    check_intents,
    domain_intents,
    load_examples,
)
from content.checks.facts import check_facts, source_pages
from content.checks.files import Project
from content.checks.history import check_new_intents, check_review_dates
from content.checks.problems import Problem, warning
from content.checks.translations import check_translations

__all__ = [
    "NEAR_COPY",
    "Answer",
    "Problem",
    "Project",
    "load_answers",
    "reading_ease_es",
    "reading_grade",
    "run_checks",
    "warning",
]


def run_checks(root: Path, sources_folder: Optional[Path] = None) -> List[Problem]:
    """Every problem and warning of the project's content, in file order (the source pages in
    `sources_folder`, else beside the project or in $CONTENT_SOURCES_DIR)."""
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
    problems += check_facts(answers, sources, source_pages(root, sources, sources_folder))
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
