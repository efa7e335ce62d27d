"""Hospital settings: one file, environment overrides, and clear errors for bad values."""

import pytest

from clinical.settings import DEFAULT_SETTINGS_FILE, HospitalSettingsError, load_settings


def write(tmp_path, text):
    path = tmp_path / "hospital_settings.yml"
    path.write_text(text)
    return path


VALID = (
    'hospital_name: "Test"\n'
    'care_team_phone: "(555) 010-0140"\n'
    'after_hours_phone: "+1 555 010 0199"\n'
    "fever_threshold_c: 38.0\n"
)


def test_the_committed_file_loads():
    settings = load_settings(DEFAULT_SETTINGS_FILE, environ={})
    assert settings.fever_threshold_c == 38.0
    assert settings.fever_threshold_text == "38.0 °C (100.4 °F)"


def test_environment_overrides_every_value(tmp_path):
    settings = load_settings(
        write(tmp_path, VALID),
        environ={
            "HOSPITAL_NAME": "Mercy Children's",
            "HOSPITAL_CARE_TEAM_PHONE": "(555) 010-0111",
            "HOSPITAL_AFTER_HOURS_PHONE": "(555) 010-0222",
            "HOSPITAL_FEVER_THRESHOLD_C": "38.3",
        },
    )
    assert settings.hospital_name == "Mercy Children's"
    assert settings.care_team_phone == "(555) 010-0111"
    assert settings.after_hours_phone == "(555) 010-0222"
    assert settings.fever_threshold_c == 38.3
    assert settings.fever_threshold_text == "38.3 °C (100.9 °F)"


def test_settings_file_can_be_chosen_by_environment(tmp_path):
    path = write(tmp_path, VALID.replace("(555) 010-0140", "(555) 010-0177"))
    assert load_settings(environ={"HOSPITAL_SETTINGS_FILE": str(path)}).care_team_phone == "(555) 010-0177"


def test_blank_environment_value_does_not_override(tmp_path):
    settings = load_settings(write(tmp_path, VALID), environ={"HOSPITAL_CARE_TEAM_PHONE": "  "})
    assert settings.care_team_phone == "(555) 010-0140"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"HOSPITAL_FEVER_THRESHOLD_C": "100.4"}, "between 37.5 and 39.0"),
        ({"HOSPITAL_FEVER_THRESHOLD_C": "hot"}, "must be a temperature in °C"),
        ({"HOSPITAL_CARE_TEAM_PHONE": "call the nurse"}, "is not a phone number"),
        ({"HOSPITAL_AFTER_HOURS_PHONE": "12"}, "is not a phone number"),
    ],
)
def test_bad_values_are_refused_with_a_plain_message(tmp_path, env, message):
    with pytest.raises(HospitalSettingsError, match=message) as error:
        load_settings(write(tmp_path, VALID), environ=env)
    assert "$HOSPITAL_" in str(error.value)  # says where the bad value came from


def test_missing_file_and_unknown_keys_are_explained(tmp_path):
    with pytest.raises(HospitalSettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.yml", environ={})
    with pytest.raises(HospitalSettingsError, match="unknown setting"):
        load_settings(write(tmp_path, VALID + "care_team_phon: 1\n"), environ={})
    with pytest.raises(HospitalSettingsError, match="not valid YAML"):
        load_settings(write(tmp_path, "a: [\n"), environ={})


def test_decimal_comma_threshold_is_accepted(tmp_path):
    settings = load_settings(write(tmp_path, VALID), environ={"HOSPITAL_FEVER_THRESHOLD_C": "38,3"})
    assert settings.fever_threshold_c == 38.3


def test_settings_are_not_slots_a_message_could_set():
    from tools.project_domain import load_domain

    domain = load_domain()
    slot_names = {slot.name for slot in domain.slots}
    settings_names = {"care_team_phone", "after_hours_phone", "fever_threshold", "fever_threshold_c", "hospital_name"}
    assert not slot_names & settings_names
    decided_by_actions = {
        slot.name: [m["type"] for m in slot.mappings]
        for slot in domain.slots
        if slot.name in ("triage_decision", "temperature_reading")
    }
    assert decided_by_actions == {"triage_decision": ["custom"], "temperature_reading": ["custom"]}
