"""What a parent must do now, by clinical-rules.md: decided once per message, then per turn.

`triage_message` reads one message: its urgent mentions, each with the verdict the project's spaCy
pipeline gave it (spacy_pipeline/urgent_context.py: reported now, or clearly not, or `unclear`),
and the intent classifier's reading. The Rasa server's NLU reader (addons/nlu/urgent_report_reader.py)
calls it once and puts the result in the message's parse data (`triage`), so the action server
(actions/escalation.py), the safety policy (addons/policies/urgent_safety_policy.py) and the NLU
gate (tools/nlu_gate.py) all render this one decision.

Most urgent first:

  call_911                  a 911 sign reported now
  call_now_reading          a reading at or above the hospital's threshold (also asked as a "what if")
  call_now_low_temperature  a reading below 36 °C
  call_now_sign             a sign of infection reported now
  call_now_fever            a fever in words ("burning up", "feels hot"), even next to a lower reading,
                            or a fever with a number that is not a body temperature
  confirm_urgent            unsure whether the child has it now: the parent is asked (yes / no)
  confirm_reading           a reading below the threshold, but not every number in the message is
                            accounted for: "I read ..., is that right?"
  recheck                   a reading below the threshold, certain, and nothing else urgent
  ask_again                 a number that is not a body temperature and nothing else urgent
  none                      nothing urgent

`decide_turn` puts that decision in the conversation: the answer to a confirmation question just
asked, a call made earlier in the last 24 hours that a lower reading, a doubt or a follow-up now
does not undo (clinical-rules.md: once at or above the threshold is enough, and fever medicine can
hide a fever), and a follow-up about the temperature with no reading ("it's higher now") after an
earlier reading below the threshold, which is asked. The action server and the safety policy
call it with the same turns, so the reply is the same whether the action server answers or not.

Nothing here imports Rasa: both servers and the tools import this package.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from clinical.mentions import READING_MAY_BE_NOW, counted
from clinical.settings import HospitalSettings
from clinical.temperature import TemperatureReading, UnreadableTemperature, only_number_words, read_temperature
from clinical.vocabulary import (
    ASK_AGAIN,
    ASK_WHEN_TO_CALL,
    ASSERTION,
    CALL_911,
    CALL_NOW_CAME_DOWN,
    CALL_NOW_DECISIONS,
    CALL_NOW_FEVER,
    CALL_NOW_LOW_TEMPERATURE,
    CALL_NOW_READING,
    CALL_NOW_SIGN,
    CONFIRM_DECISIONS,
    CONFIRM_READING,
    CONFIRM_URGENT,
    DECISION_SLOT,
    FEVER_PHRASE,
    INFECTION_SIGN,
    LIFE_THREATENING_SIGN,
    NEGATED,
    NO_DECISION,
    RECHECK,
    REPORT_EMERGENCY,
    REPORT_FEVER,
    REPORT_INFECTION_SIGN,
    REPORTED,
    TEMPERATURE,
    TRIAGE_KEY,
    UNCLEAR,
    URGENT_ENTITIES,
)

# clinical-rules.md: "temperature below 36 °C" is a sign of infection
LOW_TEMPERATURE_C = 36.0
# "fever of 55", "tiene 55 de fiebre", "calentura de 48": the entity_ruler labels the whole span a
# temperature, but the parent said fever ("febr" also covers febrile, febril, febrícula)
FEVER_WORD = re.compile(r"\b(fever|feaver|fevr|febr|fiebr|fievre|calentur|afiebr)", re.IGNORECASE)
# A conversation remembers a call for this long (clinical-rules.md: once is enough).
MEMORY_SECONDS = 24 * 60 * 60
# A follow-up about the temperature with no reading and no fever word ("retook it, it's higher
# now", "it still hasn't come down", "we just crossed the number", "la volví a tomar y está más
# alta"): it means something only after an earlier turn about a temperature, so it is read only
# then. After a call it is the call again; after a lower reading, the parent is asked.
TEMPERATURE_FOLLOW_UP = re.compile(
    r"\b(?:higher|warmer|(?:went|gone|goes|going|go|shot|crept|creeping|creeps|back|it's|its) up|"
    r"ris(?:e|es|ing)|rose|climb(?:s|ed|ing)?|spik(?:e|es|ed|ing)|jump(?:s|ed|ing)?|crossed|reached|"
    r"over the (?:line|limit|number|threshold|mark)|still (?:up|high|there|hot|warm|the same|going up|rising)|"
    r"(?:hasn'?t|has not|haven'?t|won'?t|will not|didn'?t|did not|isn'?t|is not|not|never) "
    r"(?:(?:come|coming|came|gone|going|went|broken|breaking|broke|dropped|dropping)(?: \w+)? down|budg(?:ed|ing|e))|"
    r"came back|come back|comes back|coming back|back again|stayed the same|same (?:reading|number|temp\w*)|"
    r"m[aá]s (?:alt[oa]|caliente)|sub(?:i[oó]|e|en|iendo|ido|ieron)|no (?:le |se )?(?:ha )?baj(?:a|ó|o|ado)|"
    r"sigue (?:alt[oa]|igual|subiendo|caliente|con)|pas[oó] (?:de|del)|lleg[oó] a)\b",
    re.IGNORECASE,
)
# After a call, a question whether to call, wait, go in or give fever medicine first ("should i
# give tylenol and wait?", "le doy paracetamol primero y ya después llamo?"): the call again, which
# says not to wait and to give no fever medicine unless the team says so. Read only after a call
# and only in a question (a question intent or a question mark): "thanks, calling now" is not one.
CALL_OR_WAIT_QUESTION = re.compile(
    r"\b(?:call(?:s|ing|ed)?|ring|phone|wait(?:ing)?|go in|go to the (?:er|ed|hospital|emergency)|"
    r"take (?:him|her|them) in|"
    r"tylenol|motrin|advil|calpol|ibuprofen|acetaminophen|paracetamol|fever (?:medicine|reducer)|"
    r"llam(?:o|a|ar|amos|arlos|arles|e)|esper(?:o|ar|amos|e)|ir (?:a|al) (?:urgencias|hospital|la guardia)|"
    r"llev(?:arl[oa]|o|amos)|ibuprofeno|dalsy|apiretal|tempra|antit[eé]rmico|medicina para la fiebre)\b",
    re.IGNORECASE,
)
# The classifier's emergency reading outranks a sign the patterns found when it is at least this sure.
CLASSIFIER_SURE = 0.5
# What a confirmed urgent intent of the classifier calls for.
DECISION_FOR_INTENT = {REPORT_EMERGENCY: CALL_911, REPORT_FEVER: CALL_NOW_FEVER, REPORT_INFECTION_SIGN: CALL_NOW_SIGN}
# A "no" to the urgent question: answer what the parent asked.
ANSWER_THE_QUESTION = "answer"
# the topic questions of domain.yml (ask_what_is_neutropenia ... ask_not_covered)
QUESTION_INTENT_PREFIX = "ask_"


@dataclass(frozen=True)
class Triage:
    """One decision (clinical/vocabulary.py DECISIONS, or none) and what its reply shows."""

    decision: str = NO_DECISION
    reading: Optional[TemperatureReading] = None
    # confirm_*: the decision a "yes" gets, and a "no"
    if_yes: Optional[str] = None
    if_no: Optional[str] = None
    # the message spoke of a fever or a temperature at all (reported or not): "do I still call?"
    about_fever: bool = False
    # why it asks: "unclear_mention", "classifier", "reading"
    reason: str = ""
    # confirm_urgent: the intent a "no" is answered with (the classifier's best non-urgent guess)
    answer_intent: Optional[str] = None

    @property
    def urgent(self) -> bool:
        return self.decision in CALL_NOW_DECISIONS

    def reading_text(self, language: str = "en") -> Optional[str]:
        """The reading as the reply shows it, in the conversation's language."""
        return self.reading.describe(language) if self.reading else None

    def as_dict(self) -> Dict[str, Any]:
        """Plain data for the message's parse data (JSON in the tracker store)."""
        data = asdict(self)
        data["reading"] = asdict(self.reading) if self.reading else None
        return data

    @classmethod
    def from_dict(cls, data: Optional[Dict[str, Any]]) -> "Triage":
        if not data:
            return cls()
        reading = data.get("reading")
        return cls(
            decision=data.get("decision") or NO_DECISION,
            reading=TemperatureReading(**reading) if reading else None,
            if_yes=data.get("if_yes"),
            if_no=data.get("if_no"),
            about_fever=bool(data.get("about_fever")),
            reason=data.get("reason") or "",
            answer_intent=data.get("answer_intent"),
        )


