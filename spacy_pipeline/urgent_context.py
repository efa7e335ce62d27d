"""Whether each urgent mention in a message is something the child has now: a spaCy component.

The entity_ruler finds the words (a temperature, a fever phrase, an infection sign, a 911 sign);
this component gives each of them an `assertion`. The burden of proof is on silence: a mention is
`reported` (it escalates) unless a context cue clearly governs that very mention.

  reported           nothing clearly says otherwise: it escalates
  negated            "no fever", "doesn't have a fever"
  resolved           "the fever broke", "his diarrhea stopped" (never a 911 sign)
  hypothetical       "if she gets a fever", "what counts as a fever", "watch for chills"
  historical         "a seizure two years ago", "had pneumonia last winter"
  other_person       "her cousin had a fever", "I have a cough"
  not_a_temperature  a number that is a count, weight or age: "her anc is 98"
  threshold          a number someone set as the line: "they told us to call at 100.4"
  modifier           "seizure medicine", "fever reducer", "not responding to the shots"
  general_question   a question that names the word but not the child: "can neutropenia cause fevers?"
  unclear            a cue may govern it, or may not: the parent is asked (clinical/triage.py)

The phrases are data (spacy_pipeline/context_terms.yml, and context_terms_es.yml added to it, each
phrase also without its accents); this module applies a short list of named rules, in this order,
to every urgent mention:

  1. modifier          a modifier phrase right before or after it ("fever medicine", "medicina para la fiebre")
  2. nearest_cue       the cues around it in its sentence, each with its reach: clear (nothing
                       between), unclear (only a comma, "and", another mention, or a weak cue such
                       as "si", "when", "the doctor said"), or none (a break between: "but", a
                       full stop, a present marker against a past or a resolved, the child named
                       against another person). The first clear cue decides; an unclear one makes
                       the mention unclear. A negated list ("no fever or chills") is clear. A
                       resolved cue does not count when "it came back" follows, nor another
                       person's when the child shares it ("y mi hijo también").
  3. general_question  in a question that does not name the child, or a statement about the word
                       ("la fiebre puede ser algo grave"); a question that names the child and
                       the word as any one ("can an infection make her counts drop?") is unclear
  4. fine_now          the message says the child is fine now ("he's fine today", "ahorita está
                       bien"): a mention reported without a present marker of its own is unclear
  5. diagnosis         a diagnosis named ("pneumonia", "an infection", "otitis"), not a sign the
                       parent sees, is unclear when nothing else decides it: the parent is asked

All cue phrases of all kinds are matched once per message (spaCy's PhraseMatcher and Matcher: the
NegEx idea of trigger phrases and their scope, with the scope cut as above).

The component is registered as the spaCy factory "urgent_context" when this module is imported
(tools/build_spacy_pipeline.py puts it in the project's pipeline; the Rasa component
addons/nlu/urgent_report_reader.py imports it so that Rasa's SpacyNLP can load that pipeline, and
so must anything else that loads the pipeline with spacy.load).
"""

# no `from __future__ import annotations`: spaCy reads the factory's type hints at run time
import json
import unicodedata
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from clinical.vocabulary import (
    ASSERTION,
    FEVER_PHRASE,
    GENERAL_QUESTION,
    LIFE_THREATENING_SIGN,
    NEGATED,
    NOT_REPORTED,
    REPORTED,
    RESOLVED,
    TEMPERATURE,
    UNCLEAR,
    URGENT_ENTITIES,
)

