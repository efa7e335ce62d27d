"""The held-out gate judges what the parent gets, not only the intent label."""
from tools.nlu_gate import escalation_missed

COUGH = [{"entity": "infection_sign", "value": "coughing"}]
BLUE = [{"entity": "life_threatening_sign", "value": "lips are blue"}]


def test_urgent_message_read_as_urgent_escalates():
    assert not escalation_missed("report_fever", "report_infection_sign", "feels hot and shivery", [])


def test_misread_report_with_sign_words_is_caught_by_the_safety_net():
    assert not escalation_missed("report_infection_sign", "goodbye", "coughing nonstop all night", COUGH)


def test_misread_report_without_sign_words_is_a_miss():
    assert escalation_missed("report_infection_sign", "goodbye", "not right all night", [])
    general = [dict(COUGH[0], assertion="general_question")]
    assert escalation_missed("report_fever", "ask_symptoms", "is a cough a symptom?", general)  # a question: answered


def test_emergency_needs_911():
    assert not escalation_missed("report_emergency", "report_emergency", "help", [])
    assert not escalation_missed("report_emergency", "report_infection_sign", "her lips are blue", BLUE)
    assert escalation_missed("report_emergency", "report_infection_sign", "she went floppy", [])


def test_non_urgent_messages_are_not_judged_here():
    assert not escalation_missed("ask_causes", "ask_symptoms", "what causes it", [])
