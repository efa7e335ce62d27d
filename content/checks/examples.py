"""Intents, their examples and their test questions: every intent has at least 25 English examples,
at least 10 held-out test questions per language it has examples in, none of them copied or nearly
copied into the training examples (near copies: a pair of which one side is new since the last
commit; exact copies: always), and appears in a test story; no example is under two intents;
nothing is left unused."""

from __future__ import annotations

import difflib
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from content.checks.committed import committed_keys
from content.checks.files import LANGUAGE_NAMES, LANGUAGES, Project, examples_of, line_of, normalise
from content.checks.problems import Problem

MIN_EXAMPLES = 25
MIN_HELD_OUT = 10
NEAR_COPY = 0.9  # difflib ratio, after normalising, from which a test question counts as copied
BUILT_IN_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope_built_in", "session_start"}
# Answers sent by a policy rather than a rule: the unsure band's offer of other topics
# (addons/policies/confidence_bands.py); tests/test_stories/ covers it.
SENT_BY_POLICIES = {"utter_offer_alternatives"}


@dataclass
class Example:
    text: str
    intent: str
    language: str
    file: str
    line: int
    key: str = field(init=False)

    def __post_init__(self):
        self.key = normalise(self.text)


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
                        line_of(block),
                        f"{intent}: examples in {project.rel(path)} "
                        f"marked language {metadata.get('language') or 'none'}",
                        fix,
                    )
                )
            first_block.setdefault(intent, (project.rel(path), line_of(block)))
            start = line_of(block, "examples") if "examples" in block else line_of(block)
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
            for offset, sentence in enumerate(examples_of(block)):
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
            domain_responses[str(name)] = (project.rel(path), line_of(responses, name))
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


def similar(key: str, candidates: List[Example], lengths: List[int], threshold: float) -> Optional[Example]:
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
    committed = {folder: committed_keys(project.root, folder) for folder in ("data/nlu", "tests/nlu_holdout")}
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
                    copy = similar(question.key, new_pool, new_lengths, NEAR_COPY)
                else:
                    copy = similar(question.key, pool, lengths, NEAR_COPY)
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