def _values(mentions: Iterable[Dict[str, Any]], label: str) -> List[str]:
    return [str(m.get("value", "")) for m in mentions if m.get("entity") == label]


# --- is the reading certain? -----------------------------------------------------------------
# A number that says what it counts is not a temperature: "3 days", "2 kids", "800 anc", "5 ml".
_NUMBER = re.compile(r"(?<![\w.,'’])\d+(?:[.,'’]\d+)?(?![\w])")
_NOT_TEMPERATURE_UNITS = re.compile(
    r"^\s*(?:-\s*)?(?:%|x\b|am\b|pm\b|a\.m|p\.m|h\b|hrs?\b|hours?\b|horas?\b|min|days?\b|d[ií]as?\b|weeks?\b|"
    r"semanas?\b|months?\b|mes(?:es)?\b|years?\b|yrs?\b|a[nñ]os?\b|yo\b|y/o\b|lbs?\b|pounds?\b|libras?\b|kg\b|kilos?\b|"
    r"g\b|mg\b|ml\b|mcg\b|cc\b|units?\b|doses?\b|dosis\b|times?\b|veces\b|kids?\b|children\b|ni[nñ]os?\b|"
    r"hijos?\b|cells?\b|c[eé]lulas?\b|o'?clock\b|:\d)",
    re.IGNORECASE,
)
# the words before a number that make it a count or a lab value: "anc 800", "neutrophils were 95"
_NOT_TEMPERATURE_BEFORE = re.compile(
    r"(?:anc|count|counts|neutrophils?|neutr[oó]filos?|wbc|platelets?|plaquetas|hemoglobin|hemoglobina|"
    r"hgb|labs?|bloodwork|results?|resultados?|dose|dosis|age|edad|weighs?|pesa|room|cuarto|\$|#|no\.)"
    r"\W{0,3}(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
# a decimal said after the number the reading took: "100 point 9", "101 pt 3", "38 coma 4"
_DECIMAL_CONTINUES = re.compile(r"^\s*(?:point|pt|punto|coma|con|[.,'’])\s*\w", re.IGNORECASE)
BODY_RANGES = ((34.0, 43.0), (93.0, 110.0))


def _looks_like_body_temperature(value: float) -> bool:
    return any(low <= value <= high for low, high in BODY_RANGES)


def unaccounted_numbers(text: str, mentions: Sequence[Dict[str, Any]]) -> List[str]:
    """Numbers in the message that could be a temperature but no mention explains: a reading the
    pipeline did not see, or a decimal it left behind ("100 point 9" read as 100)."""
    spans = [(int(m.get("start", -1)), int(m.get("end", -1))) for m in mentions if m.get("entity") in URGENT_ENTITIES]
    found = []
    for match in _NUMBER.finditer(text):
        if any(start <= match.start() < end for start, end in spans):
            continue
        before, after = text[: match.start()], text[match.end() :]
        if _NOT_TEMPERATURE_UNITS.match(after) or _NOT_TEMPERATURE_BEFORE.search(before):
            continue
        right_after_a_mention = any(0 <= match.start() - end <= 8 for _, end in spans)
        value = float(re.sub(r"[,'’]", ".", match.group()))
        if _looks_like_body_temperature(value) or right_after_a_mention:
            found.append(match.group())
    for _, end in spans:
        if end > 0 and _DECIMAL_CONTINUES.match(text[end:]) and re.match(r"^\s*\S+\s*\d", text[end:]):
            found.append(text[end : end + 12].strip())
    return found


# --- one message ------------------------------------------------------------------------------
def triage_message(
    mentions: Sequence[Dict[str, Any]],
    settings: HospitalSettings,
    text: str = "",
    classifier_intent: Optional[str] = None,
    classifier_confidence: float = 0.0,
) -> Triage:
    """Decides what a parent must do now for one message, most urgent first (module docstring).

    mentions: the message's entities (Rasa's form: entity, value, start, end) with the pipeline's
    verdict under `assertion`; classifier_intent, classifier_confidence: the intent classifier's
    best guess.
    """
    about_fever = bool(_values(mentions, TEMPERATURE) or _values(mentions, FEVER_PHRASE))
    decided = _decide(counted(mentions), mentions, settings, text)
    if decided.urgent and classifier_intent == REPORT_EMERGENCY and classifier_confidence >= CLASSIFIER_SURE:
        # the classifier is sure of an emergency the patterns name only as a sign ("baby turned a
        # grey colour and is floppy"): the most urgent reading wins
        return Triage(CALL_911, about_fever=about_fever)
    unclear = [m for m in mentions if m.get("entity") in URGENT_ENTITIES and _may_be_now(m)]
    if decided.urgent and decided.decision != CALL_911 and _values(unclear, LIFE_THREATENING_SIGN):
        # a 911 sign that may be the child's, next to a call reported now: the most urgent wins
        return Triage(CALL_911, about_fever=about_fever)
    if decided.decision != NO_DECISION:
        return _with(decided, about_fever=about_fever)
    # the decision if the parent says yes: the unclear mentions read as reported
    if_yes = _decide([{**m, ASSERTION: REPORTED} for m in unclear], mentions, settings, text)
    signs = [m for m in unclear if m.get("entity") != TEMPERATURE]
    if if_yes.urgent and signs:
        return Triage(
            CONFIRM_URGENT,
            if_yes=if_yes.decision,
            if_no=ANSWER_THE_QUESTION,
            reading=if_yes.reading,
            about_fever=about_fever,
            reason="unclear_mention",
        )
    if if_yes.decision in (RECHECK, CONFIRM_READING) and any(
        m.get("entity") in (FEVER_PHRASE, INFECTION_SIGN) and m.get(ASSERTION) == NEGATED for m in mentions
    ):
        # "sin fiebre, 36,8 en la mañana", "marca 37,3 ... sin tos ni nada": a reading below the
        # threshold that may be of another time, beside the parent's own "no fever" or "no cough":
        # now or then, it is below the threshold, so the recheck advice (which says to call if it
        # reaches the threshold or a sign appears), without the question whether it was today's
        return Triage(RECHECK, reading=if_yes.reading, about_fever=about_fever)
    if if_yes.reading and if_yes.decision in (CALL_NOW_READING, CALL_NOW_LOW_TEMPERATURE, RECHECK, CONFIRM_READING):
        # a reading that may be the child's: "was that your child's temperature today?" (once is enough)
        return Triage(
            CONFIRM_READING,
            if_yes=RECHECK if if_yes.decision == CONFIRM_READING else if_yes.decision,
            if_no=ANSWER_THE_QUESTION if if_yes.urgent else ASK_AGAIN,
            reading=if_yes.reading,
            about_fever=about_fever,
            reason="unclear_reading",
        )
    urgent_guess = DECISION_FOR_INTENT.get(classifier_intent or "")
    if urgent_guess and not [m for m in mentions if m.get("entity") in URGENT_ENTITIES]:
        # the classifier reads a report ("she's just off today") where the rules find no urgent
        # word: the readers disagree, so ask, never guess
        return Triage(
            CONFIRM_URGENT,
            if_yes=urgent_guess,
            if_no=ANSWER_THE_QUESTION,
            about_fever=about_fever,
            reason="classifier",
        )
    return Triage(about_fever=about_fever)


def _may_be_now(mention: Dict[str, Any]) -> bool:
    """A mention a cue may or may not govern; for a reading also one in a question or a "what if"."""
    if mention.get("entity") == TEMPERATURE:
        return mention.get(ASSERTION) in READING_MAY_BE_NOW
    return mention.get(ASSERTION) == UNCLEAR


def _with(triage: Triage, **changes: Any) -> Triage:
    return Triage(**{**triage.__dict__, **changes})


def _decide(
    reported: Sequence[Dict[str, Any]], mentions: Sequence[Dict[str, Any]], settings: HospitalSettings, text: str
) -> Triage:
    """clinical-rules.md applied to the mentions reported now."""
    if _values(reported, LIFE_THREATENING_SIGN):
        return Triage(CALL_911)
    readings: List[TemperatureReading] = []
    unreadable: Optional[UnreadableTemperature] = None
    for value in _values(reported, TEMPERATURE):
        result = read_temperature(value)
        if isinstance(result, TemperatureReading):
            readings.append(result)
        elif unreadable is None and not only_number_words(value):  # "a four visit week"
            unreadable = result
    highest = max(readings, key=lambda r: r.celsius, default=None)
    lowest = min(readings, key=lambda r: r.celsius, default=None)
    if highest and highest.celsius >= settings.fever_threshold_c:
        return Triage(CALL_NOW_READING, reading=highest)
    if lowest and lowest.celsius < LOW_TEMPERATURE_C:
        return Triage(CALL_NOW_LOW_TEMPERATURE, reading=lowest)
    if _values(reported, INFECTION_SIGN):
        return Triage(CALL_NOW_SIGN, reading=highest)
    if _values(reported, FEVER_PHRASE) or (unreadable and FEVER_WORD.search(unreadable.text)):
        # a fever in words is treated as at or above the threshold, even next to a lower reading
        # ("he feels hot, 99.8"): the parent's words and the thermometer disagree; never reassure
        return Triage(CALL_NOW_FEVER, reading=highest)
    if highest:
        if unaccounted_numbers(text, mentions) or any(m.get(ASSERTION) == UNCLEAR for m in mentions):
            return Triage(CONFIRM_READING, reading=highest, if_yes=RECHECK, if_no=ASK_AGAIN, reason="reading")
        return Triage(RECHECK, reading=highest)
    if unreadable:
        return Triage(ASK_AGAIN)
    return Triage()


# --- the conversation ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Turn:
    """One earlier parent message of the conversation, as both servers read it from the tracker:
    its own triage (the parse data's), its intent, and the decision the turn got (the
    `triage_decision` slot set after it, None when it got none)."""

    timestamp: float
    triage: Triage
    intent: Optional[str] = None
    decision: Optional[str] = None


# "no sé", "not sure": neither yes nor no (to "does your child have it now?" that is a call)
_UNSURE = re.compile(
    r"^\W*(no s[eé]|no lo s[eé]|not sure|no idea|idk|dunno|i don'?t know|maybe|quiz[aá]s?|tal vez)\b", re.IGNORECASE
)
_YES = re.compile(r"^\W*(y|ya|yes|yeah|yep|yup|yea|si|sí|claro|correct|right|1|s)\b", re.IGNORECASE)
_NO = re.compile(r"^\W*(n|no|nope|nah|not|2)\b", re.IGNORECASE)


def read_yes_no(text: str) -> Optional[bool]:
    """A reply to "does your child have it now?": True (yes, sí, 1), False (no, nope, 2), or None."""
    if _UNSURE.match(text or ""):
        return None
    if _NO.match(text or ""):
        return False
    if _YES.match(text or ""):
        return True
    return None


@dataclass(frozen=True)
class TurnDecision:
    """What this turn gets: a decision (a key of clinical/vocabulary.py RESPONSE_FOR_DECISION, or
    none), or ANSWER_THE_QUESTION with the intent of the message the parent said "no" about."""

    decision: str
    triage: Triage = field(default_factory=Triage)
    answer_intent: Optional[str] = None


# The question a follow-up about the temperature gets ("does your child have a fever now?"): yes
# is a call; no answers what the parent asked (or when to call).
FOLLOW_UP_QUESTION = Triage(CONFIRM_URGENT, if_yes=CALL_NOW_FEVER, if_no=ANSWER_THE_QUESTION, reason="follow_up")
# the decisions of a turn that spoke of a temperature below the threshold or not read
_TEMPERATURE_TALK = (RECHECK, CONFIRM_READING, ASK_AGAIN)


def decide_turn(
    current: Triage, text: str, now: float, earlier: Sequence[Turn], intent: Optional[str] = None
) -> TurnDecision:
    """This message's decision in the conversation. `earlier` are the parent's previous messages,
    oldest first, the last one right before this; `now` and their timestamps in seconds."""
    previous = earlier[-1] if earlier else None
    if previous and previous.decision in CONFIRM_DECISIONS and not current.urgent:
        # the question came from the message, or else from the conversation (a follow-up)
        asked_by_conversation = previous.decision == CONFIRM_URGENT and previous.triage.decision != CONFIRM_URGENT
        pending = FOLLOW_UP_QUESTION if asked_by_conversation else previous.triage
        answer = read_yes_no(text)
        if answer is False:
            if pending.if_no == ANSWER_THE_QUESTION:
                return TurnDecision(
                    ANSWER_THE_QUESTION, pending, answer_intent=pending.answer_intent or previous.intent
                )
            if pending.if_no == ASK_AGAIN and (pending.answer_intent or "").startswith(QUESTION_INTENT_PREFIX):
                # "no, that was not her temperature" after "her anc was 100 again, is that severe?":
                # the number was a lab value, and the parent asked a question: answer it
                return TurnDecision(ANSWER_THE_QUESTION, pending, answer_intent=pending.answer_intent)
            return TurnDecision(pending.if_no or ASK_AGAIN, pending)
        if answer is True:
            return TurnDecision(pending.if_yes or CALL_NOW_FEVER, pending)
        if current.decision == NO_DECISION:
            # neither yes nor no: a call when the question was about one (safety first); about a
            # reading below the threshold, the reading asked again, never a recheck
            unsure = pending.if_yes if pending.if_yes in CALL_NOW_DECISIONS else pending.if_no
            return TurnDecision(unsure or CALL_NOW_FEVER, pending)
    if current.urgent or (current.decision == CONFIRM_URGENT and current.if_yes == CALL_911):
        return TurnDecision(current.decision, current)
    follow_up = current.decision == NO_DECISION and bool(TEMPERATURE_FOLLOW_UP.search(text))
    question = "?" in text or (intent or "").startswith(QUESTION_INTENT_PREFIX)
    # after a call, a doubt whether the child has it now needs no question: the call stands
    came_down = (
        follow_up
        or current.decision in (RECHECK, CONFIRM_READING, CONFIRM_URGENT)
        or (current.decision == NO_DECISION and (current.about_fever or intent == ASK_WHEN_TO_CALL))
        or (current.decision == NO_DECISION and question and bool(CALL_OR_WAIT_QUESTION.search(text)))
    )
    called = _recent_call(earlier, now) if came_down else None
    if called:
        return TurnDecision(CALL_NOW_CAME_DOWN, _with(current, reading=current.reading or called.reading))
    if follow_up and _spoke_of_temperature(earlier, now):
        return TurnDecision(CONFIRM_URGENT, FOLLOW_UP_QUESTION)
    return TurnDecision(current.decision, current)


def _spoke_of_temperature(earlier: Sequence[Turn], now: float) -> bool:
    """An earlier turn of the last 24 hours spoke of the child's temperature."""
    return any(
        now - turn.timestamp <= MEMORY_SECONDS and (turn.triage.about_fever or turn.decision in _TEMPERATURE_TALK)
        for turn in earlier
    )


def _recent_call(earlier: Sequence[Turn], now: float) -> Optional[Triage]:
    """The latest Call-now turn of the last 24 hours (not a 911 call: after it, "it came down" is
    not the question), or None."""
    for turn in reversed(earlier):
        if now - turn.timestamp > MEMORY_SECONDS or turn.decision == CALL_911:
            return None
        if turn.decision in CALL_NOW_DECISIONS:
            return turn.triage
    return None


def turns_from_events(events: Iterable[Dict[str, Any]]) -> Tuple[List[Turn], Optional[Dict[str, Any]]]:
    """A tracker's events (as dicts, oldest first) as the parent's earlier turns of this session,
    and the latest parent message apart (the one being answered). Both servers call this: the
    action server gets dicts, the Rasa server converts its user and slot events."""
    messages: List[List[Any]] = []  # [user event, the decision slot set after it]
    for event in events:
        kind = event.get("event")
        if kind == "session_started":
            messages = []
        elif kind == "user":
            messages.append([event, None])
        elif kind == "slot" and event.get("name") == DECISION_SLOT and event.get("value") and messages:
            messages[-1][1] = event["value"]
    if not messages:
        return [], None
    return [_turn(event, decision) for event, decision in messages[:-1]], messages[-1][0]


def _turn(event: Dict[str, Any], decision: Optional[str]) -> Turn:
    parse = event.get("parse_data") or {}
    return Turn(
        timestamp=float(event.get("timestamp") or 0.0),
        triage=Triage.from_dict(parse.get(TRIAGE_KEY)),
        intent=(parse.get("intent") or {}).get("name"),
        decision=decision,
    )
