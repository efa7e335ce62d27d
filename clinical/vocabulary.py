"""The urgent vocabulary: every name the fever, infection-sign and 911 path is built from.

One place for the intent names, entity labels, assertion values, slot, action, decision values
and response names that the action server (actions/escalation.py), the Rasa server's NLU reader
and safety policy (addons/nlu/urgent_report_reader.py, addons/policies/urgent_safety_policy.py), the content
gates (tools/nlu_gate.py, tools/blind_evaluation.py) and the tests all read. YAML cannot
import Python: tests/unit/test_urgent_vocabulary.py checks that domain.yml, data/ and the spaCy
pipeline's patterns use exactly these names, so a rename in one place fails there, not in a
parent's conversation.

Plain constants only, no import: both server images copy actions/ (deploy/Dockerfile.*), and the
Rasa server imports this module without rasa_sdk's action server.
"""

from __future__ import annotations

# --- intents (domain.yml, data/nlu/urgent.yml, data/rules/urgent.yml) -----------------
REPORT_FEVER = "report_fever"
REPORT_INFECTION_SIGN = "report_infection_sign"
REPORT_EMERGENCY = "report_emergency"
URGENT_INTENTS = frozenset({REPORT_FEVER, REPORT_INFECTION_SIGN, REPORT_EMERGENCY})

# Informational intents whose answer is itself safe for a parent reporting something urgent:
# when to call, personal advice (both give the care team's number) and how to reach the team.
ASK_WHEN_TO_CALL = "ask_when_to_call"
ASK_PERSONAL_MEDICAL_ADVICE = "ask_personal_medical_advice"
ASK_CONTACT_CARE_TEAM = "ask_contact_care_team"
CARE_INTENTS = frozenset({ASK_WHEN_TO_CALL, ASK_PERSONAL_MEDICAL_ADVICE, ASK_CONTACT_CARE_TEAM})

# --- entity labels (domain.yml, spacy_pipeline/entity_patterns.jsonl) -----------------
TEMPERATURE = "temperature"
FEVER_PHRASE = "fever_phrase"
INFECTION_SIGN = "infection_sign"
LIFE_THREATENING_SIGN = "life_threatening_sign"
# the labels whose mentions are triaged (spacy_pipeline/urgent_context.py's URGENT_LABELS)
URGENT_ENTITIES = (TEMPERATURE, FEVER_PHRASE, INFECTION_SIGN, LIFE_THREATENING_SIGN)

# --- each urgent entity's verdict (spacy_pipeline/urgent_context.py sets it) ------------------
ASSERTION = "assertion"  # the key in a message's entity
REPORTED = "reported"  # the parent reports it now: it escalates
HYPOTHETICAL = "hypothetical"
GENERAL_QUESTION = "general_question"
RESOLVED = "resolved"  # "the fever went down": gone now
THRESHOLD = "threshold"  # a number someone set as the line: "they told us to call at 100.4"
# a context phrase may apply to the mention, or may not ("fever and cough two weeks ago" for the
# fever): the parent is asked whether the child has it now
UNCLEAR = "unclear"
NEGATED = "negated"  # "no fever", "sin fiebre"
# why a mention is clearly not reported now
NOT_REPORTED = (
    NEGATED,
    RESOLVED,
    "historical",
    "other_person",
    HYPOTHETICAL,
    "not_a_temperature",
    THRESHOLD,
    "modifier",
    GENERAL_QUESTION,
)
ASSERTIONS = (REPORTED, UNCLEAR, *NOT_REPORTED)

# --- the one urgency decision of a message (clinical/triage.py), in its parse data ----------
TRIAGE_KEY = "triage"

# --- the escalation action and what it sets (domain.yml) -----------------------------------
ESCALATION_ACTION = "action_escalate_fever"
DECISION_SLOT = "triage_decision"
READING_SLOT = "temperature_reading"

