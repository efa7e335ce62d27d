"""Whether each urgent mention in a message is something the child has now: a spaCy component.

The entity_ruler finds the words (a temperature, a fever phrase, an infection sign, a 911 sign);
this component decides, for each of them, its `assertion`:

  reported           the parent reports it now: it escalates
  negated            "no fever", "doesn't have a fever"
  resolved           "the fever broke", "his diarrhea stopped" (never a 911 sign)
  hypothetical       "if she gets a fever", "what counts as a fever", "watch for chills"
  historical         "a seizure two years ago", "had pneumonia last winter"
  other_person       "her cousin had a fever", "I have a cough"
  modifier           "seizure medicine", "fever reducer", "the fever line", "medicina para la fiebre"
  general_question   a question that names the word but not the child: "can neutropenia cause fevers?"
  not_a_temperature  a number that is a count, weight or age: "her anc is 98"

Negation, hypothetical, historical and other-person mentions are found with NegEx (negspacy
1.0.4, one instance per kind) and the phrase lists in spacy_pipeline/context_terms.yml; the
rest with spaCy's own tokens. Where a mention could be read either way it stays `reported`:
a false Call-now is safer than a missed one.

The pipeline is bilingual (issue 13): the builder adds spacy_pipeline/context_terms_es.yml's lists
to the English ones, and every context phrase is also matched without its accents ("todavia").
Spanish negates with "no" before the verb, and some signs are themselves negative ("no respira",
"no despierta", "no quiere comer"), so a mention that starts with a negation word is never
negated by an earlier one ("no tiene fiebre, no respira" is a 911 call). Spanish also needs rules
NegEx cannot express: an opening "si" that is "if" only in a sentence that asks ("si tiene
calentura le puedo dar algo?", not "si, tiene fiebre" nor "si tiene fiebre desde ayer"), the child
joined to another person ("mi hijo y su hermano tienen fiebre"), a fever gone that came back ("ya
le bajó pero le volvió a subir") or gone said after it ("tenía fiebre y ya se le quitó"), a person
OF the child or of someone else ("el primo de mi hijo tiene fiebre", "el hijo de mi vecina"), a
sign going around the school ("hay mucha diarrea en su escuela"), and a general statement typed
without "¿?" ("la diarrea puede ser señal de infección": general_question). A fever yesterday that
is fine today stays a report, as in English ("had a fever yesterday but she's fine now"). A fever
gone is not gone when a negation in its clause says so ("ni con tylenol le bajó la fiebre") or it
went down only partly ("le bajó la fiebre un poco"); a "nunca" that compares with now ("nunca ha
tenido fiebre así") negates nothing; a "more" or "still" right before a mention ("me da miedo que
le suba más la fiebre", "si sigue con fiebre") undoes a "what if"; and a later back reference to a
time long past ("le dio diarrea pero eso fue hace meses", "... but that was months ago") makes the
mentions before it historical when nothing in the sentence speaks of now.

The component is registered as the spaCy factory "urgent_context" when this module is imported
(tools/build_spacy_pipeline.py puts it in the project's pipeline; the Rasa component
addons/nlu/urgent_report_reader.py imports it so that Rasa's SpacyNLP can load that pipeline, and
so must anything else that loads the pipeline with spacy.load).
"""

# no `from __future__ import annotations`: spaCy reads the factory's type hints at run time
import json
import unicodedata
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from negspacy.negation import Negex
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

