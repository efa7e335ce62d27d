"""Reading a temperature from what a parent typed.

The spaCy entity_ruler (spacy_pipeline/entity_patterns.jsonl) finds the span ("fever of 101.5",
"38,6 C", "one hundred and one", "102f"); this module turns that span into degrees Celsius,
following the rules in clinical-rules.md:

* units: °F, °C, F, C, degrees, fahrenheit, celsius (and common misspellings);
* without a unit: 93 to 110 is Fahrenheit, 34 to 43 is Celsius; anything else is not a body
  temperature and is asked again, never guessed;
* decimal comma ("38,4") and number words ("one hundred and one", "thirty eight point five").

Spanish as parents write it: "38'5", "38 con 5", "38 punto 7", "38 grados y medio",
"treinta y ocho y medio", "treintaiocho", "ciento dos punto cinco"; "grados" names no unit (the
range decides, as "degrees" does), "centígrados" is °C, "farenheit"/"fahrenheit" is °F; "38 y
pico" / "38 y algo" is read as 38.
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

# the decimal mark: point, comma, or the apostrophe some Spanish speakers write ("38'5")
_DECIMAL_MARKS = ".,'’"
_DIGITS = re.compile(r"(?<![\d.,'’])(\d{1,3}(?:[.,'’]\d{1,2})?)(?![\d])")
_FAHRENHEIT = re.compile(
    r"(?:^|[\s\d°º])(?:°|º)?\s*(?:f|fahrenheit|farenheit|fahrenheight|farenhait|faranheit)\b", re.IGNORECASE
)
_CELSIUS = re.compile(r"(?:^|[\s\d°º])(?:°|º)?\s*(?:c|celsius|celcius|centigrade|cent[ií]grados?)\b", re.IGNORECASE)
# a decimal said in words after digits: "38 con 5", "38 punto 7", "38 coma cuatro", "38 y 4 décimas"
_SPOKEN_DECIMAL = re.compile(
    r"^\s*(?:(?:punto|coma|con|point|pt\.?|dot)\s+(\d|[a-z]+)\b|(?:y|con)\s+(\d|[a-z]+)\s+(?:d[eé]cimas?|rayitas?|rayas?|l[ií]neas?)\b)",
    re.IGNORECASE,
)
# a half after digits, with or without the unit between: "38 y medio", "38 grados y medio", "37 and a half"
_HALF = re.compile(r"^[\s°º]*(?:[a-zíé]+\s+)?(?:y|and|and\s+a)\s+(?:medio|media|half)\b", re.IGNORECASE)
# "treintaiocho", "treintayocho": a Spanish tens word and its unit typed as one word
_FUSED_SPANISH = re.compile(
    r"\b(treinta|trenta|cuarenta|noventa)[iy](uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)\b", re.IGNORECASE
)

_UNITS_WORDS = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    # Spanish
    "cero": 0,
    "uno": 1,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
}
_TENS_WORDS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "veinte": 20,
    "treinta": 30,
    "trenta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
}
_HUNDRED_WORDS = ("hundred", "cien", "ciento")
_POINT_WORDS = ("point", "punto", "coma", "con")
_HALF_WORDS = ("half", "medio", "media")
# joining words that say nothing about the value: "one hundred and one", "treinta y ocho"
_AND_WORDS = ("and", "y", "i")


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

    def describe(self, language: str = "en") -> str:
        """'101.5 °F (38.6 °C)', with the unit we assumed said out loud when it was inferred, in
        the conversation's language ("en" or "es": a Spanish reply writes "38,6" and "leído como")."""
        stated = f"{self.stated:g}"
        if self.unit == "F":
            text = f"{stated} °F ({self.celsius:.1f} °C)"
        else:
            text = f"{stated} °C ({self.fahrenheit:.1f} °F)"
        if language == "es":
            text = text.replace(".", ",")
            return text + (", leído como °" + self.unit if self.unit_inferred else "")
        return text + (", read as °" + self.unit if self.unit_inferred else "")


@dataclass(frozen=True)
class UnreadableTemperature:
    """A number that cannot be a body temperature; the parent is asked again."""

    text: str
    reason: str


