"""addons/rasa_patches: Rasa is patched by one call when the server creates its channels, not by
importing this project's code (as `rasa train` and `rasa test` do), and only on the Rasa version
the patches were written for."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import rasa

from addons import rasa_patches

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: import every module a Rasa command loads from addons (config.yml's
# components and policies, endpoints.yml's NLG and lock store, the channels), check that Rasa is
# untouched, then create a channel as `rasa run` does and check that Rasa is patched.
IMPORT_THEN_START = """
import rasa.core.actions.action as action
import rasa.core.agent as agent
import rasa.core.tracker_store as tracker_store
import rasa.core.utils as core_utils
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event

def rasa_state():
    return (action.DEFAULT_REQUEST_TIMEOUT, action.RemoteAction.run, action.RemoteAction.__init__,
            action.RemoteAction._validate_action_result, tracker_store.create_engine_kwargs,
            agent.FailSafeTrackerStore, DaskGraphRunner.run, Event.__dict__["resolve_by_type"],
            core_utils._lock_store_is_multi_worker_compatible)

released = rasa_state()
import addons, addons.nlg.hospital_nlg, addons.stores.lock_store, addons.nlu.linear_intent_classifier  # noqa: E401
import addons.nlu.urgent_report_reader, addons.policies.urgent_safety_policy  # noqa: E401
import addons.policies.confidence_bands
import addons.channels.twilio, addons.channels.facebook, addons.channels.telegram, addons.channels.slack  # noqa: E401
import addons.channels.input_guard, addons.rasa_patches, webchat.socketio_channel  # noqa: E401
from addons import rasa_patches
assert rasa_state() == released and not rasa_patches.applied(), "importing addons patched Rasa"

addons.channels.input_guard.RestInput.from_credentials(None)
assert rasa_patches.applied()
patched = rasa_state()
assert all(p is not r for p, r in zip(patched[1:], released[1:])), "a patch was not applied"
assert patched[0] == 3.0
rasa_patches.apply()  # a second call changes nothing
assert rasa_state() == patched
print("ok")
"""


def run_fresh(code):
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            "PYTHONWARNINGS": "ignore",
        },
        timeout=120,
    )


def test_importing_addons_patches_nothing_and_starting_a_channel_patches_rasa_once():
    result = run_fresh(IMPORT_THEN_START)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-2000:]


def test_the_hospital_nlg_applies_the_patches_for_rasa_shell():
    """`rasa shell` creates no project channel, but it creates the NLG of endpoints.yml: the
    action-server timeout (3 s, not Rasa's 300) must hold there too."""
    result = run_fresh(
        "import rasa.core.actions.action as action\n"
        "from addons.nlg.hospital_nlg import HospitalNaturalLanguageGenerator\n"
        "assert action.DEFAULT_REQUEST_TIMEOUT == 300\n"
        "HospitalNaturalLanguageGenerator()\n"
        "from addons import rasa_patches\n"
        "assert rasa_patches.applied() and action.DEFAULT_REQUEST_TIMEOUT == 3.0\n"
        "print('ok')\n"
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-2000:]


def test_the_patched_version_is_the_locked_and_installed_one():
    for lock in ("rasa-server.lock", "development.lock"):
        locked = re.search(r"^rasa==(\S+)", (ROOT / "requirements" / lock).read_text(), re.MULTILINE).group(1)
        assert rasa_patches.PATCHED_RASA_VERSION == locked == rasa.__version__, lock


def test_another_rasa_version_is_refused_with_what_to_do(monkeypatch):
    monkeypatch.setattr(rasa_patches, "_applied", False)
    monkeypatch.setattr(rasa, "__version__", "3.6.20")
    patched = [patch.apply for patch in rasa_patches.PATCHES]
    for patch in rasa_patches.PATCHES:
        monkeypatch.setattr(patch, "apply", lambda: pytest.fail("patched another Rasa version"))
    with pytest.raises(rasa_patches.RasaVersionNotPatched) as refused:
        rasa_patches.apply()
    message = str(refused.value)
    assert "Rasa 3.6.21" in message and "Rasa 3.6.20 is installed" in message
    assert "make setup" in message and "requirements/rasa-server.lock" in message and "PATCHED_RASA_VERSION" in message
    assert not rasa_patches.applied() and len(patched) == len(rasa_patches.PATCHES)
