"""clinical/phone_numbers.py, the one reading of phone numbers: which setting is a number a parent
can dial, and which numbers a text holds (the log filter, the review's masking and the content
checks replace or name exactly these)."""

import pytest

from clinical.phone_numbers import find_phone_numbers, is_dialable, replace_phone_numbers


@pytest.mark.parametrize(
    "number", ["(555) 010-0140", "+1 555 010 0140", "555.010.0140", "(555) 010-0140 ext. 12", "+44 20 7946 0958"]
)
def test_a_whole_number_with_its_area_or_country_code_is_dialable(number):
    assert is_dialable(number)


@pytest.mark.parametrize("text", ["call the nurse", "12", "911", "010-0140", "555 010 0140 or 555 010 0199", ""])
def test_text_a_short_code_a_local_number_or_two_numbers_are_not_dialable(text):
    assert not is_dialable(text)


@pytest.mark.parametrize(
    "number",
    [
        "+15551234567",
        "(555) 010-0123",
        "555-010-0123",
        "555.010.0123",
        "5550100123",
        "555 0100",
        "+44 20 7946 0958",
        "+34 612 34 56 78",
        "612345678",
        "55 1234 5678",
    ],
)
def test_numbers_in_the_formats_parents_write_are_found(number):
    text = f"from {number}, thanks"
    [(start, end)] = find_phone_numbers(text)
    assert text[start:end] == number


@pytest.mark.parametrize(
    "text",
    [
        "Starting on http://127.0.0.1:5005",
        "2026-11-29 09:21:50,123",
        "2026-12-07T15:20:01.123456",
        "Rasa 3.6.21",
        "took 0.123 s",
        "1732875123.456",
        "101.5 °F (38.6 °C)",
        "readings 38.5 38.9 39.1 since lunch",
        "ANC below 1,500, or 500 to 1,000",
        "call 911",
        "2 of 50 conversations",
        "she was born on 12/03/2024",
    ],
)
def test_addresses_dates_times_versions_readings_and_counts_are_not_numbers(text):
    assert find_phone_numbers(text) == []


def test_each_number_is_replaced_once_and_the_rest_kept():
    text = "whatsapp:+1 555 123 4567 at 2026-12-07T15:20:01Z, or 612345678"
    assert replace_phone_numbers(text, "[phone]") == "whatsapp:[phone] at 2026-12-07T15:20:01Z, or [phone]"
