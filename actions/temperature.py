"""Reading a temperature from what a parent typed.

The spaCy entity_ruler (spacy_pipeline/entity_patterns.jsonl) finds the span ("fever of 101.5",
"38,6 C", "one hundred and one", "102f"); this module turns that span into degrees Celsius,
following the rules in clinical-rules.md:

* units: °F, °C, F, C, degrees, fahrenheit, celsius (and common misspellings);
* without a unit: 93 to 110 is Fahrenheit, 34 to 43 is Celsius; anything else is not a body
  temperature and is asked again, never guessed;
* decimal comma ("38,4") and number words ("one hundred and one", "thirty eight point five").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple, Union

FAHRENHEIT_WITHOUT_UNIT = (93.0, 110.0)
CELSIUS_WITHOUT_UNIT = (34.0, 43.0)
# A reading with an explicit unit must still be a body temperature once converted; the bounds
# are the unit-less ranges above expressed in °C (93 °F = 33.9 °C, 110 °F = 43.3 °C).
BODY_RANGE_C = (33.8, 43.4)

_DIGITS = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{1,2})?)(?![\d])")
_FAHRENHEIT = re.compile(r"(?:^|[\s\d°º])(?:°|º)?\s*(?:f|fahrenheit|farenheit|fahrenheight)\b", re.IGNORECASE)
_CELSIUS = re.compile(r"(?:^|[\s\d°º])(?:°|º)?\s*(?:c|celsius|celcius|centigrade)\b", re.IGNORECASE)

_UNITS_WORDS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}


@dataclass(frozen=True)
class TemperatureReading:
    """A body temperature read from a message."""

    stated: float  # the number as the parent gave it
    unit: str  # "C" or "F": the unit the number is in
    unit_inferred: bool  # True when the parent gave no unit and the range decided it
    celsius: float

    @property
    def fahrenheit(self) -> float:
        return self.celsius * 9 / 5 + 32

    def describe(self) -> str:
        """'101.5 °F (38.6 °C)', with the unit we assumed said out loud when it was inferred."""
        stated = f"{self.stated:g}"
        if self.unit == "F":
            text = f"{stated} °F ({self.celsius:.1f} °C)"
        else:
            text = f"{stated} °C ({self.fahrenheit:.1f} °F)"
        return text + (", read as °" + self.unit if self.unit_inferred else "")


@dataclass(frozen=True)
class UnreadableTemperature:
    """A number that cannot be a body temperature; the parent is asked again."""

    text: str
    reason: str


def _words_to_number(text: str) -> Optional[float]:
    """'one hundred and one' -> 101, 'thirty eight point five' -> 38.5, 'one oh one point eight'
    -> 101.8 (digits read one by one), 'thirty-seven and a half' -> 37.5, else None."""
    words = [w for w in re.split(r"[\s\-]+", text.lower()) if w]
    half = "half" in words
    if half:
        words = words[:words.index("half")]
        while words and words[-1] in ("and", "a"):
            words.pop()
    integer_words, decimal_words = words, []
    if "point" in words:
        at = words.index("point")
        integer_words, decimal_words = words[:at], words[at + 1:]
    number_words = [w for w in integer_words if w in _UNITS_WORDS or w in _TENS_WORDS or w == "hundred"]
    if len(number_words) >= 2 and all(w in _UNITS_WORDS and _UNITS_WORDS[w] < 10 for w in number_words):
        # "one oh one", "three eight": the way a reading is said digit by digit
        total = float("".join(str(_UNITS_WORDS[w]) for w in number_words))
    else:
        total, current, seen = 0, 0, False
        for word in integer_words:
            if word in ("and",):
                continue
            if word == "a":
                current = current or 1
                continue
            if word in _UNITS_WORDS:
                current += _UNITS_WORDS[word]
            elif word in _TENS_WORDS:
                current += _TENS_WORDS[word]
            elif word == "hundred":
                current = (current or 1) * 100
            else:
                continue  # not a number word: context such as "temp is"
            seen = True
        if not seen:
            return None
        total = float(total + current)
    if decimal_words:
        digits = [str(_UNITS_WORDS[w]) for w in decimal_words if w in _UNITS_WORDS and _UNITS_WORDS[w] < 10]
        if digits:
            total = float(f"{int(total)}.{''.join(digits)}")
    if half:
        total += 0.5
    return total


_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(list(_UNITS_WORDS) + list(_TENS_WORDS) + ["hundred", "point"]) + r")\b", re.IGNORECASE
)


def _number_and_rest(text: str) -> Tuple[Optional[float], str]:
    """The number in the span, and the text after it (where a unit would be)."""
    match = _DIGITS.search(text)
    if match:
        return float(match.group(1).replace(",", ".")), text[match.start(1):]
    words = list(_NUMBER_WORD.finditer(text))
    if not words:
        return None, ""
    return _words_to_number(text), text[words[-1].end():]


def _unit(after_number: str) -> Optional[str]:
    """'F' or 'C' when the text after the number names a unit ("101 F", "38,6°C", "102f")."""
    if _FAHRENHEIT.search(after_number):
        return "F"
    if _CELSIUS.search(after_number):
        return "C"
    return None


def read_temperature(text: str) -> Union[TemperatureReading, UnreadableTemperature]:
    """Reads one temperature entity's text ("fever of 101.5", "38,6 C", "one hundred and one")."""
    value, after_number = _number_and_rest(text)
    if value is None:
        return UnreadableTemperature(text, "no number in it")
    unit = _unit(after_number)
    inferred = unit is None
    if inferred:
        if FAHRENHEIT_WITHOUT_UNIT[0] <= value <= FAHRENHEIT_WITHOUT_UNIT[1]:
            unit = "F"
        elif CELSIUS_WITHOUT_UNIT[0] <= value <= CELSIUS_WITHOUT_UNIT[1]:
            unit = "C"
        else:
            return UnreadableTemperature(text, f"{value:g} with no unit is not a body temperature")
    celsius = (value - 32) * 5 / 9 if unit == "F" else value
    if not BODY_RANGE_C[0] <= celsius <= BODY_RANGE_C[1]:
        return UnreadableTemperature(text, f"{value:g} °{unit} is not a body temperature")
    return TemperatureReading(stated=value, unit=unit, unit_inferred=inferred, celsius=round(celsius, 2))
