"""Reading temperatures: from a parent's words, through the entity_ruler and the Rasa server's NLU
reader, to °C and a decision (clinical/triage.py)."""

import pytest

from clinical.temperature import TemperatureReading, UnreadableTemperature, read_temperature
from clinical.vocabulary import (
    ASK_AGAIN,
    CALL_911,
    CALL_NOW_FEVER,
    CALL_NOW_LOW_TEMPERATURE,
    CALL_NOW_READING,
    CALL_NOW_SIGN,
    CONFIRM_URGENT,
    RECHECK,
)

# message, intent, expected °C of the reading used (None: no reading), expected decision
PHRASINGS = [
    ("she has a fever of 101.5", "report_fever", 38.61, CALL_NOW_READING),
    ("38,6 C", "report_fever", 38.6, CALL_NOW_READING),
    ("temp is 102", "report_fever", 38.89, CALL_NOW_READING),
    ("his temp is 100.4F", "report_fever", 38.0, CALL_NOW_READING),
    ("100.4 F", "report_fever", 38.0, CALL_NOW_READING),
    ("38.0 celsius", "report_fever", 38.0, CALL_NOW_READING),
    ("37.9 C", "report_fever", 37.9, RECHECK),
    ("she is 38.5°C", "report_fever", 38.5, CALL_NOW_READING),
    ("thermometer says 38.2 under her arm", "report_fever", 38.2, CALL_NOW_READING),
    ("101 degrees", "report_fever", 38.33, CALL_NOW_READING),
    ("38 degrees", "report_fever", 38.0, CALL_NOW_READING),
    ("39 celsius", "report_fever", 39.0, CALL_NOW_READING),
    ("102 fahrenheit", "report_fever", 38.89, CALL_NOW_READING),
    ("she's at 101 farenheit", "report_fever", 38.33, CALL_NOW_READING),
    ("102f", "report_fever", 38.89, CALL_NOW_READING),
    ("38.5c now", "report_fever", 38.5, CALL_NOW_READING),
    ("39,2", "report_fever", 39.2, CALL_NOW_READING),
    ("fever 101", "report_fever", 38.33, CALL_NOW_READING),
    ("one hundred and one", "report_fever", 38.33, CALL_NOW_READING),
    ("a hundred and two point five", "report_fever", 39.17, CALL_NOW_READING),
    ("thirty eight point five", "report_fever", 38.5, CALL_NOW_READING),
    ("thirty nine celsius", "report_fever", 39.0, CALL_NOW_READING),
    ("temp was 99 an hour ago and now it's 101.3", "report_fever", 38.5, CALL_NOW_READING),
    ("temp is 99.1 is that ok", "report_fever", 37.28, RECHECK),
    # a number nothing explains next to a reading below the threshold: the reading is confirmed
    ("they told us to call at 100.4, she's at 99.8 now", "report_fever", 37.67, RECHECK),
    ("temp 99 and 101", "report_fever", 38.33, CALL_NOW_READING),
    ("he's 100 point 9", "report_fever", 38.28, CALL_NOW_READING),
    ("101 pt 3", "report_fever", 38.5, CALL_NOW_READING),
    ("she's 99.5, if it goes to 101 do I call?", "report_fever", 37.5, RECHECK),
    ("he feels hot, 99.8", "report_fever", 37.67, CALL_NOW_FEVER),  # the parent's words outrank a lower reading
    ("her temperature is 37.4", "report_fever", 37.4, RECHECK),
    ("98.6", "report_fever", 37.0, RECHECK),
    ("she has a fever of 99.5", "report_fever", 37.5, RECHECK),
    ("temp 100.2 F", "report_fever", 37.89, RECHECK),
    ("37,8 c", "report_fever", 37.8, RECHECK),
    ("his temp is 35.5 and he feels cold", "report_fever", 35.5, CALL_NOW_LOW_TEMPERATURE),
    ("95 F and shivering", "report_fever", 35.0, CALL_NOW_LOW_TEMPERATURE),
    ("temp is 55", "report_fever", None, ASK_AGAIN),
    ("temperature 101 C", "report_fever", None, ASK_AGAIN),
    ("temp 38 F", "report_fever", None, ASK_AGAIN),
    ("thermometer says 120", "report_fever", None, ASK_AGAIN),
    ("she has a fever of 55", "report_fever", None, CALL_NOW_FEVER),
    # a bare "1" or "7" (an SMS menu choice, a typo) read as a fever report: the parent is asked
    ("1", "report_fever", None, CONFIRM_URGENT),
    ("7!", "report_fever", None, CONFIRM_URGENT),
    ("he's burning up", "report_fever", None, CALL_NOW_FEVER),
    ("she is running a fever", "report_fever", None, CALL_NOW_FEVER),
    ("feels really hot", "report_fever", None, CALL_NOW_FEVER),
    ("he's shivering", "report_infection_sign", None, CALL_NOW_SIGN),
    ("redness spreading around the cut", "report_infection_sign", None, CALL_NOW_SIGN),
    ("burning when she pees", "report_infection_sign", None, CALL_NOW_SIGN),
    ("temp 99.5 and shaking chills", "report_infection_sign", 37.5, CALL_NOW_SIGN),
    ("her port site has pus", "report_infection_sign", None, CALL_NOW_SIGN),
    ("fever of 101 and she had a seizure", "report_fever", None, CALL_911),
    ("his lips are blue", "report_emergency", None, CALL_911),
    ("I can't wake him up", "report_emergency", None, CALL_911),
    ("she's not breathing", "report_emergency", None, CALL_911),
]


def test_the_table_is_large_enough():
    assert len(PHRASINGS) >= 40


@pytest.mark.parametrize("message,intent,celsius,decision", PHRASINGS)
def test_phrasing_is_read_and_triaged(parse, message, intent, celsius, decision):
    read = parse(message, intent)
    result = read["triage"]
    assert result["decision"] == decision, read["entities"]
    read_celsius = result["reading"] and result["reading"]["celsius"]
    assert read_celsius == (celsius if celsius is None else pytest.approx(celsius, abs=0.01))


@pytest.mark.parametrize(
    "text,unit,inferred",
    [
        ("101.5", "F", True),
        ("38.4", "C", True),
        ("101.5 F", "F", False),
        ("38,4 °C", "C", False),
        ("100 degrees fahrenheit", "F", False),
        ("38 celcius", "C", False),
        ("39°c", "C", False),
    ],
)
def test_unit_is_read_or_inferred_by_range(text, unit, inferred):
    reading = read_temperature(text)
    assert isinstance(reading, TemperatureReading)
    assert (reading.unit, reading.unit_inferred) == (unit, inferred)


@pytest.mark.parametrize("text", ["55", "120", "30", "101 C", "38 F", "12 degrees", "44", "111", "92"])
def test_numbers_that_cannot_be_body_temperatures_are_not_guessed(text):
    assert isinstance(read_temperature(text), UnreadableTemperature)


def test_range_edges_follow_clinical_rules():
    # clinical-rules.md: without a unit, 93-110 is °F and 34-43 is °C
    assert read_temperature("93").unit == "F"
    assert read_temperature("110").unit == "F"
    assert read_temperature("34").unit == "C"
    assert read_temperature("43").unit == "C"


def test_reading_is_described_with_both_units():
    assert read_temperature("101.5 F").describe() == "101.5 °F (38.6 °C)"
    assert read_temperature("38,6").describe() == "38.6 °C (101.5 °F), read as °C"