OTHER_PERSON, MODIFIER = "other_person", "modifier"
HISTORICAL, HYPOTHETICAL, NOT_A_TEMPERATURE, THRESHOLD = (
    "historical",
    "hypothetical",
    "not_a_temperature",
    "threshold",
)
# the kinds of cue, in the order a tie is decided (the first clear one names the mention): what a
# number is comes first ("told us to call at 100.4" is a threshold, not a "what if")
CUE_KINDS = (NOT_A_TEMPERATURE, THRESHOLD) + tuple(
    kind for kind in NOT_REPORTED if kind not in (MODIFIER, GENERAL_QUESTION, NOT_A_TEMPERATURE, THRESHOLD)
)
STRENGTH_RANK = {"weak": 0, "adjacent": 1, "strong": 2}
# kinds a cue applies to only some labels of
KIND_LABELS = {
    NOT_A_TEMPERATURE: {TEMPERATURE},
    THRESHOLD: {TEMPERATURE},
    RESOLVED: set(URGENT_ENTITIES) - {LIFE_THREATENING_SIGN},  # a seizure that stopped is still 911
}
# a cue further than this many tokens from the mention may be about something else: unclear
CLEAR_REACH = 6
# a count, a lab value, a threshold or a modifier is said right next to its number or word
ADJACENT_REACH = {NOT_A_TEMPERATURE: 2, THRESHOLD: 3}
CLAUSE_PUNCTUATION = {".", "!", "?", ";", "(", ")", "¿", "¡", ":", "…"}

if not Span.has_extension(ASSERTION):
    Span.set_extension(ASSERTION, default=None)


