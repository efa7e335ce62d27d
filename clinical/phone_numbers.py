"""Phone numbers, read one way for the whole project: Google's libphonenumber (the `phonenumbers`
package) knows every country's numbering plan and how people write numbers in it.

Four places need to know what a phone number is, for opposite reasons:

* the hospital settings (clinical/settings.py) accept a care-team number only if a parent can dial
  it: a whole number, area code included (`is_dialable`);
* the log filter (actions/log_privacy.py), the review's masking (content/masking.py) and the content
  check against numbers typed into answers (content/checks/answer_texts.py) find every number
  written in a text (`find_phone_numbers`), leaning towards finding too many: a parent's number in
  a log or a review is a privacy breach, a typed number in an answer bypasses the settings.

A number written without a country code is read in the formats parents of this hospital write:
the hospital's own (`HOSPITAL_REGION`, the United States), where any number of the right length
counts, even one not yet in service ("(555) 010-0123"), and the national formats its
Spanish-speaking families most often use (`OTHER_WRITTEN_REGIONS`: Mexico, Spain), where only
numbers in ranges in service count, so that a run of readings ("38.5 38.9 39.1", nine digits like
a Spanish number) is not taken for one. A number with its country code ("+44 20 7946 0958") is
read in any country's format.
"""

from __future__ import annotations

import re
from typing import List, Tuple

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

# the hospital's country: a number without a country code in the settings is read as one of its
HOSPITAL_REGION = "US"
# other national formats a number without a country code may be written in, in a parent's
# message or a log line: those the hospital's Spanish-speaking families most often use
OTHER_WRITTEN_REGIONS = ("MX", "ES")

# digits that are part of a figure or a time: "1732875123.456" is a timestamp, "1,500" a count,
# "15:20:01.123456" a time; libphonenumber reads the digits on one side of the point as a number
_PART_OF_A_FIGURE_BEFORE = re.compile(r"\d[.,:]$")
_PART_OF_A_FIGURE_AFTER = re.compile(r"^[.,:]\d")
# an ISO 8601 date: libphonenumber leaves out a date followed by a space and a time, not by "T"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_dialable(text: str, region: str = HOSPITAL_REGION) -> bool:
    """Whether `text` is one whole phone number a parent can dial: the country code or the area
    code included ("(555) 010-0140", "+1 555 010 0140", "+34 612 34 56 78"), an extension allowed
    ("... ext. 12"). A local number without its area code ("010-0140") or a short code ("911") is
    not: dialled from a mobile phone in another area, it reaches someone else or no one."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    reason = phonenumbers.is_possible_number_with_reason(number)
    return bool(reason == phonenumbers.ValidationResult.IS_POSSIBLE)


def find_phone_numbers(text: str) -> List[Tuple[int, int]]:
    """The (start, end) character spans of the phone numbers written in `text`, in order, without
    overlaps: any number that could be one in the hospital's region, one in service in
    `OTHER_WRITTEN_REGIONS`, and with its country code any country's. Readings, counts, dates, times, versions and
    addresses are not numbers ("38.5", "1,000 to 1,500", "2024-03-12", "127.0.0.1", "3.6.21")."""
    spans: List[Tuple[int, int]] = []
    searches = [(HOSPITAL_REGION, Leniency.POSSIBLE)] + [(region, Leniency.VALID) for region in OTHER_WRITTEN_REGIONS]
    for region, leniency in searches:
        for match in PhoneNumberMatcher(text, region, leniency=leniency):
            start, end = match.start, match.end
            if (
                _PART_OF_A_FIGURE_BEFORE.search(text[:start])
                or _PART_OF_A_FIGURE_AFTER.match(text[end:])
                or _ISO_DATE.fullmatch(match.raw_string)
            ):
                continue
            spans.append((start, end))
    found: List[Tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda span: (span[0], -span[1])):
        if found and start < found[-1][1]:
            found[-1] = (found[-1][0], max(end, found[-1][1]))
        else:
            found.append((start, end))
    return found


def replace_phone_numbers(text: str, placeholder: str) -> str:
    """`text` with every number `find_phone_numbers` finds replaced by `placeholder`."""
    pieces: List[str] = []
    position = 0
    for start, end in find_phone_numbers(text):
        pieces += [text[position:start], placeholder]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
