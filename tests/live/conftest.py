"""Starts the real servers (action server + Rasa server, REST channel) on free loopback ports.

The Rasa server gets the credentials file `make run` would write (scripts/render_credentials.py):
by default with no messaging channel on, whatever the shell has set; pass `channel_env` to turn
channels on (tests/channels)."""
import os
import subprocess
import time
from pathlib import Path

import pytest
import requests

from scripts.local_services import free_port
from scripts.render_credentials import all_variables, load_template, render_file

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "neutropenia-assistant.tar.gz"
# as in production: no message text or phone number in the servers' logs (actions/log_privacy.py)
LOGGING_CONFIG = ROOT / "logging.yml"
# A number that differs from hospital_settings.yml: proves replies take it from the settings.
TEST_CARE_TEAM_PHONE = "(555) 010-0123"


def wait_until_up(url, process, log, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited while starting:\n{Path(log).read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} did not come up in {timeout}s:\n{Path(log).read_text()[-3000:]}")


class Servers:
    def __init__(self, tmp: Path, channel_env=None, rasa_args=(), endpoints=None, extra_env=None):
        """channel_env: environment variables for the messaging channels (credentials.yml) and
        their test settings; rasa_args: extra arguments for `rasa run`; endpoints: an endpoints
        file used as it is (default: endpoints.yml on an SQLite file in `tmp`), with extra_env
        (e.g. the variables of endpoints.production.yml; ACTION_SERVER_URL is set here)."""
        assert MODEL.exists(), "no trained model: run 'make train'"
        self.tmp = tmp
        self.rasa_port, self.actions_port = free_port(), free_port()
        template = load_template(ROOT / "credentials.yml")
        env = {k: v for k, v in os.environ.items() if k not in all_variables(template)}
        self.env = dict(env, SANIC_HOST="127.0.0.1", HOSPITAL_CARE_TEAM_PHONE=TEST_CARE_TEAM_PHONE,
                        RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT),
                        ACTION_SERVER_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
                        **(channel_env or {}), **(extra_env or {}))
        self.credentials = tmp / "credentials.yml"
        self.channels_summary = render_file(ROOT / "credentials.yml", self.credentials, self.env)
        self.rasa_args = list(rasa_args)
        self.endpoints = Path(endpoints) if endpoints else tmp / "endpoints.yml"
        if not endpoints:
            self.endpoints.write_text(
                (ROOT / "endpoints.yml").read_text()
                .replace("http://localhost:5055/webhook", f"http://127.0.0.1:{self.actions_port}/webhook")
                # each test server keeps its conversations in its own SQLite file
                .replace("db: run/data/conversations.db", f"db: {tmp / 'conversations.db'}"))
        self.actions = None
        self.rasa = None

    def start_actions(self):
        log = self.tmp / "actions.log"
        self.actions = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.actions_port),
             "--logging-config-file", str(LOGGING_CONFIG)],
            cwd=ROOT, env=self.env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions, log)

    def stop_actions(self):
        self.actions.terminate()
        self.actions.wait(timeout=30)

    def spawn_rasa(self, port, log):
        """Starts a Rasa server on `port` (not waiting for it); several may share the stores."""
        return subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(self.endpoints),
             "--credentials", str(self.credentials), "--interface", "127.0.0.1", "--port", str(port),
             "--logging-config-file", str(LOGGING_CONFIG), *self.rasa_args],
            cwd=ROOT, env=self.env, stdout=open(log, "a"), stderr=subprocess.STDOUT)

    def start_rasa(self):
        log = self.tmp / "rasa.log"
        self.rasa = self.spawn_rasa(self.rasa_port, log)
        wait_until_up(f"http://127.0.0.1:{self.rasa_port}/", self.rasa, log)

    def __enter__(self):
        """Starts the action server and the Rasa server; stops both on leaving, also on failure."""
        try:
            self.start_actions()
            self.start_rasa()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def say(self, sender, message):
        response = requests.post(f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": message}, timeout=30)
        response.raise_for_status()
        return "\n".join(m.get("text", "") for m in response.json())

    def stop(self):
        for process in (self.rasa, self.actions):
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with Servers(tmp_path_factory.mktemp("servers")) as servers:
        yield servers