def without_accents(text: str) -> str:
    """'escalofríos' -> 'escalofrios', 'niño' -> 'nino': how many parents type Spanish."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _phrases(values: Optional[Iterable[Any]]) -> List[str]:
    """The phrases, and each one without its accents when it has any."""
    phrases = [str(v) for v in values or []]
    return phrases + [bare for bare in (without_accents(p) for p in phrases) if bare not in phrases]


def _words(values: Optional[Iterable[Any]]) -> Set[str]:
    return {p.lower() for p in _phrases(values)}


def _cue_patterns(value: Any) -> List[Dict[str, Any]]:
    """The cue patterns (kind, side, strength, a spaCy Matcher pattern) as spaCy's config file
    gives them back: a list, or JSON text."""
    patterns = json.loads(value) if isinstance(value, str) else list(value or [])
    return [json.loads(p) if isinstance(p, str) else p for p in patterns]


class Cue:
    """A context phrase found in the message: its kind, the side of the mention it governs
    ("before": it precedes the mention; "after": it follows it) and its strength: "strong",
    "weak" (it can only make the mention unclear) or "adjacent" (a single word such as "not" that
    governs only the mention right next to it)."""

    __slots__ = ("kind", "side", "strength", "start", "end")

    def __init__(self, kind: str, side: str, strength: str, start: int, end: int) -> None:
        self.kind, self.side, self.strength, self.start, self.end = kind, side, strength, start, end

    @property
    def weak(self) -> bool:
        return self.strength == "weak"


@Language.factory("urgent_context", default_config={"terms": {}})
def create_urgent_context(nlp: Language, name: str, terms: Dict[str, Any]):
    return UrgentContext(nlp, name, terms)


class UrgentContext:
    def __init__(self, nlp: Language, name: str, terms: Dict[str, Any]) -> None:
        self.name = name

        def phrase_matcher(entries: Dict[str, Iterable[Any]], unaccented: bool = True) -> PhraseMatcher:
            """Matches the phrases, and each without its accents unless `unaccented` is False (the
            child words: "él" without its accent is the article "el")."""
            matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            for key, values in entries.items():
                docs = [nlp.make_doc(p) for p in (_phrases(values) if unaccented else map(str, values or []))]
                if docs:
                    matcher.add(key, docs)
            return matcher

        cues = terms.get("cues") or {}
        self.cues = phrase_matcher(
            {
                f"{kind}|{side}|{strength}": (cues.get(kind) or {}).get(f"{prefix}{side}") or []
                for kind in CUE_KINDS
                for side in ("before", "after", "around")
                for prefix, strength in (("", "strong"), ("weak_", "weak"), ("adjacent_", "adjacent"))
            }
        )
        # what may stand between an adjacent cue and its mention: "not really hot", "no more chills"
        self.fillers: Set[str] = _words(terms.get("fillers"))
        self.cue_patterns = Matcher(nlp.vocab)
        for entry in _cue_patterns(terms.get("cue_patterns")):
            key = f"{entry['kind']}|{entry['side']}|{entry.get('strength', 'strong')}"
            self.cue_patterns.add(key, [entry["pattern"]])
        self.not_cues = phrase_matcher({"not_cue": terms.get("not_cues") or []})
        self.modifiers = phrase_matcher(
            {
                "before": (terms.get("modifiers") or {}).get("before") or [],
                "after": (terms.get("modifiers") or {}).get("after") or [],
            }
        )
        self.hard_breaks = phrase_matcher({"hard": terms.get("hard_breaks") or []})
        self.soft_breaks: Set[str] = _words(terms.get("soft_breaks"))
        self.list_words: Set[str] = _words(terms.get("list_words"))
        self.present = phrase_matcher({"present": terms.get("present_markers") or []})
        self.present_verbs = phrase_matcher({"present": terms.get("present_verbs") or []})
        self.fine_now = phrase_matcher({"fine": terms.get("fine_now") or []})
        self.came_back = phrase_matcher({"came_back": terms.get("came_back") or []})
        self.child = phrase_matcher({"child": terms.get("child_words") or []}, unaccented=False)
        self.child_subjects = phrase_matcher({"child": terms.get("child_subjects") or []}, unaccented=False)
        # as listed, not also without accents: "cuándo" asks, "cuando se despierta" is a time; the
        # list names the unaccented forms that ask ("cuando debo", "que hago")
        self.question_starts = phrase_matcher({"question": terms.get("question_starts") or []}, unaccented=False)
        self.generic_determiners: Set[str] = _words(terms.get("generic_determiners"))
        # a Spanish word that is also an English child word ("son": they are) names the child only after an owner
        self.false_friends: Set[str] = _words(terms.get("child_word_false_friends"))
        self.owners: Set[str] = _words(terms.get("child_word_owners"))
        # "not breathing fast": how the child breathes, negated; not "not breathing"
        self.breathing_manner: Set[str] = _words(terms.get("breathing_manner_words"))
        self.negation_led: Set[str] = _words(terms.get("negation_led"))
        # "fever of 99.5", "fiebrita de 37.4": the words between a fever word and the reading it names
        self.names_a_reading: Set[str] = _words(terms.get("names_a_reading"))
        self.above_words: Set[str] = _words(terms.get("above_words"))
        self.diagnosis_ids: Set[str] = set(terms.get("diagnosis_ids") or [])
        self.sores_ids: Set[str] = set(terms.get("sores_ids") or [])
        self.drinking_fine = phrase_matcher({"fine": terms.get("drinking_fine") or []})
        # a temperature span with a fever word ("fiebre de 3 días") is a fever whatever its number counts
        self.fever_words: Set[str] = _words(terms.get("fever_words"))
        # "su hermano tiene fiebre y mi hijo también": the child has it too
        self.shared = phrase_matcher({"shared": terms.get("shared_with_child") or []})
        # "la fiebre puede ser algo grave": an article, the word, what it may be
        self.statement_articles: Set[str] = _words(terms.get("statement_articles"))
        self.general_after = phrase_matcher({"general": terms.get("general_statement_after") or []})
        # the words that open a clause of its own after "and" or a comma: "..., and her anc was low"
        self.clause_subjects: Set[str] = _words(terms.get("clause_subjects"))
        # "my mom says she has 38.2", "mi mamá dice que tiene": the other person tells about the child
        self.telling = phrase_matcher({"telling": terms.get("telling") or []})

    # --- the message ----------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        children = self._spans(self.child, doc, self._is_child_word)
        # the child's own port, line or cut ("is it normal for the port to have pus?"), not "a cut"
        sites = [e for e in doc.ents if e.label_ == "body_site"]
        children += [(e.start, e.end) for e in sites if self._is_child_word(doc, e.start, e.end)]
        cues = self._cues(doc)
        urgent = [ent for ent in doc.ents if ent.label_ in URGENT_ENTITIES]
        if not urgent:
            return doc
        facts = _Facts(
            hard={s for _, s, _ in self.hard_breaks(doc)},
            present=[(s, e) for _, s, e in self.present(doc)],
            present_verbs=[(s, e) for _, s, e in self.present_verbs(doc)],
            subjects=[(s, e) for _, s, e in self.child_subjects(doc)],
            children=children,
            came_back=[s for _, s, _ in self.came_back(doc)],
            shared=[s for _, s, _ in self.shared(doc)],
            general_after=[s for _, s, _ in self.general_after(doc)],
            not_cue_tokens={i for _, s, e in self.not_cues(doc) for i in range(s, e)},
            telling=[s for _, s, _ in self.telling(doc)],
            fine_now=bool(self.fine_now(doc)),
            mentions=[(e.start, e.end) for e in urgent],
            sentence=[sent.start for sent in doc.sents for _ in sent],
            in_parentheses=_in_parentheses(doc),
        )
        modifiers = self.modifiers(doc)
        drinking_fine = bool(self.drinking_fine(doc))
        for ent in urgent:
            verdict = self._assertion(doc, ent, cues, modifiers, facts)
            if verdict == REPORTED and drinking_fine and ent.ent_id_ in self.sores_ids:
                verdict = NEGATED  # sores that do not stop the child drinking are no sign (clinical-rules.md)
            ent._.set(ASSERTION, verdict)
        for ent in urgent:
            # "her fever from wednesday (102.7) broke": a reading in parentheses is the mention's before it
            if ent.label_ == TEMPERATURE and ent.start >= 2 and doc[ent.start - 1].text == "(":
                named = next(
                    (
                        e
                        for e in urgent
                        if e.label_ == FEVER_PHRASE
                        and 0 <= ent.start - 1 - e.end <= 3
                        and not any(t.is_punct for t in doc[e.end : ent.start - 1])
                    ),
                    None,
                )
                if named is not None:
                    ent._.set(ASSERTION, named._.get(ASSERTION))
        return doc

    def _assertion(self, doc: Doc, ent: Span, cues: List[Cue], modifiers: Any, facts: "_Facts") -> str:
        # 1. modifier: "seizure medicine", "fever of 99.5" (the word names the reading: the number decides);
        # not a number the child is over ("he's over our 101 threshold")
        before = [t.lower_ for t in doc[max(0, ent.start - 2) : ent.start]]
        above = ent.label_ == TEMPERATURE and any(word in self.above_words for word in before)
        if ent.label_ == FEVER_PHRASE and any(
            e.label_ == TEMPERATURE
            and 0 <= e.start - ent.end <= 1
            and all(t.lower_ in self.names_a_reading for t in doc[ent.end : e.start])
            for e in doc.ents
        ):
            return MODIFIER
        for match_id, start, end in modifiers:
            if above or any(start <= i < end for i in facts.not_cue_tokens):
                continue  # "todo el tiempo está caliente": the child, not the weather
            side = doc.vocab.strings[match_id]
            if (side == "before" and end == ent.start) or (side == "after" and start in (ent.end, ent.end + 1)):
                return MODIFIER
        # 2. nearest_cue
        verdict, unclear = None, set()
        for kind in CUE_KINDS:
            if kind in KIND_LABELS and ent.label_ not in KIND_LABELS[kind]:
                continue
            if kind in (NOT_A_TEMPERATURE, THRESHOLD) and any(t.lower_ in self.fever_words for t in ent):
                continue  # "fiebre de 3 días": a fever, whatever the number counts
            if kind == RESOLVED and any(s >= ent.end for s in facts.came_back):
                continue  # 3. came_back: "ya le bajó pero le volvió a subir"
            if kind == OTHER_PERSON and any(facts.sentence[s] == facts.sentence[ent.start] for s in facts.shared):
                continue  # 3. shared: "su hermano tiene fiebre y mi hijo también"
            for cue in (c for c in cues if c.kind == kind):
                if kind == NEGATED and self._negation_led(ent):
                    continue  # "not breathing", "no respira": a sign that is itself a negation
                reach = self._reach(doc, cue, ent, facts)
                if reach == "clear" and not cue.weak:
                    verdict = verdict or kind
                elif reach in ("clear", "unclear"):
                    unclear.add(kind)
            if verdict:
                break
        if verdict:
            return verdict
        if (
            ent.label_ == LIFE_THREATENING_SIGN
            and self._negation_led(ent)
            and ent.end < len(doc)
            and doc[ent.end].lower_ in self.breathing_manner
        ):
            return NEGATED  # "not breathing fast": about how the child breathes
        # 3. general_question
        clause = self._clause(doc, ent)
        names_child = any(clause.start <= s < clause.end for s, _ in facts.children)
        if self._general_statement(doc, ent, facts):
            return GENERAL_QUESTION
        asks = self._asks(doc, clause, facts)
        if (
            asks
            and names_child
            and any(t.lower_ in self.generic_determiners for t in doc[max(clause.start, ent.start - 1) : ent.start + 1])
        ):
            unclear.add(GENERAL_QUESTION)  # "can an infection make her counts drop?": maybe hers, maybe any
        if asks and not names_child:
            if ent.label_ != LIFE_THREATENING_SIGN or not self._names_child_in_sentence(ent, facts):
                return GENERAL_QUESTION
        if unclear == {RESOLVED} and ent.label_ == TEMPERATURE:
            return RESOLVED  # a reading that may have come down since still counts: once is enough
        if unclear:
            return UNCLEAR
        # 4. fine_now
        now = facts.present + facts.present_verbs
        if facts.fine_now and not any(clause.start <= s < clause.end for s, _ in now):
            return UNCLEAR
        # 5. diagnosis: "she has pneumonia" names what a doctor found, not a sign the parent sees now
        if ent.ent_id_ in self.diagnosis_ids:
            return UNCLEAR
        return REPORTED

    # --- cues and their reach ---------------------------------------------------------------
    def _cues(self, doc: Doc) -> List[Cue]:
        covered = {i for _, s, e in self.not_cues(doc) for i in range(s, e)}
        found: Dict[Tuple[int, int, str], Cue] = {}
        for match_id, start, end in list(self.cues(doc)) + list(self.cue_patterns(doc)):
            if any(i in covered for i in range(start, end)):
                continue
            kind, side, strength = doc.vocab.strings[match_id].split("|")
            cue = Cue(kind, side, strength, start, end)
            key = (start, end, f"{kind}|{side}")
            # a phrase listed with several strengths is the strongest
            if key not in found or STRENGTH_RANK[strength] > STRENGTH_RANK[found[key].strength]:
                found[key] = cue
        # a cue inside a longer one of the same kind and side is the longer one
        cues = list(found.values())
        return [
            c
            for c in cues
            if not any(
                o is not c
                and o.kind == c.kind
                and o.side == c.side
                and o.start <= c.start
                and c.end <= o.end
                and (o.end - o.start) > (c.end - c.start)
                for o in cues
            )
        ]

    def _reach(self, doc: Doc, cue: Cue, ent: Span, facts: "_Facts") -> Optional[str]:
        """'clear', 'unclear' or None: whether the cue governs the mention."""
        if cue.side == "around":
            # a pattern that holds the mention: "hay mucha diarrea en su escuela"
            return "clear" if cue.start <= ent.start and ent.end <= cue.end else None
        # a cue may overlap the mention's edge ("no tiene" + "tiene fiebre"), never start inside it
        if cue.side == "before":
            if cue.start >= ent.start:
                return None
            start, end = min(cue.end, ent.start), ent.start
        else:
            if cue.end <= ent.end:
                return None
            start, end = ent.end, max(cue.start, ent.end)
        if facts.sentence[cue.start] != facts.sentence[ent.start]:
            return None
        if facts.in_parentheses[cue.start] != facts.in_parentheses[ent.start]:
            return None  # "my sister (mom is at work) won't wake up": an aside reaches nothing outside
        between = [t for t in doc[start:end] if not facts.in_parentheses[t.i]]
        if cue.strength == "adjacent":
            # "not coughing", "no more chills", "not really hot"
            fillers = [t for t in between if t.lower_ in self.fillers]
            return "clear" if len(between) <= 2 and len(fillers) == len(between) else None
        if any(t.text in CLAUSE_PUNCTUATION for t in between) or any(
            start <= s < end and not facts.in_parentheses[s] for s in facts.hard
        ):
            return None
        if len(between) > ADJACENT_REACH.get(cue.kind, len(doc)) or (
            cue.kind in (NOT_A_TEMPERATURE, THRESHOLD) and cue.side == "after" and between
        ):
            # "98 pounds", "36 hours": a count's unit follows its number directly; so does a rule's
            # word ("101 or higher", "101 means go in"): "she's 38.5 which means call?" is a reading
            return None
        if cue.kind == NOT_A_TEMPERATURE and any(t.like_num for t in between):
            return None  # "cycle 2 at 38.9", "day 3 she had 38.9": the count's word names its own number
        if cue.kind in (HISTORICAL, RESOLVED, NEGATED) and any(start <= s and e <= end for s, e in facts.present):
            return None  # "last week ... now she has a fever", "no fever for months and tonight 100.4": now
        if cue.kind in (OTHER_PERSON, NEGATED) and any(start <= s < end for s, _ in facts.subjects):
            return None  # "her brother is sick and she has a fever", "no fever, she's shivering": the child again
        if cue.kind == OTHER_PERSON and cue.side == "before" and start in facts.telling:
            # right after the person: "mi mamá dice que tiene 38.2", "la abuela lo vio con fiebre"
            return None  # the other person tells about the child, or acts on the child
        soft = [t for t in between if t.lower_ in self.soft_breaks or t.text == ","]
        new_clauses = [t for t in soft if t.i + 1 < len(doc) and doc[t.i + 1].lower_ in self.clause_subjects]
        if new_clauses:
            # "102 degrees and her anc was low last week": a new clause, its own subject; but an "if"
            # may govern two joined by "and" ("if a kid gave her something and she starts running a
            # temp"), not past its comma ("they told us to call at 100.4, she's at 99.8 now")
            joined = any(t.text != "," for t in new_clauses)
            return "unclear" if cue.kind == HYPOTHETICAL and cue.side == "before" and joined else None
        others = [(s, e) for s, e in facts.mentions if start <= s and e <= end]
        if cue.kind == NEGATED:
            # "no fever or chills": a negated list; "no fever, coughing a lot" may not be one
            in_a_list = [t.lower_ in self.list_words or any(s <= t.i < e for s, e in others) for t in between]
            if (not others and not soft and len(between) <= CLEAR_REACH) or (others and all(in_a_list)):
                return "clear"
            return "unclear"
        if soft or others or len(between) > CLEAR_REACH:
            return "unclear"
        return "clear"

    # --- clauses, questions, the child -------------------------------------------------------
    def _clause(self, doc: Doc, ent: Span) -> Span:
        """The mention's clause: its sentence, cut at commas, soft breaks and hard breaks."""
        sent = ent.sent
        start, end = sent.start, sent.end
        for token in doc[sent.start : ent.start]:
            if token.text == "," or token.lower_ in self.soft_breaks:
                start = token.i + 1
        for token in doc[ent.end : sent.end]:
            if token.text == "," or token.lower_ in self.soft_breaks:
                end = token.i
                break
        return doc[start:end]

    def _asks(self, doc: Doc, clause: Span, facts: "_Facts") -> bool:
        """Whether the mention's clause is a question: a "?" or "¿" in it, or a question word opening
        its sentence; or it continues a question of its sentence without naming the child ("does it
        come with fever and ulcers"). Not "como" after a comma ("esta raro, como confundido")."""
        if any(t.text in ("?", "¿") for t in clause) or (clause.end < len(doc) and doc[clause.end].text == "?"):
            return True
        words = [t for t in clause if not t.is_punct]
        if words and (words[0].i == clause.sent.start or doc[words[0].i - 1].text == "¿"):
            if any(start == words[0].i for _, start, _ in self.question_starts(doc)):
                return True
        earlier = doc[clause.sent.start : clause.start]
        names_child = any(clause.start <= s < clause.end for s, _ in facts.children)
        return bool(earlier) and not names_child and self._asks_at_start(doc, earlier)

    def _asks_at_start(self, doc: Doc, span: Span) -> bool:
        words = [t for t in span if not t.is_punct]
        starts = {start for _, start, _ in self.question_starts(doc)}
        return bool(words) and (words[0].i in starts or any(t.text == "¿" for t in span))

    def _general_statement(self, doc: Doc, ent: Span, facts: "_Facts") -> bool:
        """'la fiebre puede ser algo grave', 'los escalofríos son síntoma de infección': an article,
        then the mention, opening a sentence that names no child: a statement about the word."""
        start = ent.sent.start
        return (
            ent.start == start + 1
            and doc[start].lower_ in self.statement_articles
            and any(ent.end <= s <= ent.end + 2 for s in facts.general_after)
            and not self._names_child_in_sentence(ent, facts)
        )

    def _names_child_in_sentence(self, ent: Span, facts: "_Facts") -> bool:
        return any(ent.sent.start <= s < ent.sent.end for s, _ in facts.children)

    def _is_child_word(self, doc: Doc, start: int, end: int) -> bool:
        """He, she, my son... not "a child" or "these kids" (anyone's child), nor Spanish "son" (they are)."""
        before = [t.lower_ for t in doc[max(0, start - 2) : start]]
        if doc[start:end].text.lower() in self.false_friends and not (before and before[-1] in self.owners):
            return False
        return not any(word in self.generic_determiners for word in before)

    def _spans(self, matcher: PhraseMatcher, doc: Doc, keep: Any = None) -> List[Tuple[int, int]]:
        return [(s, e) for _, s, e in matcher(doc) if keep is None or keep(doc, s, e)]

    def _negation_led(self, ent: Span) -> bool:
        """'no respira', "can't breathe" ("ca" "n't"), 'sin fuerzas': a sign that is itself a negation."""
        return ent[0].lower_ in self.negation_led or (len(ent) > 1 and ent[1].lower_ in ("n't", "nt"))


