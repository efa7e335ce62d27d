"""`make ask Q=...` (tools/ask.py) against `make run`'s server when one answers, and on its own
servers when none does: the reply a parent would see, and what the model read the question as."""

import os
import re
import subprocess
import sys
import uuid

import pytest

from clinical.settings import load_settings
from tests.live.conftest import ROOT, TEST_CARE_TEAM_PHONE, Servers
from tests.live.test_make_run import processes_with
from tools.local_services import free_port

FEVER_REPORT = "my son has a fever of 39"
TOKEN = "make-ask-test-token-" + "x" * 20
READ_AS = re.compile(r"^read as: +(\w+) \((0\.\d\d|1\.00)\)", re.MULTILINE)


@pytest.fixture(scope="module")
def servers_with_api(tmp_path_factory):
    """A running assistant, as `make run` with RASA_ENABLE_API and RASA_AUTH_TOKEN would be."""
    with Servers(tmp_path_factory.mktemp("ask"), rasa_args=["--enable-api", "--auth-token", TOKEN]) as servers:
        yield servers


def make_ask(question, **env):
    return subprocess.run(
        [sys.executable, "tools/ask.py", question],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=300,
    )


def test_running_server_with_the_api_on_answers_and_says_what_it_read(servers_with_api):
    run = make_ask(FEVER_REPORT, RASA_PORT=str(servers_with_api.rasa_port), RASA_AUTH_TOKEN=TOKEN)
    assert run.returncode == 0, run.stderr
    assert "asking the running assistant" in run.stderr
    assert run.stdout.startswith(f"you:       {FEVER_REPORT}\nassistant: Call now")
    assert TEST_CARE_TEAM_PHONE in run.stdout
    assert READ_AS.search(run.stdout).group(1) in ("report_fever", "report_infection_sign")


def test_spanish_is_asked_the_same_way(servers_with_api):
    run = make_ask("mi hijo tiene fiebre de 39", RASA_PORT=str(servers_with_api.rasa_port), RASA_AUTH_TOKEN=TOKEN)
    assert run.returncode == 0, run.stderr
    assert TEST_CARE_TEAM_PHONE in run.stdout  # the urgent reply, in whichever language it comes
    assert READ_AS.search(run.stdout)


def test_without_the_api_the_reply_comes_and_the_read_as_line_is_left_out(servers_with_api):
    environment = {k: v for k, v in os.environ.items() if k != "RASA_AUTH_TOKEN"}
    run = subprocess.run(
        [sys.executable, "tools/ask.py", "what are neutrophils"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**environment, "PYTHONPATH": str(ROOT), "RASA_PORT": str(servers_with_api.rasa_port)},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "Source:" in run.stdout and "read as:" not in run.stdout


def test_with_no_assistant_running_it_starts_one_with_the_hospitals_number_and_stops_it():
    port = free_port()  # nothing answers there
    marker = uuid.uuid4().hex  # in the environment of every server it starts
    run = make_ask(FEVER_REPORT, RASA_PORT=str(port), MAKE_ASK_TEST_ID=marker)
    assert run.returncode == 0, run.stderr
    assert "starting one for this question" in run.stderr
    assert "Call now" in run.stdout and load_settings().care_team_phone in run.stdout
    assert READ_AS.search(run.stdout)
    assert processes_with(f"MAKE_ASK_TEST_ID={marker}") == []