def _words_to_number(text: str) -> Optional[float]:
    """'one hundred and one' -> 101, 'thirty eight point five' -> 38.5, 'one oh one point eight'
    -> 101.8 (digits read one by one), 'thirty-seven and a half' -> 37.5; in Spanish 'treinta y ocho
    y medio' -> 38.5, 'ciento dos punto cinco' -> 102.5, 'treinta y nueve con cinco' -> 39.5; else None."""
    words = [w for w in re.split(r"[\s\-]+", text.lower()) if w]
    half = any(w in _HALF_WORDS for w in words)
    if half:
        words = words[: next(i for i, w in enumerate(words) if w in _HALF_WORDS)]
        while words and words[-1] in ("and", "a", "y"):
            words.pop()
    integer_words, decimal_words = words, []
    point = next((i for i, w in enumerate(words) if w in _POINT_WORDS), None)
    if point is not None:
        integer_words, decimal_words = words[:point], words[point + 1 :]
    number_words = [w for w in integer_words if w in _UNITS_WORDS or w in _TENS_WORDS or w in _HUNDRED_WORDS]
    if len(number_words) >= 2 and all(w in _UNITS_WORDS and _UNITS_WORDS[w] < 10 for w in number_words):
        # "one oh one", "three eight": the way a reading is said digit by digit
        total = float("".join(str(_UNITS_WORDS[w]) for w in number_words))
    else:
        total, current, seen = 0, 0, False
        for word in integer_words:
            if word in _AND_WORDS:
                continue
            if word == "a":
                current = current or 1
                continue
            if word in _UNITS_WORDS:
                current += _UNITS_WORDS[word]
            elif word in _TENS_WORDS:
                current += _TENS_WORDS[word]
            elif word in _HUNDRED_WORDS:
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
    r"\b("
    + "|".join(list(_UNITS_WORDS) + list(_TENS_WORDS) + list(_HUNDRED_WORDS) + list(_POINT_WORDS) + list(_HALF_WORDS))
    + r")\b",
    re.IGNORECASE,
)


def _number_and_rest(text: str) -> Tuple[Optional[float], str]:
    """The number in the span, and the text after it (where a unit would be)."""
    match = _DIGITS.search(text)
    if match:
        digits = match.group(1)
        for mark in _DECIMAL_MARKS:
            digits = digits.replace(mark, ".")
        value = float(digits)
        after = text[match.end(1) :]
        spoken = _SPOKEN_DECIMAL.match(after)
        if spoken and "." not in digits:
            decimal = spoken.group(1) or spoken.group(2)
            decimal = decimal if decimal.isdigit() else str(_UNITS_WORDS.get(decimal.lower(), ""))
            if len(decimal) == 1:
                value = float(f"{int(value)}.{decimal}")
        elif _HALF.match(after) and "." not in digits:
            value += 0.5
        return value, text[match.start(1) :]
    text = _FUSED_SPANISH.sub(r"\1 y \2", text)
    words = list(_NUMBER_WORD.finditer(text))
    if not words:
        return None, ""
    return _words_to_number(text), text[words[-1].end() :]


def _unit(after_number: str) -> Optional[str]:
    """'F' or 'C' when the text after the number names a unit ("101 F", "38,6°C", "102f")."""
    if _FAHRENHEIT.search(after_number):
        return "F"
    if _CELSIUS.search(after_number):
        return "C"
    return None


def only_number_words(text: str) -> bool:
    """'a four', 'two three': number words and nothing else, no digit, unit or fever word. Out of
    the body ranges such words are no more a temperature than the digits "4" would be."""
    words = re.findall(r"[^\W\d_]+|\d", text.lower())
    return bool(words) and all(
        w in _UNITS_WORDS or w in _TENS_WORDS or w in _HUNDRED_WORDS or w in _AND_WORDS or w in ("a", "un", "una")
        for w in words
    )


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
    if unit is None:  # for the type checker: inferred above, or the number was refused
        return UnreadableTemperature(text, f"{value:g} with no unit is not a body temperature")
    celsius = (value - 32) * 5 / 9 if unit == "F" else value
    if not BODY_RANGE_C[0] <= celsius <= BODY_RANGE_C[1]:
        return UnreadableTemperature(text, f"{value:g} °{unit} is not a body temperature")
    return TemperatureReading(stated=value, unit=unit, unit_inferred=inferred, celsius=round(celsius, 2))
