"""scripts/quiet_rasa.py: the libraries' DeprecationWarnings, which sanic's import turns back on
whatever PYTHONWARNINGS says, stay off; the project's own and every other warning still show."""

import os
import subprocess
import sys

from tests.conftest import ROOT

WARNINGS = """
import warnings
warnings.warn_explicit("a library's API is deprecated", DeprecationWarning, "lib.py", 1, module="somelib")
warnings.warn_explicit("our own API is deprecated", DeprecationWarning, "addons/x.py", 1, module="addons.x")
warnings.warn_explicit("the response is not used in any story", UserWarning, "rasa/io.py", 1, module="rasa.io")
"""


def warnings_shown(first_import):
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    run = subprocess.run(
        [sys.executable, "-c", f"{first_import}\n{WARNINGS}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
    )
    assert run.returncode == 0, run.stderr
    return run.stderr


def test_sanic_alone_shows_the_libraries_deprecation_warnings():
    assert "a library's API is deprecated" in warnings_shown("import sanic")


def test_quiet_rasa_hides_them_and_keeps_the_projects_own_and_rasas_user_warnings():
    shown = warnings_shown("import scripts.quiet_rasa")
    assert "a library's API is deprecated" not in shown
    assert "our own API is deprecated" in shown
    assert "the response is not used in any story" in shown
