"""`make run` itself, on free ports, in a terminal of its own: each of its servers is killed in turn
(SIGKILL) and comes back while the others keep serving; a fever report gets "Call now" while the
action server is down; Ctrl-C stops everything with no process left behind, says "stopped" and make
exits 0, with no make error.

The tests share one `make run` (the Rasa server takes 20-60 s to start here) and run in file
order: Ctrl-C comes last.
"""

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from scripts.render_credentials import all_variables, load_template
from tests.live.conftest import MODEL, ROOT, TEST_CARE_TEAM_PHONE
from tests.terminal import InTerminal
from tools.local_services import free_port, port_open

READY_LINE = "The assistant is answering"
FEVER_REPORT = "my son has a fever of 39"
WEBCHAT_JS = "webchat/public/vendor/socket.io.min.js"


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout} s")


def answers(url):
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def processes_with(marker):
    """Process ids whose environment carries `marker` (everything `make run` started inherits it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass  # gone meanwhile, or not ours
    return found


class MakeRun:
    def __init__(self, tmp: Path):
        assert MODEL.exists(), "no trained model: run 'make train'"
        assert (ROOT / WEBCHAT_JS).exists(), "no web chat script: run 'make webchat'"
        self.tmp = tmp
        self.log_dir = tmp / "logs"
        self.output = tmp / "make-run.out"
        self.ports = {"rasa": free_port(), "actions": free_port(), "webchat": free_port()}
        # in the environment of every process `make run` starts, to find them all at the end
        self.marker = f"MAKE_RUN_TEST_ID={uuid.uuid4().hex}"
        # endpoints.yml with the conversations in this test's own SQLite file
        self.endpoints = tmp / "endpoints.yml"
        self.endpoints.write_text(
            (ROOT / "endpoints.yml")
            .read_text()
            .replace("db: run/data/conversations.db", f"db: {tmp / 'conversations.db'}")
        )
        channel_variables = all_variables(load_template(ROOT / "credentials.yml"))
        self.env = {k: v for k, v in os.environ.items() if k not in channel_variables and k != "MAKEFLAGS"}
        self.env.update(
            RASA_PORT=str(self.ports["rasa"]),
            ACTIONS_PORT=str(self.ports["actions"]),
            WEBCHAT_PORT=str(self.ports["webchat"]),
            LOG_DIR=str(self.log_dir),
            RASA_ENDPOINTS=str(self.endpoints),
            HOSPITAL_CARE_TEAM_PHONE=TEST_CARE_TEAM_PHONE,
            MAKE_RUN_TEST_ID=self.marker.split("=", 1)[1],
        )
        self.make = None
        self.terminal_device = None

    def start(self):
        # -o: run with the model and the page's script as they are: never retrain or reinstall in a
        # test (other tests share them); this test is about running, not setting up
        with open(self.output, "w") as output:
            self.terminal_device = InTerminal(
                ["make", "--no-print-directory", "-o", str(MODEL.relative_to(ROOT)), "-o", WEBCHAT_JS, "run"],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.make = self.terminal_device.process
        deadline = time.monotonic() + 300
        while READY_LINE not in self.terminal():
            if self.make.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"make run did not get ready:\n{self.terminal()[-3000:]}\n"
                    + "".join(f"\n{log.name}:\n{log.read_text()[-2000:]}" for log in self.log_dir.glob("*.log"))
                )
            time.sleep(1)

    def terminal(self):
        return self.output.read_text(errors="replace")

    def url(self, part, path="/"):
        return f"http://127.0.0.1:{self.ports[part]}{path}"

    def pid(self, part):
        return int((self.log_dir / f"{part}.pid").read_text())

    def say(self, sender, message):
        response = requests.post(
            self.url("rasa", "/webhooks/rest/webhook"), json={"sender": sender, "message": message}, timeout=30
        )
        response.raise_for_status()
        return "\n".join(m.get("text", "") for m in response.json())

    def kill(self, part):
        """SIGKILL to the part, as a crash; returns its process id."""
        pid = self.pid(part)
        os.kill(pid, signal.SIGKILL)
        return pid

    @staticmethod
    def parent_of(pid):
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])

    def wait_until_restarted(self, part, old_pid, timeout):
        """Restarted, answering, and the terminal says which part stopped and how."""
        wait_for(lambda: self.pid(part) != old_pid, 40, f"the supervisor restarted {part}")
        health = {"actions": "/health", "rasa": "/", "webchat": "/"}[part]
        wait_for(lambda: answers(self.url(part, health)), timeout, f"{part} answered again")
        wait_for(lambda: f"{part} is answering again" in self.terminal(), 5, f"the terminal said {part} is back")
        assert f"{part} killed by SIGKILL" in self.terminal()

    def stop(self):
        """Whatever is left, also after a failure: the process group, then anything with the marker."""
        if self.make and self.make.poll() is None:
            self.terminal_device.press_ctrl_c()
            try:
                self.make.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.make.pid, signal.SIGKILL)
                self.make.wait()
        for pid in processes_with(self.marker):
            os.kill(pid, signal.SIGKILL)
        if self.terminal_device:
            self.terminal_device.close()


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    run = MakeRun(tmp_path_factory.mktemp("make_run"))
    try:
        run.start()
        yield run
    finally:
        run.stop()


def test_action_server_killed_fever_still_gets_call_now_and_it_comes_back(make_run):
    supervisor = make_run.parent_of(make_run.pid("actions"))
    # the supervisor paused, so the action server stays down while the messages are sent
    os.kill(supervisor, signal.SIGSTOP)
    try:
        old = make_run.kill("actions")
        wait_for(lambda: not port_open(make_run.ports["actions"]), 5, "the action server's port closed")
        began = time.monotonic()
        reply = make_run.say("make-run-fever", FEVER_REPORT)
        assert time.monotonic() - began < 5
        assert "Call now" in reply and TEST_CARE_TEAM_PHONE in reply
        assert "Source:" in make_run.say("make-run-question", "what are neutrophils")
        # the same in Spanish: the safety net answers in the parent's language
        spanish = make_run.say("make-run-fiebre", "mi hija tiene fiebre de 39")
        assert "Llame ahora" in spanish and TEST_CARE_TEAM_PHONE in spanish, spanish
    finally:
        os.kill(supervisor, signal.SIGCONT)
    make_run.wait_until_restarted("actions", old, timeout=30)
    # a reading below the threshold needs the action server's decision (down, it would be "Call now")
    assert "about an hour" in make_run.say("make-run-low", "her temp is 99.1")
    assert "Fuente:" in make_run.say("make-run-pregunta", "¿qué son los neutrófilos?")


def test_web_page_server_killed_rest_still_answers_and_the_page_comes_back(make_run):
    old = make_run.kill("webchat")
    assert "Source:" in make_run.say("make-run-question-2", "what is neutropenia")
    make_run.wait_until_restarted("webchat", old, timeout=20)
    assert TEST_CARE_TEAM_PHONE in requests.get(make_run.url("webchat", "/config.js"), timeout=5).text


def test_rasa_server_killed_the_page_still_serves_and_rasa_comes_back(make_run):
    old = make_run.kill("rasa")
    wait_for(lambda: not port_open(make_run.ports["rasa"]), 5, "the Rasa server's port closed")
    assert answers(make_run.url("webchat", "/"))
    make_run.wait_until_restarted("rasa", old, timeout=150)
    assert "Source:" in make_run.say("make-run-question-3", "how is neutropenia treated")
    assert "Call now" in make_run.say("make-run-fever-2", FEVER_REPORT)


def test_ctrl_c_stops_everything_says_stopped_and_make_exits_0(make_run):
    started = processes_with(make_run.marker)
    assert len(started) >= 5  # make, its shell (exec'd into the supervisor) and the three servers
    make_run.terminal_device.press_ctrl_c()  # the terminal sends SIGINT to its foreground group
    # a stop that was asked for is no failure: no "make: *** [Makefile:…: run] Interrupt" (or Error 143)
    assert make_run.make.wait(timeout=30) == 0
    assert make_run.terminal().splitlines()[-1].endswith("supervisor: stopped")
    assert "make: ***" not in make_run.terminal()
    # nor the libraries' DeprecationWarnings at the top of the servers' logs (scripts/quiet_rasa.py)
    assert not [log.name for log in make_run.log_dir.glob("*.log") if "DeprecationWarning" in log.read_text()]
    assert not any(port_open(port) for port in make_run.ports.values())
    assert processes_with(make_run.marker) == []
    assert not list(make_run.log_dir.glob("*.pid"))
    # the terminal shows which part stopped and how, never what parents wrote
    assert FEVER_REPORT not in make_run.terminal() and TEST_CARE_TEAM_PHONE not in make_run.terminal()
