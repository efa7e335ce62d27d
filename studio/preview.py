"""An answer as a parent sees it: the hospital settings filled in ({care_team_phone} becomes the number
of hospital_settings.yml or its HOSPITAL_* override, as the Rasa server's NLG fills it at reply
time), then as the web page shows it (one paragraph per line, the Source line small, phone numbers
as links: webchat/public/chat.js) and as an SMS carries it (split where Twilio's channel splits a long
reply, addons/channels/twilio.py, and counted in SMS segments, which is what a parent's phone and the
hospital's bill see)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Dict, List, Mapping

from addons.channels.messaging import split_text
from clinical.settings import HospitalSettings, load_settings

# one Twilio message body (addons/channels/twilio.py SMS_LIMIT); a longer reply is sent in parts
SMS_MESSAGE_LIMIT = 1600
# GSM-7 text: 160 characters in one SMS, 153 per part of a longer one; any other character (é, ñ,
# ¿, “ ”) makes the whole SMS UCS-2: 70, then 67 per part
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
PHONE = re.compile(r"\+?\(?\d[\d ().\/-]{5,}\d(?:\s*(?:ext\.?|x)\s*\d{1,6})?|\b911\b")


@dataclass
class Line:
    text: str
    source: bool  # the Source (Fuente) line, shown small
    pieces: List[Dict[str, str]]  # {"text": ..., "tel": "tel:..." or ""}


@dataclass
class Preview:
    text: str  # with the settings filled in
    web: List[Line]
    sms_parts: List[str]
    sms_segments: int
    sms_encoding: str


class _Keep(dict):
    """A placeholder the settings do not know stays as written (the checks name it)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(text: str, values: Mapping[str, str]) -> str:
    try:
        return string.Formatter().vformat(text, (), _Keep(values))
    except (ValueError, IndexError):
        return text  # a lone brace: shown as typed; the checks say what is wrong


def tel_href(number: str) -> str:
    """A tel: link as the web page makes it: digits only, a leading + kept, an extension after a comma."""
    parts = re.split(r"\s*(?:ext\.?|x)\s*", number, maxsplit=1, flags=re.I)
    plus = "+" if parts[0].strip().startswith("+") else ""
    extension = re.sub(r"\D", "", parts[1]) if len(parts) > 1 else ""
    digits = re.sub(r"\D", "", parts[0])
    return f"tel:{plus}{digits}" + (f",{extension}" if extension else "")


def _pieces(line: str) -> List[Dict[str, str]]:
    pieces, at = [], 0
    for match in PHONE.finditer(line):
        found = match.group(0)
        digits = len(re.sub(r"\D", "", found))
        if found != "911" and not 7 <= digits <= 15:
            continue
        if match.start() > at:
            pieces.append({"text": line[at : match.start()], "tel": ""})
        pieces.append({"text": found, "tel": "tel:911" if found == "911" else tel_href(found)})
        at = match.end()
    if at < len(line):
        pieces.append({"text": line[at:], "tel": ""})
    return pieces


def sms_segments(text: str) -> tuple:
    gsm = all(c in GSM_7 for c in text)
    single, part = (160, 153) if gsm else (70, 67)
    length = len(text)
    segments = 1 if length <= single else -(-length // part)
    return segments, "GSM-7" if gsm else "Unicode (UCS-2)"


def preview(text: str, settings: HospitalSettings) -> Preview:
    filled = fill(text, settings.template_variables())
    web = [Line(line, bool(re.match(r"^(Source|Fuente):", line)), _pieces(line)) for line in filled.split("\n") if line]
    parts = split_text(filled, SMS_MESSAGE_LIMIT)
    segments = [sms_segments(part) for part in parts]
    return Preview(
        filled,
        web,
        parts,
        sum(s for s, _ in segments),
        segments[0][1] if segments else "GSM-7",
    )


def hospital_settings() -> HospitalSettings:
    """The settings the Rasa server fills in (hospital_settings.yml and its HOSPITAL_* overrides)."""
    return load_settings()