class _Facts:
    """What the rules read of the whole message, found once."""

    def __init__(
        self,
        hard: Set[int],
        present: List[Tuple[int, int]],
        present_verbs: List[Tuple[int, int]],
        subjects: List[Tuple[int, int]],
        children: List[Tuple[int, int]],
        came_back: List[int],
        shared: List[int],
        general_after: List[int],
        not_cue_tokens: Set[int],
        telling: List[int],
        fine_now: bool,
        mentions: List[Tuple[int, int]],
        sentence: List[int],
        in_parentheses: List[bool],
    ) -> None:
        self.hard, self.present, self.present_verbs = hard, present, present_verbs
        self.subjects, self.children = subjects, children
        self.came_back, self.telling, self.fine_now, self.mentions = came_back, telling, fine_now, mentions
        self.shared, self.not_cue_tokens, self.general_after = shared, not_cue_tokens, general_after
        self.sentence = sentence  # each token's sentence (its first token)
        # an aside: "my mom (grandma) has a cough" is mom's cough; "(mom is at work)" reaches nothing outside
        self.in_parentheses = in_parentheses


def _in_parentheses(doc: Doc) -> List[bool]:
    """Each token: whether it is inside a parenthesis (the parentheses included)."""
    inside, depth = [], 0
    for token in doc:
        depth += token.text == "("
        inside.append(depth > 0)
        depth -= token.text == ")" and depth > 0
    return inside


def assertion_of(ent: Span) -> Optional[str]:
    return ent._.get(ASSERTION) if ent.label_ in URGENT_ENTITIES else None
