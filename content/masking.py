"""Personal data out of every message the review shows or writes: phone numbers, e-mail addresses,
dates and names become <phone>, <email>, <date> and <name>.

spaCy Matcher patterns on a blank pipeline (its tokenizer and sentencizer, no trained model, so the
result does not change when a model does). Names have no shape of their own; a word is taken for a
name when it is not a word the assistant knows (one its training examples and answers use at least
twice, or a spaCy English or Spanish stop word) and either

* follows words that introduce a child's or a person's name ("my son Jake", "our daughter, Emma",
  "Dr. Smith", "mi hija Lucía"); after "name is", "named", "se llama", "me llamo" and "nombre es"
  any word but "the", "a", "not"... is a name, even a known one ("his name is Will", "se llama Leo"),
* is followed by an age ("Jake is 3", "Emma, 4", "Mateo tiene 2 años"),
* starts a sentence capitalised and is followed by a verb a person takes ("Emma has a rash",
  "Lucía tiene fiebre"), or
* is capitalised anywhere but at a sentence start ("we saw Dr Patel and Maria yesterday").

So a name that is also a word the assistant knows ("Will", "Leo", "Hope") is masked only after
those strong introducers, and a lower-case name with none of these around it ("can jake go to
daycare") is not: the editor reads every message before keeping it (CONTENT.md "Review loop").

A lower-case unknown word elsewhere ("neutrapenia", a typo) is kept: it is what the content team
needs to see. Temperatures ("38.5", "101.4F") and counts ("ANC 500") are kept; phone numbers are
those clinical/phone_numbers.py finds, the one reading of phone numbers the log filter, the
content checks and the hospital settings share.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, List, Optional, Set, Tuple

import spacy
from spacy.matcher import Matcher
from spacy.tokens import Doc

from clinical.phone_numbers import find_phone_numbers

PHONE, EMAIL, DATE, NAME = "<phone>", "<email>", "<date>", "<name>"
KIND_ORDER = (EMAIL, DATE, PHONE, NAME)

MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre "
    "ene abr ago dic"
).split()
DAY_NUMBER = r"^(\d{1,2})(st|nd|rd|th|º|°)?$"
YEAR = r"^(19|20)\d\d$"
NUMERIC_DATE = r"^(\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{1,2}/\d{1,2})$"

# words that put a name right after them (lower case; the name is checked against the vocabulary)
RELATIVES = (
    "son daughter child kid baby boy girl toddler newborn grandson granddaughter nephew niece brother sister "
    "husband wife partner hijo hija bebé bebe niño niña nieto nieta sobrino sobrina hermano hermana esposo esposa"
).split()
POSSESSIVES = "my our his her their mi nuestro nuestra nuestros nuestras su".split()
NAME_INTRODUCERS = [
    ["called"],
    ["dr"],
    ["dr", "."],
    ["doctor"],
    ["doctora"],
    ["nurse"],
    ["enfermera"],
    ["enfermero"],
    ["mrs"],
    ["mr"],
    ["ms"],
    ["mrs", "."],
    ["mr", "."],
    ["ms", "."],
]
# words after which comes a name, even one that is also a word ("his name is Will", "se llama Leo")
STRONG_NAME_INTRODUCERS = [
    ["named"],
    ["name", "is"],
    ["name", "'s"],
    ["names", "are"],
    ["se", "llama"],
    ["se", "llaman"],
    ["me", "llamo"],
    ["nombre", "es"],
]
# what may follow a strong introducer without being a name ("my name is not important")
FUNCTION_WORDS = set("the a an not too also just el la los las un una de no".split())
# a name followed by an age: "Jake is 3", "Leo tiene 2 años", "Emma (4)"
AGE_VERBS = ["is", "was", "turned", "turns", "tiene", "cumplió", "cumple"]
# verbs a person takes, after a capitalised unknown word that starts a sentence
PERSON_VERBS = (
    "has had have is was gets got keeps seems feels looks says said woke can can't cannot won't isn't wasn't "
    "tiene tenía está estaba tuvo se le sigue parece dice"
).split()


def project_vocabulary(root: Path) -> Set[str]:
    """The words of the assistant's training examples and answers (data/), lower case, that occur
    at least twice: an example may itself hold a name once ("hola soy la abuela de mateo")."""
    words: Counter = Counter()
    for path in sorted((root / "data").rglob("*.yml")):
        words.update(re.findall(r"[^\W\d_]+", path.read_text(encoding="utf-8").lower()))
    return {word for word, count in words.items() if count >= 2}


@lru_cache(maxsize=1)
def _stop_words() -> frozenset:
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH
    from spacy.lang.es.stop_words import STOP_WORDS as SPANISH

    return frozenset(ENGLISH | SPANISH)


@dataclass(frozen=True)
class Masked:
    text: str
    kinds: Tuple[str, ...]  # what was masked, e.g. ("<phone>", "<name>")


class Masker:
    """mask(text) -> the text with personal data replaced; one instance per vocabulary."""

    def __init__(self, vocabulary: Iterable[str]):
        # the words of the patterns themselves are never names ("Dr", "Mrs", "March")
        pattern_words = {w for words in NAME_INTRODUCERS + STRONG_NAME_INTRODUCERS for w in words}
        pattern_words |= {*RELATIVES, *POSSESSIVES, *MONTHS, *AGE_VERBS, *PERSON_VERBS}
        self.vocabulary = {w.lower() for w in vocabulary} | _stop_words() | pattern_words
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("sentencizer")
        self.matcher = Matcher(self.nlp.vocab)
        self.matcher.add("EMAIL", [[{"LIKE_EMAIL": True}]])
        self.matcher.add("URL", [[{"LIKE_URL": True, "TEXT": {"REGEX": "@"}}]])
        month = {"LOWER": {"IN": MONTHS}}
        day = {"TEXT": {"REGEX": DAY_NUMBER}}
        year = {"TEXT": {"REGEX": YEAR}}
        comma = {"TEXT": ",", "OP": "?"}
        of = {"LOWER": {"IN": ["of", "de", "del"]}, "OP": "?"}
        self.matcher.add(
            "DATE",
            [
                [{"TEXT": {"REGEX": NUMERIC_DATE}}],
                [
                    {"TEXT": {"REGEX": r"^\d{4}$"}},
                    {"TEXT": "-"},
                    {"TEXT": {"REGEX": r"^\d{1,2}$"}},
                    {"TEXT": "-"},
                    {"TEXT": {"REGEX": r"^\d{1,2}$"}},
                ],
                [month, day, comma, year],
                [month, day],
                [day, of, month, comma, of, year],
                [day, of, month],
                [month, of, year],
            ],
        )
        word = {"IS_ALPHA": True}
        self.matcher.add(
            "AFTER_RELATIVE",
            [[{"LOWER": {"IN": POSSESSIVES}}, {"LOWER": {"IN": RELATIVES}}, {"TEXT": ",", "OP": "?"}, word]],
        )
        self.matcher.add("AFTER_INTRODUCER", [[*({"LOWER": w} for w in words), word] for words in NAME_INTRODUCERS])
        self.matcher.add(
            "AFTER_STRONG_INTRODUCER", [[*({"LOWER": w} for w in words), word] for words in STRONG_NAME_INTRODUCERS]
        )
        self.matcher.add(
            "BEFORE_AGE",
            [
                [word, {"LOWER": {"IN": AGE_VERBS}}, {"LIKE_NUM": True}],
                [word, {"TEXT": {"IN": [",", "("]}}, {"TEXT": {"REGEX": r"^\d{1,2}$"}}],
            ],
        )

    def known(self, token) -> bool:
        return token.lower_ in self.vocabulary

    def _spans(self, doc: Doc) -> List[Tuple[int, int, str]]:
        found: List[Tuple[int, int, str]] = []
        for match_id, start, end in self.matcher(doc):
            rule = self.nlp.vocab.strings[match_id]
            if rule in ("EMAIL", "URL"):
                found.append((start, end, EMAIL))
            elif rule == "DATE":
                found.append((start, end, DATE))
            elif rule in ("AFTER_RELATIVE", "AFTER_INTRODUCER"):
                found.extend(self._name_at(doc, end - 1))
            elif rule == "AFTER_STRONG_INTRODUCER":
                found.extend(self._name_at(doc, end - 1, strong=True))
            elif rule == "BEFORE_AGE":
                found.extend(self._name_at(doc, start))
        for start_char, end_char in find_phone_numbers(doc.text):
            span = doc.char_span(start_char, end_char, alignment_mode="expand")
            if span is not None:
                found.append((span.start, span.end, PHONE))
        for token in doc:
            if not token.is_alpha or not token.text[:1].isupper() or self.known(token):
                continue
            if not token.is_sent_start:
                found.extend(self._name_at(doc, token.i))
            elif token.i + 1 < len(doc) and doc[token.i + 1].lower_ in PERSON_VERBS:
                found.extend(self._name_at(doc, token.i))
        return found

    def _name_at(self, doc: Doc, index: int, strong: bool = False) -> List[Tuple[int, int, str]]:
        """The unknown word at `index` (any word but a function word after a strong introducer) and
        the capitalised unknown words right after it (a surname)."""
        token = doc[index]
        if not token.is_alpha or (token.lower_ in FUNCTION_WORDS if strong else self.known(token)):
            return []
        end = index + 1
        while end < len(doc) and doc[end].is_alpha and doc[end].text[:1].isupper() and not self.known(doc[end]):
            end += 1
        return [(index, end, NAME)]

    def mask(self, text: str) -> Masked:
        doc = self.nlp(text)
        # the longest first; a date before the phone number its digits also make ("2024-03-12")
        spans = sorted(set(self._spans(doc)), key=lambda s: (s[0], -(s[1] - s[0]), KIND_ORDER.index(s[2])))
        pieces: List[str] = []
        kinds: List[str] = []
        position = 0  # the next token not yet written
        for start, end, kind in spans:
            if start < position:
                continue  # inside a span already masked
            pieces.append(doc[position:start].text_with_ws if start > position else "")
            pieces.append(kind + doc[end - 1].whitespace_)
            kinds.append(kind)
            position = end
        pieces.append(doc[position:].text_with_ws)
        return Masked("".join(pieces).strip(), tuple(dict.fromkeys(kinds)))


_default: Optional[Masker] = None


def default_masker(root: Path) -> Masker:
    """The masker on the project's vocabulary (data/ of `root`), built once."""
    global _default
    if _default is None:
        _default = Masker(project_vocabulary(root))
    return _default
