"""Production mode on loopback: PostgreSQL, Redis, one action server, two Rasa replicas on
endpoints.production.yml, and nginx round robin in front of them.

The stores and nginx come from tools/local_services.py (installed by `make test-replica` first); the
action server and the replicas from tools/harness.py's production_servers (as the load benchmark
starts them). One stack serves the whole session (tests/replica/test_faults.py and
test_replicas.py): each test leaves it running.
"""

import json
import signal
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional

import pytest
import requests

from addons.channels.input_guard import REST_CONVERSATION_PREFIX, rest_conversation_id
from scripts.process_group import signal_group, stop_groups
from tools.harness import ROOT, STOP_GRACE_SECONDS, production_servers, wait_until_up
from tools.local_services import LocalServices, free_port


@dataclass
class Reply:
    status: int
    texts: List[str] = field(default_factory=list)
    upstream: Optional[str] = None  # the replica nginx passed the request to (its port)
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


class ReplicaStack:
    """The production deployment on loopback: PostgreSQL, Redis, the action server, two Rasa
    replicas and nginx in front; the tests break parts of it and read what the stores hold."""

    def __init__(self, tmp: Path, services: LocalServices):
        self.tmp = tmp
        self.postgres = services.postgres()
        self.redis = services.redis()
        self.servers = production_servers(tmp, self.postgres, self.redis)
        self.ports = [free_port(), free_port()]
        self.replicas: List[Any] = [None, None]  # each a subprocess.Popen once started
        try:
            self.servers.start_actions()
            self.start_replicas(0, 1)
            self.nginx = services.nginx(self.ports)
        except BaseException:
            self.close()
            raise

    # --- the replicas ---

    def log(self, index: int) -> Path:
        return self.tmp / f"rasa-{index}.log"

    def start_replicas(self, *indexes: int) -> None:
        """Starts the replicas side by side (start-up is mostly loading the model) and waits for them."""
        for i in indexes:
            self.replicas[i] = self.servers.spawn_rasa(self.ports[i], self.log(i))
        for i in indexes:
            wait_until_up(self.url(i) + "/", self.replicas[i], self.log(i))
            # the server answers / even when its model failed to load (e.g. retrained meanwhile)
            probe = self.say(f"startup-probe-{i}", "hello there", i)
            assert (
                probe.status == 200 and probe.texts
            ), f"replica {i} does not answer; its log:\n{self.log(i).read_text()[-3000:]}"

    def stop_replicas(self, *indexes: int) -> None:
        stop_groups([self.replicas[i] for i in indexes], STOP_GRACE_SECONDS)

    def kill_replica(self, index: int) -> None:
        """A crash: SIGKILL, nothing flushed, no goodbye."""
        signal_group(self.replicas[index], signal.SIGKILL)
        self.replicas[index].wait(timeout=30)

    def url(self, index: Optional[int] = None) -> str:
        """A replica's own URL, or nginx's (index None)."""
        return self.nginx.url if index is None else f"http://127.0.0.1:{self.ports[index]}"

    def replica_of(self, upstream: Optional[str]) -> Optional[int]:
        """Which replica served a request, from nginx's X-Upstream (the last address it tried)."""
        if not upstream:
            return None
        port = int(upstream.split(",")[-1].strip().rsplit(":", 1)[1])
        return self.ports.index(port)

    # --- talking ---

    def say(
        self,
        sender: str,
        message: str,
        index: Optional[int] = None,
        timeout: float = 120,
        session: Optional[requests.Session] = None,
    ) -> Reply:
        """Posts one message through nginx (or to replica `index`); raises on a failed request."""
        started = time.monotonic()
        response = (session or requests).post(
            f"{self.url(index)}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=timeout
        )
        seconds = time.monotonic() - started
        texts = [m.get("text", "") for m in response.json()] if response.ok else []
        return Reply(response.status_code, texts, response.headers.get("X-Upstream"), seconds)

    # --- what PostgreSQL holds ---

    def query(self, sql: str, *parameters):
        """Runs one SQL statement on the conversations database; returns its rows, if any."""
        with closing(self.postgres.connect()) as connection, connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return cursor.fetchall() if cursor.description else []

    def events(self, sender_prefix: str):
        """(sender, type_name, event dict) of every stored event of these REST senders, in order
        (the REST channel stores its conversations under rest_conversation_id(sender))."""
        stored_prefix = rest_conversation_id(sender_prefix)
        rows = self.query(
            "SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE %s ORDER BY id",
            stored_prefix.replace("_", r"\_") + "%",
        )
        return [(sender[len(REST_CONVERSATION_PREFIX) :], kind, json.loads(data)) for sender, kind, data in rows]

    def user_message_recorded(self, sender: str, message: str) -> bool:
        return (
            self.query(
                "SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user' "
                "AND (data::json ->> 'text') = %s",
                rest_conversation_id(sender),
                message,
            )[0][0]
            > 0
        )

    # --- what Redis sees ---

    def redis_commands(self) -> int:
        """How many commands Redis has run since it started (INFO commandstats)."""
        import redis

        client = redis.StrictRedis(
            host=self.redis.host, port=self.redis.port, password=self.redis.password, socket_timeout=2
        )
        try:
            return sum(stats["calls"] for stats in client.info("commandstats").values())
        finally:
            client.close()

    def replicas_use_redis(self, timeout: float = 15) -> None:
        """Waits until each replica keeps its conversation locks in Redis again (the lock store
        retries Redis 5 s after an error): a message to it makes Redis run commands."""
        for index in (0, 1):
            deadline = time.monotonic() + timeout
            while True:
                before = self.redis_commands()
                assert self.say(f"redis-probe-{index}", "hello there", index).status == 200
                # the probe's own INFO commands count too: more than those is the replica's
                if self.redis_commands() - before > 2:
                    break
                assert time.monotonic() < deadline, f"replica {index} does not use Redis"
                time.sleep(0.5)

    def replicas_store_again(self, timeout: float = 30) -> None:
        """Waits until each replica stores its conversations in PostgreSQL again (after a hang it
        does not wait for PostgreSQL for 5 s): a probe message to it is recorded."""
        for index in (0, 1):
            deadline = time.monotonic() + timeout
            while True:
                sender = f"postgres-probe-{index}-{time.time_ns()}"
                assert self.say(sender, "hello there", index).status == 200
                if self.user_message_recorded(sender, "hello there"):
                    break
                assert time.monotonic() < deadline, f"replica {index} does not store conversations again"
                time.sleep(0.5)

    def close(self) -> None:
        """Stops the replicas and the action server (LocalServices stops the rest)."""
        stop_groups([*self.replicas, self.servers.actions], STOP_GRACE_SECONDS)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    with LocalServices() as services:
        stack = ReplicaStack(tmp_path_factory.mktemp("replicas"), services)
        try:
            yield stack
        finally:
            stack.close()


_SESSION_STARTED = time.time()
RESULTS = ROOT / "results" / "replica"


def pytest_terminal_summary(terminalreporter):
    """Prints the figures this run wrote to results/replica/ (docs/production.md)."""
    for name in ("replicas.json", "faults.json", "contention.json", "memory.json"):
        path = RESULTS / name
        if path.exists() and path.stat().st_mtime >= _SESSION_STARTED:
            figures = json.loads(path.read_text())
            terminalreporter.write_line(f"{path.relative_to(ROOT)}:")
            if name == "faults.json":
                for fault, times in figures.items():
                    spent = ", ".join(f"{message!r} {seconds:.2f} s" for message, seconds in times.items())
                    terminalreporter.write_line(f"  {fault}: {spent}")
            else:
                terminalreporter.write_line("  " + json.dumps(figures))
