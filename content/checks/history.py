"""Against the last commit (git): a warning when an answer's text changed and its `reviewed:` date
did not, and when a new intent's examples overlap an existing intent's (CONTENT.md "Split a topic")."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Dict, List, Set, Tuple

# The urgent intents take a child's symptoms now (CONTENT.md): a new topic's overlap with them is
# expected, and their examples are never moved to a question intent.
from clinical.vocabulary import URGENT_INTENTS
from content.checks.answers import Answer, variation_language
from content.checks.committed import at_head, yaml_of
from content.checks.examples import BUILT_IN_INTENTS, NEAR_COPY, Example, domain_intents, similar
from content.checks.files import LANGUAGES, Project
from content.checks.problems import Problem, warning

# an existing example is the new intent's when its words are closer to the new intent's examples
# than to its own intent's (tf-idf cosine to each centre), and at least this close
MIN_OVERLAP_SIMILARITY = 0.15
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


def check_review_dates(project: Project, answers: List[Answer]) -> List[Problem]:
    problems = []
    by_file: Dict[str, List[Answer]] = defaultdict(list)
    for answer in answers:
        by_file[answer.file].append(answer)
    for rel, file_answers in by_file.items():
        before = yaml_of(at_head(project.root, rel))
        if not isinstance(before, dict):
            continue
        old: Dict[Tuple[str, str], dict] = {}
        for name, variations in (before.get("responses") or {}).items():
            for variation in variations if isinstance(variations, list) else []:
                if isinstance(variation, dict):
                    old.setdefault((str(name), variation_language(variation)[0]), variation)
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
    before = yaml_of(at_head(project.root, "domain.yml"))
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
                twin = similar(example.key, pool, lengths, NEAR_COPY)
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