URGENT_LABELS = ["temperature", "fever_phrase", "infection_sign", "life_threatening_sign"]
REPORTED = "reported"
# NegEx kinds, in the order they are checked (the first that applies names the mention)
NEGEX_KINDS = ("negated", "resolved", "historical", "other_person", "hypothetical", "not_a_temperature")
# the labels each kind applies to (all urgent labels unless named here)
KIND_LABELS = {
    "not_a_temperature": ["temperature"],
    "resolved": ["temperature", "fever_phrase", "infection_sign"],
}
ASSERTION = "assertion"
# between an adjacent negation and the mention: "not really hot", "no more chills"
FILLERS = {"really", "very", "so", "too", "any", "a", "more", "that", "even", "at"}
# a sign that starts with one of these is itself a negation ("not breathing", "can't wake",
# "no respira", "casi no respira", "sin fuerzas"): an earlier negation does not cancel it
NEGATION_LED = {
    "no",
    "not",
    "never",
    "can't",
    "cant",
    "cannot",
    "won't",
    "wont",
    "isn't",
    "isnt",
    "doesn't",
    "doesnt",
    "barely",
    "hardly",
    "without",
    "casi",
    "apenas",
    "sin",
    "nunca",
    "ni",
}

NAMES_CHILD = "names_child"
CONTEXT_CUES = "context_cues"

if not Span.has_extension(ASSERTION):
    Span.set_extension(ASSERTION, default=None)
# whether the message names the child anywhere (he, she, my son, the baby...)
if not Doc.has_extension(NAMES_CHILD):
    Doc.set_extension(NAMES_CHILD, default=False)
# the kinds of context phrase anywhere in the message ("if", "no", "last year", "her cousin"),
# for a message the classifier read as urgent although it has no urgent word
if not Doc.has_extension(CONTEXT_CUES):
    Doc.set_extension(CONTEXT_CUES, default=())


def _phrases(values: Optional[Iterable[Any]]) -> List[str]:
    return [str(v) for v in values or []]


def without_accents(text: str) -> str:
    """'escalofríos' -> 'escalofrios', 'niño' -> 'nino': how many parents type Spanish."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _with_unaccented(values: Optional[Iterable[Any]]) -> List[str]:
    """The phrases, and each one without its accents when it has any."""
    phrases = _phrases(values)
    return phrases + [bare for bare in (without_accents(p) for p in phrases) if bare not in phrases]


def _token_patterns(value: Any) -> List[List[Dict[str, Any]]]:
    """Token patterns as spaCy's config file gives them back: a list, or JSON text."""
    patterns = json.loads(value) if isinstance(value, str) else list(value or [])
    return [json.loads(p) if isinstance(p, str) else p for p in patterns]


class WholeTriggerNegex(Negex):
    """NegEx that lets a trigger keep its own words: "mi otro hijo" (my other son) is an other-person
    trigger although "hijo" alone ends that scope ("su primo tiene tos, mi hijo tiene fiebre")."""

    def process_negations(self, doc: Doc) -> Tuple[list, list, list]:
        preceding, following, terminating = super().process_negations(doc)
        terminating = [t for t in terminating if not any(p[1] < t[1] < p[2] for p in preceding)]
        return preceding, following, terminating


@Language.factory("urgent_context", default_config={"terms": {}})
def create_urgent_context(nlp: Language, name: str, terms: Dict[str, Any]):
    return UrgentContext(nlp, name, terms)


