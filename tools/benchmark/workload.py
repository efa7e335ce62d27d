"""What the simulated parents (and the reference's users) say, and which reply is right.

A parent's conversation is about 7 turns: a greeting, topic questions, a fever report with a
reading, often a sign of infection, a thank-you, sometimes a goodbye. A share of the parents
(`spanish_share`, `--spanish-share`) talk in Spanish the whole conversation: a Spanish
fever or infection report must get the Spanish Call-now reply ("Llame ahora", or "Llame al 911
ahora"), and no Spanish turn may get an English answer or, for a question, the please-rephrase
reply. The reference (the stock `rasa init` assistant) is English only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, List, Mapping, NamedTuple, Optional, Sequence, Set, Tuple

ENGLISH, SPANISH = "en", "es"
URGENT_KINDS = ("fever", "sign")
# How the Call-now replies begin, by language (data/responses/urgent.yml and its Spanish variations).
CALL_NOW = {ENGLISH: ("Call now", "Call 911"), SPANISH: ("Llame ahora", "Llame al 911 ahora")}
# The shortest beginning of an English answer that tells it apart ("Call now:" is 9 characters).
SHORTEST_OPENING = 8
OPENING_LENGTH = 40


class Utterance(NamedTuple):
    text: str
    kind: str  # greet, topic, fever, sign, thanks, goodbye; the reference's: its intents
    language: str = ENGLISH


@dataclass(frozen=True)
class Phrases:
    """What parents say in one language, by kind of turn."""

    greetings: Sequence[str]
    topic_questions: Sequence[str]
    fever_reports: Sequence[str]  # readings at or above the fever threshold (38.0 C / 100.4 F)
    infection_signs: Sequence[str]
    thanks: Sequence[str]
    goodbyes: Sequence[str]


PHRASES = {
    ENGLISH: Phrases(
        greetings=("hi", "hello there", "good morning", "hello", "hey, I have a question"),
        topic_questions=(
            "what is neutropenia?",
            "what does neutropenia mean for my daughter",
            "what are neutrophils",
            "what is the ANC",
            "what does absolute neutrophil count mean",
            "what causes neutropenia",
            "why does my son have low neutrophils",
            "what kinds of neutropenia are there",
            "what is cyclic neutropenia",
            "what is congenital neutropenia",
            "what are the symptoms of neutropenia",
            "when should I call the doctor",
            "how should I take her temperature",
            "how is neutropenia diagnosed",
            "what is a bone marrow aspirate",
            "how is neutropenia treated",
            "what is G-CSF",
            "will he need antibiotics",
            "how do I reach the care team after hours",
        ),
        fever_reports=(
            "she has a fever of 101.5",
            "my son has a temperature of 38.6",
            "his temp is 102, what do I do",
            "the thermometer says 38.9 C",
            "my daughter has a fever of 100.9",
            "he has a fever, 101.2 under the arm",
            "temp is 39.1",
        ),
        infection_signs=(
            "she has chills and keeps shivering",
            "his port site is red and swollen",
            "she says it burns when she pees",
            "he has mouth sores and won't drink",
            "the skin around her cut is red and has pus",
        ),
        thanks=("thank you", "thanks, that helps", "thank you so much"),
        goodbyes=("bye", "that's all, bye"),
    ),
    # Written for the benchmark (not taken from data/nlu/es), as parents write: with and without
    # accents and "¿", decimal commas, "calentura", "de fiebre", Fahrenheit and Celsius.
    SPANISH: Phrases(
        greetings=("hola", "buenos días", "hola, tengo una pregunta", "buenas tardes", "hola buenas noches"),
        topic_questions=(
            "¿qué es la neutropenia?",
            "que significa neutropenia para mi hija",
            "qué son los neutrófilos",
            "qué es el recuento absoluto de neutrófilos",
            "¿por qué mi hijo tiene los neutrófilos bajos?",
            "qué causa la neutropenia",
            "qué tipos de neutropenia hay",
            "qué es la neutropenia cíclica",
            "cuáles son los síntomas de la neutropenia",
            "cuándo debo llamar al médico",
            "cómo le tomo la temperatura a mi niña",
            "cómo se diagnostica la neutropenia",
            "cómo se trata la neutropenia",
            "¿va a necesitar antibióticos?",
            "cómo me comunico con el equipo médico en la noche",
        ),
        fever_reports=(
            "mi hija tiene fiebre de 38,6",
            "tiene 39 de fiebre",
            "el termómetro marca 38.9 grados",
            "mi niño tiene calentura, 101.5",
            "tiene treinta y ocho y medio de temperatura",
            "le tomé la temperatura y tiene 38,4",
            "tiene fiebre de 102, ¿qué hago?",
        ),
        infection_signs=(
            "tiene escalofríos y no para de temblar",
            "donde tiene el catéter está rojo e hinchado",
            "dice que le arde cuando hace pipí",
            "tiene llagas en la boca y no quiere tomar nada",
            "la herida está roja y le sale pus",
        ),
        thanks=("gracias", "muchas gracias", "gracias, me ayudó mucho"),
        goodbyes=("adiós", "eso es todo, adiós", "hasta luego"),
    ),
}


def parent_conversation(rng: random.Random, spanish_share: float = 0.0) -> List[Utterance]:
    """One parent's turns, about 7, 1 or 2 of them urgent; in Spanish with probability
    `spanish_share`. With a share of 0 the random draws (so the conversations) are those of the
    English-only benchmark, so runs stay comparable."""
    language = SPANISH if spanish_share > 0 and rng.random() < spanish_share else ENGLISH
    phrases = PHRASES[language]
    questions = rng.sample(list(phrases.topic_questions), 3)
    turns = [
        Utterance(rng.choice(phrases.greetings), "greet", language),
        Utterance(questions[0], "topic", language),
        Utterance(questions[1], "topic", language),
        Utterance(rng.choice(phrases.fever_reports), "fever", language),
    ]
    if rng.random() < 0.5:
        turns.append(Utterance(rng.choice(phrases.infection_signs), "sign", language))
    if rng.random() < 0.5:
        turns.append(Utterance(questions[2], "topic", language))
    turns.append(Utterance(rng.choice(phrases.thanks), "thanks", language))
    if rng.random() < 0.5:
        turns.append(Utterance(rng.choice(phrases.goodbyes), "goodbye", language))
    return turns


def reference_conversation(rng: random.Random) -> List[Utterance]:
    """The stock `rasa init` assistant's own intents in the order of its stories (so that every
    turn has an answer), about 7 turns. It has no custom action, so no turn calls an action server."""

    def mood(first: bool) -> List[Utterance]:
        if rng.random() < 0.5:
            return [
                Utterance(rng.choice(["I am great", "feeling wonderful", "very good", "I am amazing"]), "mood_great")
            ]
        # its stories answer a "no" only early in a conversation
        answers = ["yes", "of course", "that sounds good"] + (["no", "not really"] if first else [])
        return [
            Utterance(rng.choice(["I am sad", "I feel very sad today", "not good", "I am unhappy"]), "mood_unhappy"),
            Utterance(rng.choice(answers), "affirm_deny"),
        ]

    turns = [
        Utterance(rng.choice(["hello", "hi there", "good morning", "hey"]), "greet"),
        *mood(True),
        Utterance(rng.choice(["are you a bot?", "am I talking to a human?", "are you a human?"]), "bot_challenge"),
        Utterance(rng.choice(["hello again", "hi", "good evening"]), "greet"),
        *mood(False),
    ]
    if len(turns) < 7:
        turns.append(Utterance(rng.choice(["am I talking to a bot?", "are you a bot?"]), "bot_challenge"))
    turns.append(Utterance(rng.choice(["bye", "see you later", "goodbye"]), "goodbye"))
    return turns


@dataclass(frozen=True)
class ReplyCatalog:
    """How the assistant's answers begin, to tell an English answer (or a please-rephrase) given
    to a Spanish turn: each response's text up to its first placeholder, at most OPENING_LENGTH
    characters."""

    english_openings: Tuple[str, ...] = ()
    rephrase_openings: Tuple[str, ...] = ()


def _opening(text: str) -> str:
    return text.split("{", 1)[0].strip()[:OPENING_LENGTH]


def _language_of(variation: Mapping) -> str:
    """A response variation's language: the value of its `language` slot condition, else English."""
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return str(condition.get("value"))
    return ENGLISH


