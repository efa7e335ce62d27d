"""The abuse suite: `make run` itself, started once on free loopback ports with every
messaging channel on (the providers faked, tests/channels/conftest.py), and probed as an attacker
on the same machine would: raw sockets, curl-like requests, python-socketio clients and a page of
another site in Debian's Chromium. Each module keeps one promise of docs/security.md from quietly
breaking again; the last one (test_logs_hold_no_message_text.py, moved to the end here) searches
every log `make run` wrote after all the others.

Measured figures (log growth, time to Call now) go to results/abuse/figures.json.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, Set

import pytest
import requests

from scripts.process_group import start_in_own_group, stop_group
from scripts.render_credentials import all_variables, load_template
from tests.channels.conftest import FakeProviders, channel_env
from tests.live.test_make_run import processes_with
from tools.harness import MODEL, ROOT, TEST_CARE_TEAM_PHONE
from tools.local_services import free_port

READY_LINE = "The assistant is answering"
WEBCHAT_JS = "webchat/public/vendor/socket.io.min.js"
# small, so that the rotation itself is probed (tests/abuse/test_log_flood.py); the Rasa server's
# log stays far below it while its growth is measured
LOG_MAX_BYTES = 256 * 1024
LOG_BACKUPS = 1
FIGURES = ROOT / "results" / "abuse" / "figures.json"
LAST_MODULE = "test_logs_hold_no_message_text.py"


def pytest_collection_modifyitems(items):
    """The log search runs after every other probe of the suite."""
    items.sort(key=lambda item: item.fspath.basename == LAST_MODULE)


class Assistant:
    """`make run` on free ports, its logs in its own directory, its conversations in its own SQLite."""

    def __init__(self, tmp: Path, provider_url: str):
        assert MODEL.exists(), "no trained model: run 'make train'"
        assert (ROOT / WEBCHAT_JS).exists(), "no web chat script: run 'make webchat'"
        self.tmp = tmp
        self.log_dir = tmp / "logs"
        self.database = tmp / "conversations.db"
        self.ports = {"rasa": free_port(), "actions": free_port(), "webchat": free_port()}
        self.marker = uuid.uuid4().hex
        endpoints = tmp / "endpoints.yml"
        endpoints.write_text(
            (ROOT / "endpoints.yml").read_text().replace("db: run/data/conversations.db", f"db: {self.database}")
        )
        channel_variables = all_variables(load_template(ROOT / "credentials.yml"))
        self.env = {k: v for k, v in os.environ.items() if k not in channel_variables and k != "MAKEFLAGS"}
        self.env.update(
            channel_env(provider_url),
            RASA_PORT=str(self.ports["rasa"]),
            ACTIONS_PORT=str(self.ports["actions"]),
            WEBCHAT_PORT=str(self.ports["webchat"]),
            LOG_DIR=str(self.log_dir),
            LOG_MAX_BYTES=str(LOG_MAX_BYTES),
            LOG_BACKUPS=str(LOG_BACKUPS),
            RASA_ENDPOINTS=str(endpoints),
            HOSPITAL_CARE_TEAM_PHONE=TEST_CARE_TEAM_PHONE,
            ABUSE_SUITE_ID=self.marker,
        )
        self.env.pop("WEBCHAT_SESSION_SECRET", None)  # `make run` makes its own
        self.output = tmp / "make-run.out"
        self.make: subprocess.Popen[bytes] | None = None
        self.sent_texts: Set[str] = set()  # every message text the suite sent, for the log search

    def start(self) -> None:
        # -o: the model and the page's script as they are (never retrain or reinstall in a test)
        with open(self.output, "w") as output:
            self.make = start_in_own_group(
                ["make", "--no-print-directory", "-o", str(MODEL.relative_to(ROOT)), "-o", WEBCHAT_JS, "run"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 300
        while READY_LINE not in self.output.read_text(errors="replace"):
            if self.make.poll() is not None or time.monotonic() > deadline:
                logs = "".join(f"\n{log.name}:\n{log.read_text()[-2000:]}" for log in self.log_dir.glob("*.log"))
                raise RuntimeError(f"make run did not get ready:\n{self.output.read_text()[-3000:]}{logs}")
            time.sleep(1)

    def stop(self) -> None:
        if self.make is not None:
            stop_group(self.make, 30)
        for pid in processes_with(self.marker):  # anything left behind, whatever happened
            os.kill(pid, signal.SIGKILL)

    def url(self, part: str, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.ports[part]}{path}"

    @property
    def page_origin(self) -> str:
        return f"http://localhost:{self.ports['webchat']}"

    def say(self, sender: str, message: str) -> str:
        self.sent_texts.add(message)
        answer = requests.post(
            self.url("rasa", "/webhooks/rest/webhook"), json={"sender": sender, "message": message}, timeout=60
        )
        answer.raise_for_status()
        return "\n".join(m.get("text", "") for m in answer.json())

    def log_bytes(self) -> int:
        """Everything `make run` has written to its logs, rotated files included."""
        return sum(path.stat().st_size for path in self.log_dir.glob("*.log*"))

    def logs(self) -> Dict[str, str]:
        return {path.name: path.read_text(errors="replace") for path in sorted(self.log_dir.glob("*.log*"))}

    def conversations(self) -> Dict[str, list]:
        """conversation id -> the texts of its user messages, from the tracker store."""
        stored: Dict[str, list] = {}
        with sqlite3.connect(self.database) as db:
            for sender, data in db.execute("SELECT sender_id, data FROM events ORDER BY id"):
                event = json.loads(data)
                stored.setdefault(sender, [])
                if event.get("event") == "user":
                    stored[sender].append(event.get("text"))
        return stored

    def refusals(self, channel: str, reason: str) -> float:
        text = requests.get(self.url("rasa", "/metrics"), timeout=10).text
        line = f'neutropenia_assistant_input_guard_refusals_total{{channel="{channel}",reason="{reason}"}}'
        return next(float(row.split()[-1]) for row in text.splitlines() if row.startswith(line))


@pytest.fixture(scope="session")
def providers():
    fake = FakeProviders()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def assistant(tmp_path_factory, providers):
    run = Assistant(tmp_path_factory.mktemp("abuse"), providers.url)
    try:
        run.start()
        yield run
    finally:
        run.stop()


@pytest.fixture(scope="session")
def figures():
    """Measured figures, written to results/abuse/figures.json when the suite ends."""
    measured: Dict[str, object] = {}
    yield measured
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(measured, indent=2) + "\n")