class UrgentContext:
    def __init__(self, nlp: Language, name: str, terms: Dict[str, Any]) -> None:
        self.name = name
        pseudo = _with_unaccented(terms.get("pseudo"))
        self.negex = {}
        for kind in NEGEX_KINDS:
            spec = terms.get(kind) or {}
            labels = KIND_LABELS.get(kind, URGENT_LABELS)
            self.negex[kind] = WholeTriggerNegex(
                nlp,
                f"{name}_{kind}",
                neg_termset={
                    "pseudo_negations": pseudo,
                    "preceding_negations": _with_unaccented(spec.get("preceding")),
                    "following_negations": _with_unaccented(spec.get("following")),
                    "termination": _with_unaccented(spec.get("termination")),
                },
                ent_types=labels,
                extension_name=f"urgent_{kind}",
                chunk_prefix=[],
            )
        self.modifier_words: Set[str] = {w.lower() for w in _phrases(terms.get("modifier_words"))}
        self.child_words: Set[str] = {w.lower() for w in _phrases(terms.get("child_words"))}
        self.adjacent_negations: Set[str] = {w.lower() for w in _phrases(terms.get("adjacent_negations"))}
        self.not_a_symptom_after: Set[str] = {w.lower() for w in _phrases(terms.get("not_a_symptom_after"))}
        self.generic_determiners: Set[str] = {w.lower() for w in _phrases(terms.get("generic_determiners"))}
        self.breathing_manner_words: Set[str] = {w.lower() for w in _phrases(terms.get("breathing_manner_words"))}
        # a child word that is also a common Spanish word ("son": they are) names the child only
        # after an owner ("my son", "her son")
        self.false_friends: Set[str] = {w.lower() for w in _phrases(terms.get("child_word_false_friends"))}
        self.owners: Set[str] = {w.lower() for w in _phrases(terms.get("child_word_owners"))}
        self.question_if: Set[str] = {w.lower() for w in _phrases(terms.get("question_if"))}
        self.fever_words: Set[str] = {w.lower() for w in _with_unaccented(terms.get("fever_words"))}
        # "si tiene calentura le puedo dar algo?": an opening "si" (typed for "if" or for "sí")
        self.opening_if: Set[str] = {w.lower() for w in _phrases(terms.get("opening_if"))}
        self.conditional_questions = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.conditional_questions.add(
            "question", [nlp.make_doc(p) for p in _with_unaccented(terms.get("conditional_question_phrases"))]
        )
        self.statement_anchors = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.statement_anchors.add(
            "anchor", [nlp.make_doc(p) for p in _with_unaccented(terms.get("statement_anchors"))]
        )
        # "mi hijo y su hermano tienen fiebre", "su hermano tiene fiebre y ella también": the child too
        self.child_nouns: Set[str] = {w.lower() for w in _phrases(terms.get("child_nouns"))}  # not "el" for "él"
        self.joined_with: Set[str] = {w.lower() for w in _phrases(terms.get("joined_with"))}
        self.shared_words: Set[str] = {w.lower() for w in _with_unaccented(terms.get("shared_with_child"))}
        self.not_the_child_before: Set[str] = {w.lower() for w in _phrases(terms.get("not_the_child_before"))}
        self.not_modifier_after: Set[str] = {w.lower() for w in _phrases(terms.get("not_modifier_after"))}
        self.gone_after = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.gone_after.add("gone", [nlp.make_doc(p) for p in _with_unaccented(terms.get("gone_after"))])
        self.gone_after_ends: Set[str] = {w.lower() for w in _with_unaccented(terms.get("gone_after_ends"))}
        self.reading_now: Set[str] = {w.lower() for w in _phrases(terms.get("reading_now"))}
        self.came_back = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.came_back.add("came_back", [nlp.make_doc(p) for p in _with_unaccented(terms.get("came_back"))])
        # "medicina para la fiebre": the words right before the mention make it no symptom
        self.modifier_before = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.modifier_before.add("modifier", [nlp.make_doc(p) for p in _with_unaccented(terms.get("modifier_before"))])
        # "el primo de mi hijo", "el hijo de mi vecina": a person OF the child or of someone else
        self.owned_person_nouns: Set[str] = {w.lower() for w in _with_unaccented(terms.get("owned_person_nouns"))}
        self.owned_child_nouns: Set[str] = {w.lower() for w in _with_unaccented(terms.get("owned_child_nouns"))}
        self.owned_by: Set[str] = {w.lower() for w in _with_unaccented(terms.get("owned_by"))}
        self.not_owned_before: Set[str] = {w.lower() for w in _phrases(terms.get("not_owned_before"))}
        self.owned_person_ends: Set[str] = {w.lower() for w in _phrases(terms.get("owned_person_ends"))}
        other_person = terms.get("other_person") or {}
        self.other_person_ends = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.other_person_ends.add("end", [nlp.make_doc(p) for p in _with_unaccented(other_person.get("termination"))])
        # "hay mucha diarrea en su escuela": a sign going around a group the child belongs to
        self.going_around_before = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.going_around_before.add(
            "around", [nlp.make_doc(p) for p in _with_unaccented(terms.get("going_around_before"))]
        )
        self.group_places: Set[str] = {w.lower() for w in _with_unaccented(terms.get("group_places"))}
        # "la diarrea puede ser señal de infección": a statement about a sign, not about the child
        self.general_determiners: Set[str] = {w.lower() for w in _phrases(terms.get("general_statement_determiners"))}
        self.general_statements = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.general_statements.add(
            "general", [nlp.make_doc(p) for p in _with_unaccented(terms.get("general_statement_after"))]
        )
        # "ni con tylenol le bajó la fiebre", "le bajó la fiebre un poco": not gone (resolved_* below)
        self.not_gone_before: Set[str] = {w.lower() for w in _with_unaccented(terms.get("not_gone_before"))}
        self.partly_gone = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.partly_gone.add("partly", [nlp.make_doc(p) for p in _with_unaccented(terms.get("partly_gone"))])
        # "nunca ha tenido fiebre así", "nunca le había dado tanta fiebre": never LIKE THIS is now
        self.never_words: Set[str] = {w.lower() for w in _phrases(terms.get("never_words"))}
        self.never_unlike_now = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.never_unlike_now.add("now", [nlp.make_doc(p) for p in _with_unaccented(terms.get("never_unlike_now"))])
        # "le dio diarrea pero eso ya pasó hace meses": a later "that was" + a past time
        self.back_references = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.back_references.add("that_was", [nlp.make_doc(p) for p in _with_unaccented(terms.get("back_reference"))])
        self.back_reference_times = Matcher(nlp.vocab)
        self.back_reference_times.add("past", _token_patterns(terms.get("back_reference_times")))
        self.present_markers: Set[str] = {w.lower() for w in _with_unaccented(terms.get("present_markers"))}
        self.still_before: Set[str] = {w.lower() for w in _with_unaccented(terms.get("still_before"))}
        self.historical_patterns = Matcher(nlp.vocab)
        self.historical_patterns.add("historical", _token_patterns(terms.get("historical_patterns")))
        # "si mi niño tuviera una convulsión": "si", up to three words, an imperfect subjunctive
        self.subjunctive_if = Matcher(nlp.vocab)
        subjunctive_patterns = _token_patterns(terms.get("subjunctive_if_patterns"))
        if subjunctive_patterns:
            self.subjunctive_if.add("subjunctive_if", subjunctive_patterns)
        self.question_starts = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.question_starts.add("question", [nlp.make_doc(p) for p in _phrases(terms.get("question_starts"))])
        self.clause_breaks = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.clause_breaks.add("break", [nlp.make_doc(p) for p in _phrases(terms.get("clause_breaks"))])
        self.child_phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.child_phrases.add("child", [nlp.make_doc(p) for p in sorted(self.child_words)])

    def __call__(self, doc: Doc) -> Doc:
        doc._.set(NAMES_CHILD, self._names_child(doc[:]))
        cues = []
        for kind, negex in self.negex.items():
            preceding, following, _ = negex.process_negations(doc)
            if kind == "resolved" and self.came_back(doc):
                continue  # "ya le bajó pero le volvió a subir": not gone
            if preceding or following:
                cues.append(kind)
        doc._.set(CONTEXT_CUES, tuple(cues))
        urgent = [ent for ent in doc.ents if ent.label_ in URGENT_LABELS]
        if not urgent:
            return doc
        for negex in self.negex.values():
            negex(doc)
        clauses = self._clauses(doc)
        questions = self._questions(clauses)
        dated = {doc[start].sent.start for _, start, _ in self.historical_patterns(doc)}
        # "el tiempo está frío" is the weather, "todo el tiempo está caliente" the child
        modified = {
            end
            for _, start, end in self.modifier_before(doc)
            if not (start > 0 and doc[start - 1].lower_ in self.not_modifier_after)
        }
        general = self._general_statements(doc, urgent)
        for ent in urgent:
            ent._.set(ASSERTION, self._assertion(doc, ent, clauses, questions, dated, modified, general))
        return doc

    def _assertion(
        self,
        doc: Doc,
        ent: Span,
        clauses: List[Span],
        questions: List[bool],
        dated: Set[int],
        modified: Set[int],
        general: Set[int],
    ) -> str:
        for kind in NEGEX_KINDS:
            if kind == "negated" and self._negation_led(ent):
                continue  # "no respira", "not breathing": a sign that is itself a negation
            if kind == "not_a_temperature" and any(t.lower_ in self.fever_words for t in ent):
                continue  # "fiebre de 3 días": a fever whatever the number counts
            if kind == "resolved" and any(start >= ent.end for _, start, _ in self.came_back(doc)):
                continue  # "ya le bajó la fiebre pero le volvió a subir": it came back
            if kind == "resolved" and ent.label_ == "temperature" and any(t.lower_ in self.reading_now for t in ent):
                continue  # "ya le bajó la temperatura a 38.5": the reading it has now decides
            if kind == "resolved" and self._not_gone(ent, clauses):
                continue  # "ni con tylenol le bajó la fiebre", "le bajó la fiebre un poco"
            if kind == "negated" and self._never_unlike_now(ent):
                continue  # "nunca ha tenido fiebre así": never like this, so now it has
            if kind == "hypothetical" and any(
                t.lower_ in self.still_before for t in doc[max(ent.sent.start, ent.start - 3) : ent.start + 1]
            ):
                continue  # "me da miedo que le suba más la fiebre", "si sigue con fiebre": it has it now
            if kind == "other_person" and self._child_shares(ent):
                continue  # "mi hijo y su hermano tienen fiebre": the child has it too
            if ent._.get(f"urgent_{kind}"):
                return kind
        if (self._owned_person_before(ent) or self._going_around(ent)) and not self._child_shares(ent):
            return "other_person"
        before = [t.lower_ for t in doc[max(0, ent.start - 2) : ent.start]]
        if before and (
            before[-1] in self.adjacent_negations
            or (len(before) == 2 and before[0] in self.adjacent_negations and before[1] in FILLERS)
        ):
            return "negated"
        if ent.label_ != "life_threatening_sign" and self._gone_after(ent):
            return "resolved"
        if ent.sent.start in dated or self._referred_back_to_the_past(ent):
            return "historical"
        if self._if_in_question(ent) or self._opening_if_question(ent) or self._subjunctive_if(ent):
            return "hypothetical"
        if (
            ent.label_ == "life_threatening_sign"
            and ent[0].lower_ in self.adjacent_negations | {"not", "isnt", "is"}
            and ent.end < len(doc)
            and doc[ent.end].lower_ in self.breathing_manner_words
        ):
            return "negated"  # "not breathing fast": about how the child breathes
        following = [t.lower_ for t in doc[ent.end : ent.end + 2]]
        if following and (
            following[0] in self.modifier_words
            or (following[0] in ("-", "'s") and following[1:2] and following[1] in self.modifier_words)
        ):
            return "modifier"
        if (before and before[-1] in self.not_a_symptom_after) or ent.start in modified:
            return "modifier"
        if ent.start in general and ent.label_ != "life_threatening_sign":
            return "general_question"
        index = next((i for i, c in enumerate(clauses) if c.start <= ent.start < c.end), None)
        if index is not None and questions[index] and not self._names_child(clauses[index]):
            return "general_question"
        return REPORTED

    def _if_in_question(self, ent: Span) -> bool:
        """'¿puedo darle tylenol si tiene fiebre?': an "if" inside a question, before the mention.
        Not an "if" that opens the sentence: typed without its accent, "si tiene fiebre" is as
        likely "yes, she has a fever" (safety first), and "si, ..." is always "yes"; after an
        opening "¿" it is "if" again ("¿si tiene temblores debo llamar?")."""
        sent = ent.sent
        if not self.question_if or not any(t.text in ("?", "¿") for t in sent):
            return False
        words = [t for t in sent if not t.is_punct]
        opened = sent[0].text == "¿"  # "¿si tiene temblores...?": inside "¿", "si" is "if"
        for position, token in enumerate(words):
            if position == 0 and not opened:
                continue
            if token.i >= ent.start:
                return False
            if not opened and all(w.lower_ in self.question_if for w in words[:position]):
                continue  # "si, si tiene fiebre": "sí, sí" (yes, yes), not "if"
            if (
                token.lower_ in self.question_if
                and token.i + 1 < len(token.doc)
                and not token.doc[token.i + 1].is_punct
            ):
                return True
        return False

    def _subjunctive_if(self, ent: Span) -> bool:
        """'si mi niño tuviera una convulsión, ¿llamo al 911 o al hospital?': "si" and a verb in the
        imperfect subjunctive before the mention, in its clause (no punctuation between). Unlike
        an opening "si" with a present verb, this cannot be "sí" (yes) typed without its accent,
        so it holds for a 911 sign too."""
        doc = ent.doc
        for _, start, end in self.subjunctive_if(doc):
            if ent.sent.start <= start and end <= ent.start and not any(t.is_punct for t in doc[end : ent.start]):
                return True
        return False

    def _opening_if_question(self, ent: Span) -> bool:
        """'si tiene calentura le puedo dar algo?', 'si empieza con escalofrios debo llamar': an
        opening "si" with no comma after it, in a sentence that asks (a "?" or "debo", "lo llevo",
        "qué hago"...), makes the mentions before the question (up to a comma) hypothetical.
        Typed without its accent "si" may be "sí" (yes), so it stays a report when a comma follows
        it ("si, tiene fiebre"), when nothing asks ("si tiene fiebre desde ayer"), and when the
        clause says when ("si tiene fiebre desde ayer, ¿qué hago?": a hypothetical has no "since")."""
        if ent.label_ == "life_threatening_sign":
            return False  # "si no respira qué hago" may be "sí, no respira": never risk a 911 sign
        sent = ent.sent
        words = [t for t in sent if not t.is_punct]
        if len(words) < 2 or words[0].lower_ not in self.opening_if or sent[0].i != words[0].i or sent[1].is_punct:
            return False
        doc = ent.doc
        asks = [start for _, start, _ in self.conditional_questions(doc) if sent.start < start < sent.end]
        if not asks and not any(t.text == "?" for t in sent):
            return False
        # the "si" clause: up to its first comma or the question ("si le da tos, lo llevo?")
        clause_end = min([t.i for t in sent if t.text in (",", ";", ":")] + asks + [sent.end])
        if ent.end > clause_end:
            return False
        return not any(sent.start < start < clause_end for _, start, _ in self.statement_anchors(doc))

    def _gone_after(self, ent: Span) -> bool:
        """'tenía fiebre y ya se le quitó': the mention right before "y" and a phrase that says it
        is gone, which ends its clause (a noun after it is another sign: "tiene fiebre y ya se le
        quitó la tos"). Not when it came back ("y ya se le quitó pero le volvió a subir")."""
        doc = ent.doc
        at = ent.end
        while at < ent.sent.end and doc[at].lower_ in (",", "y", "e"):
            at += 1
        if at == ent.end or at >= ent.sent.end:
            return False
        for _, start, end in self.gone_after(doc):
            if start == at:
                ends_clause = end >= ent.sent.end or doc[end].is_punct or doc[end].lower_ in self.gone_after_ends
                came_back = any(s >= end for _, s, _ in self.came_back(doc))
                return ends_clause and not came_back
        return False

    def _not_gone(self, ent: Span, clauses: List[Span]) -> bool:
        """'ni con tylenol le bajó la fiebre', 'tampoco le bajó la fiebre' (a negation in the
        mention's clause before it: it did NOT go down), 'le bajó la fiebre un poco' (only partly):
        the fever is still there."""
        doc = ent.doc
        clause = next((c for c in clauses if c.start <= ent.start < c.end), ent.sent)
        if any(t.lower_ in self.not_gone_before for t in doc[clause.start : ent.start]):
            return True
        return any(
            ent.end <= start <= ent.end + 1 and not any(t.is_punct for t in doc[ent.end : start])
            for _, start, _ in self.partly_gone(doc)
        )

    def _never_unlike_now(self, ent: Span) -> bool:
        """'nunca ha tenido fiebre así', 'nunca le ha dado tanta fiebre', 'nunca había tenido fiebre
        hasta hoy': a "never" that compares with now says the child has it now."""
        doc = ent.doc
        sent = ent.sent
        never = [t.i for t in doc[sent.start : ent.start] if t.lower_ in self.never_words]
        if not never:
            return False
        end = min(ent.end + 4, sent.end)
        return any(never[-1] < start < end for _, start, _ in self.never_unlike_now(doc))

    def _referred_back_to_the_past(self, ent: Span) -> bool:
        """'en la primera quimio le dio diarrea pero eso ya pasó hace meses': a later "eso fue" /
        "that was" and a time long past, in a sentence that says nothing of now (no "tiene",
        "hoy", "has", "now" before it): what it refers back to is historical."""
        doc = ent.doc
        sent = ent.sent
        times = {start for _, start, _ in self.back_reference_times(doc) if sent.start <= start < sent.end}
        for _, start, end in self.back_references(doc):
            if start < ent.end or start >= sent.end or end not in times:
                continue
            if not any(t.lower_ in self.present_markers for t in doc[sent.start : start]):
                return True
        return False

    def _owned_person_before(self, ent: Span) -> bool:
        """'el primo de mi hijo tiene fiebre', 'la maestra de mi hija', 'el hijo de mi vecina': a person
        noun, then "de"/"del" and whose person it is, before the mention in its sentence: the
        subject is that person, although "mi hijo" is in the sentence. Not the child's body or
        things ("la pierna de mi hijo"), not the child named first ("mi hija de 5 años"), not a
        child of the parent's child ("el hijo de mi hija" may be the grandchild the parent cares
        for), and not when something between says it is the child ("la maestra de mi hija dice
        que tiene fiebre", "... la mandó a casa con fiebre": other_person's termination phrases
        and owned_person_ends)."""
        doc = ent.doc
        sent = ent.sent
        for token in doc[sent.start : ent.start]:
            person = token.lower_
            if person not in self.owned_person_nouns and person not in self.owned_child_nouns:
                continue
            if token.i > sent.start and doc[token.i - 1].lower_ in self.not_owned_before:
                continue  # "mi hija de 5 años", "mi hijo del primer matrimonio": the child
            at = token.i + 1
            if at >= ent.start or doc[at].lower_ not in ("de", "del"):
                continue
            at += 1
            if doc[at - 1].lower_ == "de" and at < ent.start and doc[at].lower_ in self.owned_by:
                at += 1  # "de mi", "de su", "de la"
            if at >= ent.start:
                continue
            owner = doc[at]
            if not owner.is_alpha or (person in self.owned_child_nouns and owner.lower_ in self.child_nouns):
                continue  # "el hijo de mi hija": the grandchild stays the child
            if not any(at < start < ent.start for _, start, _ in self.other_person_ends(doc)) and not any(
                t.lower_ in self.owned_person_ends for t in doc[at + 1 : ent.start]
            ):
                return True
        return False

    def _going_around(self, ent: Span) -> bool:
        """'hay mucha diarrea en su escuela', 'en la guardería hay un brote de tos': a sign going
        around the school or day care, said right before the mention, with the place in the sentence."""
        doc = ent.doc
        return any(end == ent.start for _, _, end in self.going_around_before(doc)) and any(
            t.lower_ in self.group_places for t in ent.sent
        )

    def _general_statements(self, doc: Doc, urgent: List[Span]) -> Set[int]:
        """Where a general statement about a sign starts and runs to its sentence's end: 'la diarrea
        puede ser señal de infección', 'los escalofríos son síntoma de infección' (often a question
        typed without "¿?"): an article, the mention, then what it may be or mean, in a sentence
        that names no child ("tiene", "está", "le", "mi hija" do). Without the article the subject
        is dropped and it is the child ("tose mucho, puede ser señal de infección")."""
        starts: Set[int] = set()
        statements = [(start, end) for _, start, end in self.general_statements(doc)]
        for ent in urgent:
            sent = ent.sent
            if (
                ent.start == sent.start
                or doc[ent.start - 1].lower_ not in self.general_determiners
                or self._names_child(sent)
            ):
                continue
            # what it may be follows the mention closely ("la fiebre alta en niños puede ser..."), no comma between
            if any(
                ent.end <= start <= min(ent.end + 3, sent.end - 1) and not any(t.is_punct for t in doc[ent.end : start])
                for start, _ in statements
            ):
                starts.update(range(ent.start, sent.end))
        return starts

    def _child_shares(self, ent: Span) -> bool:
        """Whether the child has the other person's sign too: 'mi hijo y su hermano tienen
        fiebre' (the child joined to the other person), 'su hermano tiene fiebre y mi hijo también'."""
        sent = ent.sent
        doc = ent.doc
        for token in doc[sent.start : ent.start]:
            if (
                token.lower_ in self.child_nouns
                and token.i + 1 < ent.start
                and doc[token.i + 1].lower_ in self.joined_with
                and not (token.i > sent.start and doc[token.i - 1].lower_ in self.not_the_child_before)
            ):
                return True
        for token in doc[ent.end : sent.end]:
            if token.lower_ in self.shared_words and any(
                t.lower_ in self.child_nouns for t in doc[max(ent.end, token.i - 3) : token.i]
            ):
                return True
        return False

    def _negation_led(self, ent: Span) -> bool:
        """'no respira', "can't breathe" ("ca" "n't"), 'sin fuerzas': a sign that is itself a negation."""
        return (
            ent[0].lower_ in NEGATION_LED
            or ent[0].lower_ in self.adjacent_negations
            or (len(ent) > 1 and ent[1].lower_ in ("n't", "nt"))
        )

    def _questions(self, clauses: List[Span]) -> List[bool]:
        """Whether each clause is a question. A clause cut from a question by "and" or a comma
        ("does it come with fever and ulcers") stays one, unless it names the child."""
        questions: List[bool] = []
        for i, clause in enumerate(clauses):
            inherited = (
                i > 0
                and questions[i - 1]
                and clause.sent.start == clauses[i - 1].sent.start
                and not self._names_child(clause)
            )
            questions.append(self._is_question(clause) or inherited)
        return questions

    def _clauses(self, doc: Doc) -> List[Span]:
        """Sentences, cut at commas and conjunctions (context_terms.yml clause_breaks)."""
        cuts = {0, len(doc)}
        for sent in doc.sents:
            cuts.add(sent.start)
            cuts.add(sent.end)
        for _, start, _ in self.clause_breaks(doc):
            cuts.add(start)
        ordered = sorted(cuts)
        return [doc[a:b] for a, b in zip(ordered, ordered[1:], strict=False) if b > a]

    def _is_question(self, clause: Span) -> bool:
        if any(t.text in ("?", "¿") for t in clause):  # Spanish opens a question with "¿"
            return True
        words = [t for t in clause if not t.is_punct]
        if not words:
            return False
        return any(
            start == words[0].i
            for _, start, _ in self.question_starts(clause.doc)
            if clause.start <= start < clause.end
        )

    def _names_child(self, clause: Span) -> bool:
        """He, she, my son... or the child's own port, line or cut ("is it normal for the port to have pus?").
        Not "a child" or "these kids": that is anyone's child."""
        doc = clause.doc
        for _, start, end in self.child_phrases(doc):
            if clause.start <= start < clause.end:
                before = [t.lower_ for t in doc[max(0, start - 2) : start]]
                if doc[start:end].text.lower() in self.false_friends and not (before and before[-1] in self.owners):
                    continue  # Spanish "son" (they are), not "my son"
                if not any(word in self.generic_determiners for word in before):
                    return True
        return any(ent.label_ == "body_site" and clause.start <= ent.start < clause.end for ent in doc.ents)


def assertion_of(ent: Span) -> Optional[str]:
    return ent._.get(ASSERTION) if ent.label_ in URGENT_LABELS else None