# values of DECISION_SLOT, most urgent first; each has a rule in data/rules/urgent.yml
CALL_911 = "call_911"
CALL_NOW_READING = "call_now_reading"  # a reading at or above the hospital's threshold
CALL_NOW_LOW_TEMPERATURE = "call_now_low_temperature"  # below 36 °C is a sign of infection
CALL_NOW_SIGN = "call_now_sign"  # a sign of infection, with or without fever
CALL_NOW_FEVER = "call_now_fever"  # a fever reported without a number we could read
# an earlier Call now (the last 24 hours) that a lower reading or "do I still call?" does not undo
CALL_NOW_CAME_DOWN = "call_now_came_down"
CONFIRM_URGENT = "confirm_urgent"  # unsure whether the child has it now: ask
CONFIRM_READING = "confirm_reading"  # a reading below the threshold not read for certain: ask
RECHECK = "recheck"  # a reading below the threshold, certain, and no other sign
ASK_AGAIN = "ask_again"  # a number that cannot be a body temperature, nothing else urgent
NO_DECISION = "none"  # nothing urgent (never a slot value)
DECISIONS = (
    CALL_911,
    CALL_NOW_READING,
    CALL_NOW_LOW_TEMPERATURE,
    CALL_NOW_SIGN,
    CALL_NOW_FEVER,
    CALL_NOW_CAME_DOWN,
    CONFIRM_URGENT,
    CONFIRM_READING,
    RECHECK,
    ASK_AGAIN,
)
CALL_NOW_DECISIONS = frozenset(
    {CALL_911, CALL_NOW_READING, CALL_NOW_LOW_TEMPERATURE, CALL_NOW_SIGN, CALL_NOW_FEVER, CALL_NOW_CAME_DOWN}
)
CONFIRM_DECISIONS = frozenset({CONFIRM_URGENT, CONFIRM_READING})

# --- the replies (data/responses/urgent.yml) ------------------------------------------------
CALL_911_RESPONSE = "utter_call_911_now"
CALL_NOW_READING_RESPONSE = "utter_call_now_reading"
CALL_NOW_LOW_TEMPERATURE_RESPONSE = "utter_call_now_low_temperature"
CALL_NOW_SIGN_RESPONSE = "utter_call_now_sign"
CALL_NOW_FEVER_RESPONSE = "utter_call_now_fever"
CALL_NOW_CAME_DOWN_RESPONSE = "utter_call_now_came_down"
CONFIRM_URGENT_RESPONSE = "utter_confirm_urgent"
CONFIRM_READING_RESPONSE = "utter_confirm_reading"
RECHECK_RESPONSE = "utter_recheck_temperature"
ASK_AGAIN_RESPONSE = "utter_ask_temperature_again"
# the reply the rules in data/rules/urgent.yml give for each decision
RESPONSE_FOR_DECISION = {
    CALL_911: CALL_911_RESPONSE,
    CALL_NOW_READING: CALL_NOW_READING_RESPONSE,
    CALL_NOW_LOW_TEMPERATURE: CALL_NOW_LOW_TEMPERATURE_RESPONSE,
    CALL_NOW_SIGN: CALL_NOW_SIGN_RESPONSE,
    CALL_NOW_FEVER: CALL_NOW_FEVER_RESPONSE,
    CALL_NOW_CAME_DOWN: CALL_NOW_CAME_DOWN_RESPONSE,
    CONFIRM_URGENT: CONFIRM_URGENT_RESPONSE,
    CONFIRM_READING: CONFIRM_READING_RESPONSE,
    RECHECK: RECHECK_RESPONSE,
    ASK_AGAIN: ASK_AGAIN_RESPONSE,
}
# the replies that raise the alarm: "Call 911 now" or "Call now"
ALARM_RESPONSES = frozenset(RESPONSE_FOR_DECISION[d] for d in CALL_NOW_DECISIONS)
# the questions asked when it is unclear whether the child has a fever or sign now, or the reading
CONFIRM_RESPONSES = frozenset(RESPONSE_FOR_DECISION[d] for d in CONFIRM_DECISIONS)
