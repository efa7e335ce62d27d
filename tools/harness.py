"""Starts the real servers (action server + Rasa server, REST channel) on free loopback ports, for
the tests (tests/live, channels, browser, replica), the load benchmark (tools/bench.py) and the
blind evaluation (tools/blind_evaluation.py).

    from tools.harness import Servers

    with Servers(tmp_dir) as servers:          # both servers up; both stopped on leaving, also on failure
        servers.say("parent-1", "she has a fever of 101.5")

The Rasa server gets the credentials file `make run` would write (scripts/render_credentials.py):
by default with no messaging channel on, whatever the shell has set; pass `channel_env` to turn
channels on (tests/channels). `production_servers` points them at PostgreSQL and Redis instead
(endpoints.production.yml, the stores from tools/local_services.py), for replicas behind nginx.
Each server runs in its own process group and is stopped with everything it started
(scripts/process_group.py). A tool: nothing the servers run imports it.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, Iterable, Mapping, Optional

import requests

from scripts.process_group import start_in_own_group, stop_group, stop_groups
from scripts.render_credentials import all_variables, load_template, render_file
from tools.local_services import Postgres, Redis, free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "neutropenia-assistant.tar.gz"
# as in production: no message text or phone number in the servers' logs (actions/log_privacy.py)
LOGGING_CONFIG = ROOT / "logging.yml"
# A number that differs from hospital_settings.yml: proves replies take it from the settings.
TEST_CARE_TEAM_PHONE = "(555) 010-0123"
PRODUCTION_ENDPOINTS = ROOT / "endpoints.production.yml"
# Rasa's conversation lock lifetime (README "Production"): how long a crashed replica's claim on a
# conversation holds that conversation's next message. Longer than the slowest message (the action
# server wait, ACTION_SERVER_TIMEOUT_SECONDS = 3 s, plus NLU and the stores).
TICKET_LOCK_LIFETIME = "10"
# how long a server gets to stop on SIGTERM before it (and what it started) is killed
STOP_GRACE_SECONDS = 30


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


class Servers:
    def __init__(
        self,
        tmp: Path,
        channel_env: Optional[Mapping[str, str]] = None,
        rasa_args: Iterable[str] = (),
        endpoints: Optional[Path] = None,
        extra_env: Optional[Mapping[str, str]] = None,
    ):
        """channel_env: environment variables for the messaging channels (credentials.yml) and
        their test settings; rasa_args: extra arguments for `rasa run`; endpoints: an endpoints
        file used as it is (default: endpoints.yml on an SQLite file in `tmp`), with extra_env
        (e.g. the variables of endpoints.production.yml; ACTION_SERVER_URL is set here)."""
        assert MODEL.exists(), "no trained model: run 'make train'"
        self.tmp = tmp
        self.rasa_port, self.actions_port = free_port(), free_port()
        template = load_template(ROOT / "credentials.yml")
        env = {k: v for k, v in os.environ.items() if k not in all_variables(template)}
        self.env = dict(
            env,
            SANIC_HOST="127.0.0.1",
            HOSPITAL_CARE_TEAM_PHONE=TEST_CARE_TEAM_PHONE,
            RASA_TELEMETRY_ENABLED="false",
            TF_CPP_MIN_LOG_LEVEL="2",
            PYTHONPATH=str(ROOT),
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
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
                    str(MODEL),
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

    def __enter__(self) -> "Servers":
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


def production_env(postgres: Postgres, redis: Redis) -> Dict[str, str]:
    """The variables endpoints.production.yml reads, for these stores, and the lock lifetime."""
    return {**postgres.env(), **redis.env(), "TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME}


def production_servers(
    tmp: Path, postgres: Postgres, redis: Redis, extra_env: Optional[Mapping[str, str]] = None
) -> Servers:
    """Servers on endpoints.production.yml: PostgreSQL tracker store, Redis lock store (not started;
    replicas are spawned with spawn_rasa on ports of the caller's choosing)."""
    environment = {**production_env(postgres, redis), **(extra_env or {})}
    return Servers(tmp, endpoints=PRODUCTION_ENDPOINTS, extra_env=environment)
