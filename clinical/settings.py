"""Hospital settings: care-team numbers and the fever threshold.

One file (hospital_settings.yml at the project root, or the file HOSPITAL_SETTINGS_FILE names)
with an environment-variable override for every value. Both the action server and the Rasa
server (addons/nlg/hospital_nlg.py fills the numbers into answers) read them from here, so the
number a parent is told to call is the same on every path, including the fallback path that
runs when the action server is down.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from clinical.phone_numbers import is_dialable

DEFAULT_SETTINGS_FILE = Path(__file__).resolve().parent.parent / "hospital_settings.yml"

# setting name -> environment variable that overrides it
ENV_OVERRIDES = {
    "hospital_name": "HOSPITAL_NAME",
    "care_team_phone": "HOSPITAL_CARE_TEAM_PHONE",
    "after_hours_phone": "HOSPITAL_AFTER_HOURS_PHONE",
    "fever_threshold_c": "HOSPITAL_FEVER_THRESHOLD_C",
}
SETTINGS_FILE_ENV = "HOSPITAL_SETTINGS_FILE"

# Published thresholds range from 38.0 °C once to 38.3 °C once (clinical-rules.md); a value far
# outside that is a typo (e.g. 100.4 entered as °C) and must stop the server, not lower or raise
# the bar for "Call now".
THRESHOLD_RANGE_C = (37.5, 39.0)


class HospitalSettingsError(ValueError):
    """A setting is missing or invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class HospitalSettings:
    hospital_name: str
    care_team_phone: str
    after_hours_phone: str
    fever_threshold_c: float

    @property
    def fever_threshold_f(self) -> float:
        return round(self.fever_threshold_c * 9 / 5 + 32, 1)

    @property
    def fever_threshold_text(self) -> str:
        """The threshold as parents read it: '38.0 °C (100.4 °F)'."""
        return f"{self.fever_threshold_c:.1f} °C ({self.fever_threshold_f:.1f} °F)"

    def template_variables(self, language: str = "en") -> dict[str, str]:
        """Values the answers may name: {care_team_phone}, {after_hours_phone}, ... Numbers are
        written as the conversation's language writes them: "38.0 °C" in English, "38,0 °C" in Spanish."""
        threshold = self.fever_threshold_text
        if language == "es":
            threshold = threshold.replace(".", ",")
        return {
            "hospital_name": self.hospital_name,
            "care_team_phone": self.care_team_phone,
            "after_hours_phone": self.after_hours_phone,
            "fever_threshold": threshold,
            "fever_threshold_c": f"{self.fever_threshold_c:.1f}",
            "fever_threshold_f": f"{self.fever_threshold_f:.1f}",
        }


def _validate_phone(name: str, value: Any, source: str) -> str:
    text = str(value).strip() if value is not None else ""
    if not is_dialable(text):
        raise HospitalSettingsError(
            f"{name} from {source} is {value!r}, which is not a phone number a parent can dial. "
            f"Set it to the whole number parents should dial, area code included, "
            f"e.g. '(555) 010-0140' or '+1 555 010 0140'."
        )
    return text


def _validate_threshold(value: Any, source: str) -> float:
    try:
        threshold = float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        threshold = math.nan
    low, high = THRESHOLD_RANGE_C
    if math.isnan(threshold) or not low <= threshold <= high:
        raise HospitalSettingsError(
            f"fever_threshold_c from {source} is {value!r}; it must be a temperature in °C "
            f"between {low} and {high} (38.0 is the usual value; 100.4 °F is 38.0 °C)."
        )
    return threshold


def load_settings(path: Optional[Path] = None, environ: Optional[Mapping[str, str]] = None) -> HospitalSettings:
    """Reads the settings file, applies environment overrides and validates every value."""
    environ = os.environ if environ is None else environ
    path = Path(path or environ.get(SETTINGS_FILE_ENV) or DEFAULT_SETTINGS_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise HospitalSettingsError(
            f"Hospital settings file {path} does not exist. Create it from the copy in the "
            f"repository, or point {SETTINGS_FILE_ENV} at it."
        ) from None
    except yaml.YAMLError as error:
        raise HospitalSettingsError(f"Hospital settings file {path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise HospitalSettingsError(f"Hospital settings file {path} must be a mapping of name: value.")

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, env_name in ENV_OVERRIDES.items():
        if environ.get(env_name, "").strip():
            values[name], sources[name] = environ[env_name].strip(), f"${env_name}"
        else:
            values[name], sources[name] = raw.get(name), str(path)
    unknown = sorted(set(raw) - set(ENV_OVERRIDES))
    if unknown:
        raise HospitalSettingsError(
            f"Hospital settings file {path} has unknown setting(s) {', '.join(unknown)}; "
            f"the known ones are {', '.join(ENV_OVERRIDES)}."
        )

    name = str(values["hospital_name"] or "").strip()
    if not name:
        raise HospitalSettingsError(f"hospital_name from {sources['hospital_name']} is empty.")
    return HospitalSettings(
        hospital_name=name,
        care_team_phone=_validate_phone("care_team_phone", values["care_team_phone"], sources["care_team_phone"]),
        after_hours_phone=_validate_phone(
            "after_hours_phone", values["after_hours_phone"], sources["after_hours_phone"]
        ),
        fever_threshold_c=_validate_threshold(values["fever_threshold_c"], sources["fever_threshold_c"]),
    )
