"""Starts an action server and a Rasa server (REST channel) for one model on free loopback ports, and
stops both with everything they started: for the tests, the tools (tools/harness.py adds the test
settings) and the content studio's side-by-side chat of the current and the candidate model.

    with ModelServers(tmp_dir, model=path) as servers:   # both up; both stopped on leaving, also on failure
        servers.say("parent-1", "what is neutropenia")

The Rasa server gets the credentials file `make run` would write (scripts/render_credentials.py):
by default with no messaging channel on, whatever the shell has set; pass `channel_env` to turn
channels on. Each server runs in its own process group (scripts/process_group.py). No log line
holds a message (logging.yml, the servers' privacy filter).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable, Mapping, Optional

import requests

from scripts.process_group import start_in_own_group, stop_group, stop_groups
from scripts.render_credentials import all_variables, load_template, render_file

ROOT = Path(__file__).resolve().parent.parent
# the project's venv (make setup); in an image, the Python running this (its venv's bin/rasa beside it)
VENV_BIN = ROOT / ".venv" / "bin" if (ROOT / ".venv" / "bin" / "rasa").exists() else Path(sys.executable).parent
MODEL = ROOT / "models" / "neutropenia-assistant.tar.gz"
# as in production: no message text or phone number in the servers' logs (actions/log_privacy.py)
LOGGING_CONFIG = ROOT / "logging.yml"
# how long a server gets to stop on SIGTERM before it (and what it started) is killed
STOP_GRACE_SECONDS = 30
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    """Waits until `url` answers; raises with the log's end if the process exits or time runs out."""
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


class ModelServers:
    """An action server and a Rasa server for one model, on free loopback ports."""

    def __init__(
        self,
        tmp: Path,
        model: Path = MODEL,
        channel_env: Optional[Mapping[str, str]] = None,
        rasa_args: Iterable[str] = (),
        endpoints: Optional[Path] = None,
        extra_env: Optional[Mapping[str, str]] = None,
        actions_port: Optional[int] = None,
    ):
        """channel_env: environment variables for the messaging channels (credentials.yml) and
        their test settings; rasa_args: extra arguments for `rasa run`; endpoints: an endpoints
        file used as it is (default: endpoints.yml on an SQLite file in `tmp`), with extra_env
        (e.g. the variables of endpoints.production.yml; ACTION_SERVER_URL is set here);
        actions_port: an action server already running (another ModelServers'), used instead of
        starting one (the studio's candidate shares the current model's)."""
        if not Path(model).exists():
            raise FileNotFoundError(f"no trained model at {model}: run 'make train'")
        self.tmp, self.model = tmp, Path(model)
        self.rasa_port, self.actions_port = free_port(), actions_port or free_port()
        self.own_actions = actions_port is None
        template = load_template(ROOT / "credentials.yml")
        env = {k: v for k, v in os.environ.items() if k not in all_variables(template)}
        self.env = dict(
            env,
            SANIC_HOST="127.0.0.1",
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONPATH=str(ROOT),
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
            # what the web chat signs its session ids with (webchat/session_ids.py): one per set of
            # servers, so that replicas started from it read each other's sessions
            WEBCHAT_SESSION_SECRET=secrets.token_urlsafe(32),
            **(channel_env or {}),
            **(extra_env or {}),
        )
        self.credentials = tmp / "credentials.yml"
        self.channels_summary = render_file(ROOT / "credentials.yml", self.credentials, self.env)
        self.rasa_args = list(rasa_args)
        self.endpoints = Path(endpoints) if endpoints else tmp / "endpoints.yml"
        if not endpoints:
            self.endpoints.write_text(
                (ROOT / "endpoints.yml")
                .read_text()
                .replace("http://localhost:5055/webhook", f"http://127.0.0.1:{self.actions_port}/webhook")
                # each test server keeps its conversations in its own SQLite file
                .replace("db: run/data/conversations.db", f"db: {tmp / 'conversations.db'}")
            )
        self.actions: Optional[subprocess.Popen] = None
        self.rasa: Optional[subprocess.Popen] = None

    def start_actions(self) -> None:
        log = self.tmp / "actions.log"
        with open(log, "w") as output:
            self.actions = start_in_own_group(
                [
                    str(VENV_BIN / "rasa"),
                    "run",
                    "actions",
                    "--actions",
                    "actions",
                    "--port",
                    str(self.actions_port),
                    "--logging-config-file",
                    str(LOGGING_CONFIG),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions, log)

    def stop_actions(self) -> None:
        stop_group(self.actions, STOP_GRACE_SECONDS)

    def spawn_rasa(self, port: int, log: Path) -> subprocess.Popen:
        """Starts a Rasa server on `port` (not waiting for it); several may share the stores."""
        with open(log, "a") as output:
            return start_in_own_group(
                [
                    str(VENV_BIN / "rasa"),
                    "run",
                    "--model",
                    str(self.model),
                    "--endpoints",
                    str(self.endpoints),
                    "--credentials",
                    str(self.credentials),
                    "--interface",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--logging-config-file",
                    str(LOGGING_CONFIG),
                    *self.rasa_args,
                ],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def start_rasa(self) -> None:
        log = self.tmp / "rasa.log"
        self.rasa = self.spawn_rasa(self.rasa_port, log)
        wait_until_up(f"http://127.0.0.1:{self.rasa_port}/", self.rasa, log)

    def __enter__(self) -> "ModelServers":
        """Starts the action server and the Rasa server; stops both on leaving, also on failure."""
        try:
            self.start_actions()
            self.start_rasa()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def say(self, sender: str, message: str) -> str:
        response = requests.post(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=30,
        )
        response.raise_for_status()
        return "\n".join(m.get("text", "") for m in response.json())

    def stop(self) -> None:
        """Stops the Rasa server and the action server, and whatever they started."""
        stop_groups([self.rasa, self.actions], STOP_GRACE_SECONDS)
