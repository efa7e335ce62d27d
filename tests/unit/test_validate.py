"""`make validate` (tools/validate.py) ends with its verdict line: an editor reads the end of the
output first, and Rasa's warning about the response a policy sends no longer prints after it."""

import subprocess
import sys

from tests.conftest import ROOT
from tools import validate

# what `rasa data validate` prints for the offer of other topics, which the unsure band's policy sends
RASA_POLICY_RESPONSE_WARNING = (
    "\x1b[93m/work/x/.venv/lib/python3.10/site-packages/rasa/shared/utils/io.py:100: UserWarning: "
    "The utterance 'utter_offer_alternatives' is not used in any story or rule.\n\x1b[0m"
    "\n"
)


def test_the_warning_about_a_response_a_policy_sends_is_left_out_and_others_kept():
    other = "UserWarning: The utterance 'utter_forgotten' is not used in any story or rule."
    shown = validate.rasa_output_without_known_warnings(RASA_POLICY_RESPONSE_WARNING + other + "\n")
    assert "utter_offer_alternatives" not in shown
    assert shown == other


def test_the_real_project_ends_with_the_verdict_line():
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "validate.py")], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 0, "\n".join(lines[-20:])
    assert lines[-1].startswith("all content checks passed"), lines[-3:]
    assert "utter_offer_alternatives' is not used" not in done.stderr


def test_a_failing_rasa_validation_is_named_in_the_last_line(monkeypatch, capsys):
    class Failed:
        returncode = 1
        stdout = ""
        stderr = "UserWarning: Issue found in 'data/rules/basics.yml': intent 'ask_x' is not in the domain.\n"

    real_run = subprocess.run

    def run(command, *args, **kwargs):
        if "quiet_rasa.py" in " ".join(map(str, command)):
            return Failed()
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(validate.subprocess, "run", run)
    assert validate.main([str(ROOT)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert "intent 'ask_x' is not in the domain" in lines[-2]
    assert lines[-1].startswith("Rasa's data validation failed (above); all content checks passed")
