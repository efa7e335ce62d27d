"""The servers of one assistant in one deployment, and the reference assistant.

  single    one `rasa run` on endpoints.yml: SQLite tracker store, in-process locks
  workers   one `rasa run` with two Sanic workers (Rasa 3.6 reads SANIC_WORKERS; it has no --workers
            option) on endpoints.production.yml: PostgreSQL tracker store, Redis lock store
  replicas  two `rasa run` on endpoints.production.yml behind nginx (round robin), sharing
            PostgreSQL and Redis

PostgreSQL, Redis and nginx come from tools/local_services.py; the assistant's servers from
tools/harness.py. The reference, `rasa init --no-prompt`, is served the same three ways with
Rasa's stock stores; it has no custom action, so no action server.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

from scripts.process_group import start_in_own_group, stop_groups
from tools.benchmark.probes import listening_inodes, process_tree, serves
from tools.harness import STOP_GRACE_SECONDS, VENV_BIN, Servers, production_servers, wait_until_up
from tools.local_services import LocalServices, free_port

DEPLOYMENTS = ("single", "workers", "replicas")
DEPLOYMENT_LABELS = {
    "single": "single server",
    "workers": "2 Sanic workers",
    "replicas": "2 replicas + nginx",
}
ASSISTANTS = ("neutropenia", "rasa-init")
SERVER_START_TIMEOUT = 240  # seconds: loading a model takes most of it
REFERENCE_TRAINING_TIMEOUT = 1800


def wait_for_workers(
    port: int, workers: int, process: subprocess.Popen, log: Path, timeout: float = SERVER_START_TIMEOUT
) -> None:
    """Waits until `workers` Sanic worker processes of `process` accept connections on `port`
    (with SANIC_WORKERS=2 each forked worker loads the model itself, after the first answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Rasa server exited while starting:\n{log.read_text(errors='replace')[-3000:]}")
        inodes = listening_inodes(port)
        if sum(serves(pid, inodes) for pid in process_tree([process.pid])) >= workers:
            return
        time.sleep(0.5)
    raise RuntimeError(
        f"{workers} workers did not come up in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}"
    )


class AssistantDeployment:
    """One assistant in one deployment: its processes, its stores, the URL the parents use."""

    def __init__(
        self,
        assistant: str,
        deployment: str,
        tmp: Path,
        reference_dir: Optional[Path],
        server_env: Optional[Dict[str, str]] = None,
    ):
        self.assistant, self.deployment, self.tmp = assistant, deployment, tmp
        self.reference_dir = reference_dir
        self.server_env = dict(server_env or {})
        self.services = LocalServices()
        self.rasa: List[subprocess.Popen] = []
        self.servers: Optional[Servers] = None
        self.url = ""
        self.stores = ""

    def roots(self) -> List[int]:
        """The processes whose memory and CPU count: the Rasa server(s) and the action server."""
        pids = [p.pid for p in self.rasa]
        if self.servers and self.servers.actions:
            pids.append(self.servers.actions.pid)
        return pids

    @property
    def actions_pid(self) -> Optional[int]:
        return self.servers.actions.pid if self.servers and self.servers.actions else None

    def start(self) -> None:
        production = self.deployment in ("workers", "replicas")
        store_env: Dict[str, str] = {}
        if production:
            postgres, redis = self.services.postgres(), self.services.redis()
            store_env = {**postgres.env(), **redis.env()}
            self.stores = "PostgreSQL tracker store, Redis lock store"
        else:
            self.stores = "SQLite tracker store, in-process locks"
        workers_env = {"SANIC_WORKERS": "2"} if self.deployment == "workers" else {}
        ports = [free_port(), free_port()] if self.deployment == "replicas" else [free_port()]
        logs = [self.tmp / f"rasa-{i}.log" for i in range(len(ports))]
        if self.assistant == "neutropenia":
            self.servers = (
                production_servers(self.tmp, postgres, redis, workers_env) if production else Servers(self.tmp)
            )
            self.servers.env.update(self.server_env)  # may replace what Servers set (PYTHONPATH)
            self.servers.start_actions()
            spawn = self.servers.spawn_rasa
        else:
            spawn = self._reference_spawner(store_env, workers_env)

        # replicas start side by side (start-up is mostly loading the model)
        self.rasa = [spawn(port, log) for port, log in zip(ports, logs, strict=False)]
        for port, log, process in zip(ports, logs, self.rasa, strict=False):
            wait_for_workers(port, 2 if workers_env else 1, process, log)
            wait_until_up(f"http://127.0.0.1:{port}/", process, log, timeout=30)
        if self.deployment == "replicas":
            self.url = self.services.nginx(ports).url
        else:
            self.url = f"http://127.0.0.1:{ports[0]}"

    def _reference_spawner(self, store_env: Dict[str, str], workers_env: Dict[str, str]):
        """How to start one server of the reference on a port, with its stock stores."""
        if self.reference_dir is None:
            raise RuntimeError("the reference needs a trained `rasa init` project (reference_dir)")
        reference_dir = self.reference_dir
        endpoints = self.tmp / "reference-endpoints.yml"
        endpoints.write_text(reference_endpoints(self.tmp, store_env))
        endpoints.chmod(0o600)  # it holds the database password
        credentials = self.tmp / "reference-credentials.yml"
        credentials.write_text("rest:\n")
        model = sorted((reference_dir / "models").glob("*.tar.gz"))[-1]
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SANIC_WORKERS")}
        env.update(
            TF_CPP_MIN_LOG_LEVEL="2",
            RASA_TELEMETRY_ENABLED="false",
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            **workers_env,
            **self.server_env,
        )

        def spawn(port: int, log: Path) -> subprocess.Popen:
            with open(log, "a") as output:
                return start_in_own_group(
                    [
                        str(VENV_BIN / "rasa"),
                        "run",
                        "--model",
                        str(model),
                        "--endpoints",
                        str(endpoints),
                        "--credentials",
                        str(credentials),
                        "--interface",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    cwd=reference_dir,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )

        return spawn

    def stop(self) -> None:
        """Stops the Rasa server(s) and the action server with every process they forked (Sanic
        workers outlive a parent stopped while they are still loading the model), then the stores."""
        try:
            stop_groups([*self.rasa, self.servers.actions if self.servers else None], STOP_GRACE_SECONDS)
        finally:
            self.services.close()


def reference_endpoints(tmp: Path, store_env: Dict[str, str]) -> str:
    """Rasa's stock stores for the reference: the same kinds as the assistant's deployment."""
    if not store_env:
        return f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp / 'reference.db'}\n"
    e = store_env
    return (
        f"tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: {e['POSTGRES_HOST']}\n"
        f"  port: {e['POSTGRES_PORT']}\n  db: {e['POSTGRES_DB']}\n  username: {e['POSTGRES_USER']}\n"
        f"  password: \"{e['POSTGRES_PASSWORD']}\"\n"
        f"lock_store:\n  type: redis\n  url: {e['REDIS_HOST']}\n  port: {e['REDIS_PORT']}\n"
        f"  password: \"{e['REDIS_PASSWORD']}\"\n  db: 0\n"
    )


def train_reference(directory: Path) -> float:
    """`rasa init --no-prompt` in `directory`: the stock project, trained with its default config.
    Returns the seconds it took."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false")
    started = time.monotonic()
    log = directory.parent / "rasa-init.log"
    with open(log, "w") as out:
        done = subprocess.run(
            [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(directory)],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=REFERENCE_TRAINING_TIMEOUT,
        )
    if done.returncode != 0 or not list((directory / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init failed:\n{log.read_text(errors='replace')[-3000:]}")
    return time.monotonic() - started