def reply_catalog(responses: Mapping[str, Iterable[Mapping]], rephrase: str = "utter_please_rephrase") -> ReplyCatalog:
    """The catalog of a domain's responses (tools.project_domain.load_domain().responses). An
    opening an English and a Spanish answer share (a drug's name, a number) tells nothing: left out."""
    english: Set[str] = set()
    other: Set[str] = set()
    rephrases: Set[str] = set()
    for name, variations in responses.items():
        for variation in variations:
            opening = _opening(variation.get("text") or "")
            if len(opening) < SHORTEST_OPENING:
                continue
            (english if _language_of(variation) == ENGLISH else other).add(opening)
            if name == rephrase:
                rephrases.add(opening)
    return ReplyCatalog(tuple(sorted(english - other)), tuple(sorted(rephrases)))


def reply_is_right(utterance: Utterance, texts: List[str], catalog: Optional[ReplyCatalog] = None) -> bool:
    """Every turn gets a reply; a fever or infection sign gets the Call-now reply in the turn's
    language. A Spanish turn gets no English answer and, for a question, no please-rephrase
    (checked when a catalog is given)."""
    if not texts:
        return False
    if utterance.kind in URGENT_KINDS:
        return any(phrase in text for text in texts for phrase in CALL_NOW[utterance.language])
    if utterance.language == ENGLISH or catalog is None:
        return True
    if any(text.strip().startswith(catalog.english_openings) for text in texts):
        return False
    return not (utterance.kind == "topic" and any(text.strip().startswith(catalog.rephrase_openings) for text in texts))
