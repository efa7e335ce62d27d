"""Load benchmark (`make bench`, README "Load benchmark"): the assistant against a stock `rasa init`
assistant, both served three ways on this machine, in one run.

Simulated parents talk to the REST channel (POST /webhooks/rest/webhook on 127.0.0.1): each
conversation has its own sender id and a realistic mix of turns (a greeting, topic questions, a
fever report with a reading, often a sign of infection, a thank-you, sometimes a goodbye), one turn
at a time: the next message is sent as soon as the reply has arrived (no typing pause, so the
figures are what the servers hold with that many conversations open). Each conversation has its own
HTTP connection (kept alive for its turns); when it ends, its parent starts a new one with a new
sender id and a new connection.

Deployments (each started fresh, with fresh stores, and stopped before the next; within one, both
assistants' servers run side by side and are measured in turn, level by level, so that a change in
the machine's speed during the run affects both alike; an idle server uses no CPU):
  single    one `rasa run` on endpoints.yml: SQLite tracker store, in-process locks
  workers   one `rasa run` with two Sanic workers (Rasa 3.6 reads SANIC_WORKERS; it has no --workers
            option) on endpoints.production.yml: PostgreSQL tracker store, Redis lock store
  replicas  two `rasa run` on endpoints.production.yml behind nginx (round robin), sharing
            PostgreSQL and Redis
PostgreSQL, Redis and nginx come from tools/local_services.py. The assistant's action server
(one process) serves every deployment. The reference, `rasa init --no-prompt` trained at bench time
in a temporary folder with its default config, is served the same three ways with Rasa's stock
stores (SQLite / PostgreSQL tracker store, in-memory / Redis lock store); it has no custom action,
so it has no action server.

For each assistant, deployment and concurrency level (1, 10, 50 conversations at once): a short
unmeasured ramp, then a fixed measured window. Messages per second count the replies that arrived in
the window; p50/p95/p99 are over those replies' latencies; peak memory is the highest sum of the
resident set sizes (RSS, from /proc) of the Rasa server processes (all workers / replicas) and the
action server, sampled twice a second. Before measuring, each deployment gets a warm-up.

Writes results/bench/bench.json (every figure), bench.md (the table, the target verdict, the
machine) and latency.png (p50 and p95 latency and messages per second against concurrency), and
prints the table.

    python tools/bench.py                       # the full run, about 20 minutes
    python tools/bench.py --duration 5 --levels 1,10 --deployments single   # a quick look
    python tools/bench.py --reference-dir DIR   # reuse a `rasa init` project trained before
    python tools/bench.py --replot              # table and plot again from bench.json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.harness import MODEL, STOP_GRACE_SECONDS, VENV_BIN, Servers, production_servers, wait_until_up  # noqa: E402
from tools.local_services import LocalServices, free_port  # noqa: E402
from scripts.process_group import start_in_own_group, stop_groups  # noqa: E402

OUT = ROOT / "results" / "bench"
LEVELS = (1, 10, 50)
DEPLOYMENTS = ("single", "workers", "replicas")
ASSISTANTS = ("neutropenia", "rasa-init")
DEPLOYMENT_LABELS = {
    "single": "single server",
    "workers": "2 Sanic workers",
    "replicas": "2 replicas + nginx",
}
# The target, at TARGET_LEVEL conversations at once, for each deployment.
TARGET_LEVEL = 10
TARGET_RATIO = 2.0
TARGET_P95_MS = 250.0

REQUEST_TIMEOUT = 60.0  # seconds; a request that takes longer counts as an error
HEAVY_WORDS = ("rasa", "pytest", "py-spy", "pyinstrument")

# --------------------------------------------------------------------------------------------
# What the simulated parents (and the reference's users) say.
# --------------------------------------------------------------------------------------------

GREETINGS = ["hi", "hello there", "good morning", "hello", "hey, I have a question"]
TOPIC_QUESTIONS = [
    "what is neutropenia?",
    "what does neutropenia mean for my daughter",
    "what are neutrophils",
    "what is the ANC",
    "what does absolute neutrophil count mean",
    "what causes neutropenia",
    "why does my son have low neutrophils",
    "what kinds of neutropenia are there",
    "what is cyclic neutropenia",
    "what is congenital neutropenia",
    "what are the symptoms of neutropenia",
    "when should I call the doctor",
    "how should I take her temperature",
    "how is neutropenia diagnosed",
    "what is a bone marrow aspirate",
    "how is neutropenia treated",
    "what is G-CSF",
    "will he need antibiotics",
    "how do I reach the care team after hours",
]
# readings at or above the fever threshold (38.0 C / 100.4 F): the reply must say "Call now"
FEVER_REPORTS = [
    "she has a fever of 101.5",
    "my son has a temperature of 38.6",
    "his temp is 102, what do I do",
    "the thermometer says 38.9 C",
    "my daughter has a fever of 100.9",
    "he has a fever, 101.2 under the arm",
    "temp is 39.1",
]
INFECTION_SIGNS = [
    "she has chills and keeps shivering",
    "his port site is red and swollen",
    "she says it burns when she pees",
    "he has mouth sores and won't drink",
    "the skin around her cut is red and has pus",
]
THANKS = ["thank you", "thanks, that helps", "thank you so much"]
GOODBYES = ["bye", "that's all, bye"]


def parent_conversation(rng: random.Random) -> List[Tuple[str, str]]:
    """One parent's turns, (text, kind): about 7 turns, 1 or 2 of them urgent."""
    questions = rng.sample(TOPIC_QUESTIONS, 3)
    turns = [(rng.choice(GREETINGS), "greet"), (questions[0], "topic"), (questions[1], "topic"),
             (rng.choice(FEVER_REPORTS), "fever")]
    if rng.random() < 0.5:
        turns.append((rng.choice(INFECTION_SIGNS), "sign"))
    if rng.random() < 0.5:
        turns.append((questions[2], "topic"))
    turns.append((rng.choice(THANKS), "thanks"))
    if rng.random() < 0.5:
        turns.append((rng.choice(GOODBYES), "goodbye"))
    return turns


def reference_conversation(rng: random.Random) -> List[Tuple[str, str]]:
    """The stock `rasa init` assistant's own intents in the order of its stories (so that every
    turn has an answer), about 7 turns. It has no custom action, so no turn calls an action server."""
    def mood(first: bool) -> List[Tuple[str, str]]:
        if rng.random() < 0.5:
            return [(rng.choice(["I am great", "feeling wonderful", "very good", "I am amazing"]), "mood_great")]
        # its stories answer a "no" only early in a conversation
        answers = ["yes", "of course", "that sounds good"] + (["no", "not really"] if first else [])
        return [(rng.choice(["I am sad", "I feel very sad today", "not good", "I am unhappy"]), "mood_unhappy"),
                (rng.choice(answers), "affirm_deny")]

    turns = [(rng.choice(["hello", "hi there", "good morning", "hey"]), "greet"), *mood(True),
             (rng.choice(["are you a bot?", "am I talking to a human?", "are you a human?"]), "bot_challenge"),
             (rng.choice(["hello again", "hi", "good evening"]), "greet"), *mood(False)]
    if len(turns) < 7:
        turns.append((rng.choice(["am I talking to a bot?", "are you a bot?"]), "bot_challenge"))
    turns.append((rng.choice(["bye", "see you later", "goodbye"]), "goodbye"))
    return turns


def reply_is_right(kind: str, texts: List[str]) -> bool:
    """Every turn gets a reply; a fever or infection sign gets the Call-now reply."""
    if not texts:
        return False
    if kind in ("fever", "sign"):
        return any("Call now" in t or "Call 911" in t for t in texts)
    return True


# --------------------------------------------------------------------------------------------
# Processes: memory and CPU from /proc (psutil is not a dependency).
# --------------------------------------------------------------------------------------------

def _stat_fields(pid: int) -> Optional[List[str]]:
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rindex(")") + 2:].split()  # fields from the 3rd (state) on


def process_tree(roots: Sequence[int]) -> List[int]:
    """The root pids and all their descendants that are alive."""
    children: Dict[int, List[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [p for p in roots if _stat_fields(p)]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def cpu_seconds(pids: Sequence[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_busy() -> Tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / ticks, sum(values) / ticks


def other_heavy_processes() -> List[str]:
    """Rasa, pytest or profiler processes that are not ours: they would distort the figures."""
    mine = set(process_tree([os.getpid()]))
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if any(word in cmdline for word in HEAVY_WORDS) and "bench.py" not in cmdline:
            found.append(f"{entry.name}: {cmdline[:140].strip()}")
    return found


def load_average() -> List[float]:
    return [float(v) for v in Path("/proc/loadavg").read_text().split()[:3]]


class MemorySampler:
    """Samples the summed RSS of the process trees of `roots` every `interval` seconds. The trees
    are read once per level (every server and worker is up before a level starts), not at every
    sample: scanning all of /proc runs on the load generator's event loop."""

    def __init__(self, roots: Callable[[], Sequence[int]], interval: float = 0.5):
        self.roots, self.interval = roots, interval
        self.peak = 0
        self.pids: List[int] = []
        self._task: Optional[asyncio.Task] = None

    def sample(self) -> int:
        total = sum(rss_bytes(pid) for pid in self.pids)
        self.peak = max(self.peak, total)
        return total

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(self.interval)

    def __enter__(self) -> "MemorySampler":
        self.peak = 0
        self.pids = process_tree(self.roots())
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc) -> None:
        self._task.cancel()
        self.sample()


# --------------------------------------------------------------------------------------------
# The load: simulated conversations over the REST channel.
# --------------------------------------------------------------------------------------------

@dataclass
class Turn:
    started: float
    ended: float
    answered: bool  # HTTP 200 with a JSON list (the reply may still be wrong)
    right: bool  # answered, and the reply expected (not empty; Call now for a fever or infection sign)
    error: Optional[str] = None  # why not answered, or what was wrong
    kind: str = ""  # greet, topic, fever, ...


async def drive(url: str, conversation: Callable[[random.Random], List[Tuple[str, str]]], concurrency: int,
                ramp: float, duration: float, tag: str) -> Tuple[List[Turn], float, float]:
    """`concurrency` parents talk to `url` for ramp + duration seconds. Returns every turn and the
    measured window (start, end) in the loop's clock."""
    import aiohttp

    loop = asyncio.get_running_loop()
    window_start = loop.time() + ramp
    window_end = window_start + duration
    turns: List[Turn] = []
    endpoint = f"{url}/webhooks/rest/webhook"
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def parent(index: int) -> None:
        rng = random.Random(f"{tag}-{index}")
        number = 0
        while loop.time() < window_end:
            sender = f"bench-{tag}-{index}-{number}"
            number += 1
            # each conversation on its own connection (kept alive for its turns), like a parent's phone
            async with aiohttp.ClientSession(timeout=timeout) as session:
                if not await talk(session, sender, conversation(rng)):
                    return

    async def talk(session, sender: str, script: List[Tuple[str, str]]) -> bool:
        """One conversation's turns; False once the window has ended."""
        for text, kind in script:
            if loop.time() >= window_end:
                return False
            started = loop.time()
            answered = right = False
            error = None
            try:
                async with session.post(endpoint, json={"sender": sender, "message": text}) as response:
                    body = await response.json(content_type=None)
                    answered = response.status == 200 and isinstance(body, list)
                    if not answered:
                        error = f"HTTP {response.status}"
                    else:
                        right = reply_is_right(kind, [m.get("text") or "" for m in body if isinstance(m, dict)])
                        error = None if right else f"{kind}: {'no reply' if not body else 'unexpected reply'}"
            except Exception as exc:  # a refused connection, a timeout, a body that is not JSON
                error = type(exc).__name__
            turns.append(Turn(started, loop.time(), answered, right, error, kind))
            if not answered:
                await asyncio.sleep(0.2)  # no tight loop against a failing server
        return True

    tasks = [asyncio.ensure_future(parent(i)) for i in range(concurrency)]
    done, pending = await asyncio.wait(tasks, timeout=ramp + duration + REQUEST_TIMEOUT + 10)
    for task in pending:
        task.cancel()
    for task in done:
        if task.exception():
            raise task.exception()
    return turns, window_start, window_end


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of the sorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


@dataclass
class LevelResult:
    assistant: str
    deployment: str
    concurrency: int
    duration_s: float
    messages: int  # answered in the window
    messages_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    errors: int  # not answered: refused, timed out, HTTP error
    wrong_replies: int  # answered, but empty or (a fever, an infection sign) without Call now
    error_kinds: Dict[str, int]
    p50_ms_by_kind: Dict[str, float]
    p95_ms_by_kind: Dict[str, float]
    peak_rss_mb: float
    server_cpu_ms_per_message: float
    machine_cpu_busy_pct: float
    load_average: List[float] = field(default_factory=list)
    # CPU seconds in the window: the action server, and each Rasa process that served (workers, replicas)
    server_cpu_s_by_process: Dict[str, object] = field(default_factory=dict)


def summarize(assistant: str, deployment: str, concurrency: int, turns: List[Turn], window: Tuple[float, float],
              peak_rss: int, server_cpu: float, machine_busy_pct: float) -> LevelResult:
    start, end = window
    measured = [t for t in turns if start <= t.ended <= end]
    answered = [t for t in measured if t.answered]
    latencies = [(t.ended - t.started) * 1000 for t in answered]
    kinds: Dict[str, int] = {}
    for t in measured:
        if t.error:
            kinds[t.error] = kinds.get(t.error, 0) + 1
    duration = end - start
    by_kind: Dict[str, List[float]] = {}
    for t in answered:
        by_kind.setdefault(t.kind, []).append((t.ended - t.started) * 1000)
    return LevelResult(
        assistant, deployment, concurrency, round(duration, 1), len(answered), round(len(answered) / duration, 2),
        round(percentile(latencies, 50), 1), round(percentile(latencies, 95), 1), round(percentile(latencies, 99), 1),
        round(statistics.fmean(latencies), 1) if latencies else float("nan"), len(measured) - len(answered),
        sum(1 for t in answered if not t.right), kinds,
        {k: round(percentile(v, 50), 1) for k, v in sorted(by_kind.items())},
        {k: round(percentile(v, 95), 1) for k, v in sorted(by_kind.items())},
        round(peak_rss / 2**20, 1), round(server_cpu * 1000 / max(1, len(measured)), 1), round(machine_busy_pct, 1),
        load_average())


# --------------------------------------------------------------------------------------------
# The servers.
# --------------------------------------------------------------------------------------------

def _listening_inodes(port: int) -> set:
    """Socket inodes listening on 127.0.0.1:`port` (from /proc/net/tcp)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            inodes.add(fields[9])
    return inodes


def _serves(pid: int, inodes: set) -> bool:
    """Whether process `pid` has the listening socket in one of its epoll sets, i.e. its Sanic server
    accepts connections (a worker still loading the model holds the socket but does not poll it)."""
    try:
        sockets = {}
        epolls = []
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                sockets[fd] = target[8:-1]
            elif target == "anon_inode:[eventpoll]":
                epolls.append(fd)
        for fd in epolls:
            for line in Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines():
                if line.startswith("tfd:") and sockets.get(line.split()[1]) in inodes:
                    return True
    except OSError:
        pass
    return False


def wait_for_workers(port: int, workers: int, process, log: Path, timeout: float = 240) -> None:
    """Waits until `workers` Sanic worker processes of `process` accept connections on `port`
    (with SANIC_WORKERS=2 each forked worker loads the model itself, after the first answers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Rasa server exited while starting:\n{log.read_text(errors='replace')[-3000:]}")
        inodes = _listening_inodes(port)
        if sum(_serves(pid, inodes) for pid in process_tree([process.pid])) >= workers:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{workers} workers did not come up in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


class AssistantDeployment:
    """One assistant in one deployment: its processes, its stores, the URL the parents use."""

    def __init__(self, assistant: str, deployment: str, tmp: Path, reference_dir: Optional[Path],
                 server_env: Optional[Dict[str, str]] = None):
        self.assistant, self.deployment, self.tmp = assistant, deployment, tmp
        self.reference_dir = reference_dir
        self.server_env = dict(server_env or {})
        self.services = LocalServices()
        self.rasa: List[subprocess.Popen] = []
        self.servers: Optional[Servers] = None
        self.url = ""
        self.stores = ""

    # the processes whose memory and CPU count: the Rasa server(s) and the action server
    def roots(self) -> List[int]:
        pids = [p.pid for p in self.rasa]
        if self.servers and self.servers.actions:
            pids.append(self.servers.actions.pid)
        return pids

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
            self.servers = (production_servers(self.tmp, postgres, redis, workers_env) if production
                            else Servers(self.tmp))
            self.servers.env.update(self.server_env)  # may replace what Servers set (PYTHONPATH)
            self.servers.start_actions()
            spawn = self.servers.spawn_rasa
        else:
            endpoints = self.tmp / "reference-endpoints.yml"
            endpoints.write_text(reference_endpoints(self.tmp, store_env))
            endpoints.chmod(0o600)
            credentials = self.tmp / "reference-credentials.yml"
            credentials.write_text("rest:\n")
            model = sorted((self.reference_dir / "models").glob("*.tar.gz"))[-1]
            env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SANIC_WORKERS")}
            env.update(TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
                       **workers_env, **self.server_env)

            def spawn(port: int, log: Path) -> subprocess.Popen:
                with open(log, "a") as output:
                    return start_in_own_group(
                        [str(VENV_BIN / "rasa"), "run", "--model", str(model), "--endpoints", str(endpoints),
                         "--credentials", str(credentials), "--interface", "127.0.0.1", "--port", str(port)],
                        cwd=self.reference_dir, env=env, stdout=output, stderr=subprocess.STDOUT)

        # replicas start side by side (start-up is mostly loading the model)
        self.rasa = [spawn(port, log) for port, log in zip(ports, logs)]
        for port, log, process in zip(ports, logs, self.rasa):
            wait_for_workers(port, 2 if workers_env else 1, process, log)
            wait_until_up(f"http://127.0.0.1:{port}/", process, log, timeout=30)
        if self.deployment == "replicas":
            self.url = self.services.nginx(ports).url
        else:
            self.url = f"http://127.0.0.1:{ports[0]}"

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
    return (f"tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: {e['POSTGRES_HOST']}\n"
            f"  port: {e['POSTGRES_PORT']}\n  db: {e['POSTGRES_DB']}\n  username: {e['POSTGRES_USER']}\n"
            f"  password: \"{e['POSTGRES_PASSWORD']}\"\n"
            f"lock_store:\n  type: redis\n  url: {e['REDIS_HOST']}\n  port: {e['REDIS_PORT']}\n"
            f"  password: \"{e['REDIS_PASSWORD']}\"\n  db: 0\n")


def train_reference(directory: Path) -> float:
    """`rasa init --no-prompt` in `directory`: the stock project, trained with its default config."""
    directory.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false")
    started = time.monotonic()
    log = directory.parent / "rasa-init.log"
    with open(log, "w") as out:
        done = subprocess.run([str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(directory)],
                              cwd=directory, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
    if done.returncode != 0 or not list((directory / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init failed:\n{log.read_text(errors='replace')[-3000:]}")
    return time.monotonic() - started


# --------------------------------------------------------------------------------------------
# One deployment, all levels.
# --------------------------------------------------------------------------------------------

async def measure_deployment(deployed_assistants: Sequence[AssistantDeployment], levels: Sequence[int], ramp: float,
                             duration: float, warmup: float) -> List[LevelResult]:
    """Warms each assistant up, then measures level by level, the assistants in turn (the first one
    alternating), so that a change in the machine's speed during the run affects both alike."""
    def conversation_of(deployed: AssistantDeployment):
        return parent_conversation if deployed.assistant == "neutropenia" else reference_conversation

    run = f"{deployed_assistants[0].deployment}-{int(time.time())}"
    for deployed in deployed_assistants:
        # warm-up: every process answers, lazy imports and first-message paths are done
        turns, *_ = await drive(deployed.url, conversation_of(deployed), max(levels), 0, warmup,
                                f"{run}-{deployed.assistant}-warmup")
        failed = [t for t in turns if t.error]
        print(f"    {deployed.assistant} warm-up: {len(turns)} turns in {warmup:.0f} s, {len(failed)} failed or wrong"
              + (f" ({failed[0].error})" if failed else ""), flush=True)
    results = []
    for number, level in enumerate(levels):
        order = list(deployed_assistants) if number % 2 == 0 else list(reversed(deployed_assistants))
        for deployed in order:
            sampler = MemorySampler(deployed.roots)
            with sampler:
                turns, window, server_cpu, busy_pct, split = await _measured(
                    deployed, conversation_of(deployed), level, ramp, duration, f"{run}-{deployed.assistant}")
            result = summarize(deployed.assistant, deployed.deployment, level, turns, window, sampler.peak, server_cpu,
                               busy_pct)
            result.server_cpu_s_by_process = split
            results.append(result)
            print(f"    {deployed.assistant:>11}, {level:>2} conversations: {result.messages_per_s:6.1f} msg/s  "
                  f"p50 {result.p50_ms:6.0f}  p95 {result.p95_ms:6.0f}  p99 {result.p99_ms:6.0f} ms  "
                  f"errors {result.errors}  wrong {result.wrong_replies}  peak RSS {result.peak_rss_mb:.0f} MB  "
                  f"CPU {result.server_cpu_ms_per_message:.1f} ms/msg", flush=True)
    return results


async def _measured(deployed: AssistantDeployment, conversation, level: int, ramp: float, duration: float,
                    run: str):
    """Drives one level; also reads the servers' CPU time and the machine's CPU over the measured
    window. Returns (turns, window, server CPU seconds, machine busy %, CPU seconds of the action
    server and of each Rasa process)."""
    loop = asyncio.get_running_loop()
    marks: Dict[str, Tuple[Dict[int, float], float, float]] = {}

    async def mark(name: str, at: float) -> None:
        await asyncio.sleep(max(0.0, at - loop.time()))
        busy, total = machine_busy()
        marks[name] = ({pid: cpu_seconds([pid]) for pid in process_tree(deployed.roots())}, busy, total)

    begin = loop.time()
    marker = asyncio.gather(mark("start", begin + ramp), mark("end", begin + ramp + duration))
    turns, window_start, window_end = await drive(deployed.url, conversation, level, ramp, duration, f"{run}-{level}")
    await marker
    (cpu0, busy0, total0), (cpu1, busy1, total1) = marks["start"], marks["end"]
    busy_pct = 100 * (busy1 - busy0) / max(1e-9, total1 - total0)
    by_pid = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    actions = deployed.servers.actions.pid if deployed.servers and deployed.servers.actions else None
    split = {"actions": round(by_pid.get(actions, 0.0), 2),
             "rasa": sorted((round(v, 2) for pid, v in by_pid.items() if pid != actions and v >= 0.05), reverse=True)}
    return turns, (window_start, window_end), sum(by_pid.values()), busy_pct, split


# --------------------------------------------------------------------------------------------
# Report: table, verdict, plot.
# --------------------------------------------------------------------------------------------

def verdicts(results: List[dict]) -> List[dict]:
    """The target for each deployment: at TARGET_LEVEL conversations, >= TARGET_RATIO x the reference's
    messages per second, and p95 < TARGET_P95_MS."""
    found = {(r["assistant"], r["deployment"], r["concurrency"]): r for r in results}
    out = []
    for deployment in DEPLOYMENTS:
        ours = found.get(("neutropenia", deployment, TARGET_LEVEL))
        ref = found.get(("rasa-init", deployment, TARGET_LEVEL))
        if not ours or not ref:
            continue
        ratio = ours["messages_per_s"] / ref["messages_per_s"] if ref["messages_per_s"] else float("inf")
        meets = ratio >= TARGET_RATIO and ours["p95_ms"] < TARGET_P95_MS and ours["errors"] == 0
        out.append({"deployment": deployment, "ours_msg_s": ours["messages_per_s"], "ref_msg_s": ref["messages_per_s"],
                    "ratio": round(ratio, 2), "p95_ms": ours["p95_ms"], "errors": ours["errors"], "meets": meets})
    return out


def verdict_lines(results: List[dict]) -> List[str]:
    lines = []
    for v in verdicts(results):
        lines.append(
            f"- {DEPLOYMENT_LABELS[v['deployment']]}: {v['ours_msg_s']:.1f} msg/s vs {v['ref_msg_s']:.1f} "
            f"({v['ratio']:.2f}x, target >= {TARGET_RATIO:g}x), p95 {v['p95_ms']:.0f} ms "
            f"(target < {TARGET_P95_MS:g} ms){', ' + str(v['errors']) + ' errors' if v['errors'] else ''}: "
            f"**{'meets the target' if v['meets'] else 'misses the target'}**")
    return lines


def urgent_lines(results: List[dict]) -> List[str]:
    """How long a fever or infection-sign report waits compared with a question, and how the work
    spreads over the Rasa processes, at TARGET_LEVEL conversations."""
    lines = []
    for r in results:
        if r["assistant"] != "neutropenia" or r["concurrency"] != TARGET_LEVEL:
            continue
        p50, p95 = r.get("p50_ms_by_kind", {}), r.get("p95_ms_by_kind", {})
        if "fever" in p50 and "topic" in p50:
            split = r.get("server_cpu_s_by_process") or {}
            rasa = split.get("rasa") or []
            share = (" Rasa processes' CPU seconds in the window: " + ", ".join(f"{v:g}" for v in rasa) + "."
                     if len(rasa) > 1 else "")
            lines.append(f"- {DEPLOYMENT_LABELS[r['deployment']]}: fever report p50 {p50['fever']:.0f} ms "
                         f"(p95 {p95['fever']:.0f}), topic question p50 {p50['topic']:.0f} ms "
                         f"(p95 {p95['topic']:.0f}).{share}")
    if not lines:
        return []
    return [f"## Urgent messages at {TARGET_LEVEL} conversations", "",
            "A fever or infection-sign report calls the action server; the others do not.", "", *lines, ""]


def table(results: List[dict]) -> str:
    head = ("| assistant | deployment | conversations | msg/s | p50 ms | p95 ms | p99 ms | errors | wrong replies | "
            "peak RSS MB | server CPU ms/msg |")
    rows = [head, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    order = {a: i for i, a in enumerate(ASSISTANTS)}
    for r in sorted(results, key=lambda r: (DEPLOYMENTS.index(r["deployment"]), order[r["assistant"]], r["concurrency"])):
        rows.append(f"| {r['assistant']} | {DEPLOYMENT_LABELS[r['deployment']]} | {r['concurrency']} | "
                    f"{r['messages_per_s']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | "
                    f"{r['errors']} | {r['wrong_replies']} | {r['peak_rss_mb']:.0f} | {r['server_cpu_ms_per_message']:.1f} |")
    return "\n".join(rows)


def write_markdown(data: dict, path: Path) -> str:
    m = data["machine"]
    cfg = data["config"]
    lines = [
        "# Load benchmark",
        "",
        f"Run {data['started']} on {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"Python {m['python']}, Rasa {m['rasa']}; commit {data['commit']}. "
        f"Load average before the run: {' '.join(f'{x:.2f}' for x in data['load_before'])}.",
        "",
        f"Each level: {cfg['ramp']:g} s ramp (not measured), then {cfg['duration']:g} s measured; "
        f"a {cfg['warmup']:g} s warm-up per deployment; the two assistants of a deployment run side by side and "
        "are measured in turn, level by level. Each simulated conversation has its own connection and sends its "
        "next message as soon as the reply arrives. Latency is per message (request to reply), over the REST "
        "channel on 127.0.0.1. Peak RSS: the Rasa server process(es) plus the action server (the reference has none), "
        "summed (forked workers share some pages, so their sum overstates). Server CPU: CPU time of those "
        "processes per message.",
        *([f"Extra environment of every server: `{' '.join(f'{k}={v}' for k, v in cfg['server_env'].items())}`.", ""]
          if cfg.get("server_env") else []),
        "",
        table(data["results"]),
        "",
        f"## Target: at {TARGET_LEVEL} conversations, >= {TARGET_RATIO:g}x the stock assistant's messages per "
        f"second, p95 < {TARGET_P95_MS:g} ms",
        "",
        *verdict_lines(data["results"]),
        "",
        "## Deployments",
        "",
        "- single server: one `rasa run`; the assistant on `endpoints.yml` (SQLite tracker store, "
        "in-process locks), the reference on Rasa's SQLite tracker store and in-memory lock store.",
        "- 2 Sanic workers: one `rasa run` with `SANIC_WORKERS=2` (Rasa 3.6 has no `--workers` option), "
        "PostgreSQL tracker store and Redis lock store (the assistant: `endpoints.production.yml`; the "
        "reference: Rasa's stock `SQL` and `redis` stores).",
        "- 2 replicas + nginx: two `rasa run` sharing the same PostgreSQL and Redis, nginx round robin in front.",
        "- The assistant has one action server (`rasa run actions`) in every deployment; the stock `rasa init` "
        "assistant has no custom action (its `actions.py` is all comments), so it has no action server.",
        "- The reference: `rasa init --no-prompt` trained at bench time "
        f"({data.get('reference_training_s', 0):.0f} s) with its default config (DIET, TED, UnexpecTED "
        "policies); its conversations mix greet, mood_great, mood_unhappy, affirm/deny, bot_challenge, goodbye.",
        "",
        *urgent_lines(data["results"]),
        "## Machine load",
        "",
        f"Other heavy processes at the start: {len(data['other_processes_before'])}"
        + (" (" + "; ".join(data["other_processes_before"]) + ")" if data["other_processes_before"] else "")
        + f"; at the end: {len(data['other_processes_after'])}"
        + (" (" + "; ".join(data["other_processes_after"]) + ")" if data["other_processes_after"] else "") + ".",
        "The load generator runs on the same machine. Per level, machine CPU busy % (all processes):",
        "",
        ", ".join(f"{r['assistant']}/{r['deployment']}/{r['concurrency']}: {r['machine_cpu_busy_pct']:.0f}%"
                  for r in data["results"]),
        "",
        "![latency](latency.png)",
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def plot(results: List[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"single": "tab:blue", "workers": "tab:orange", "replicas": "tab:green"}
    styles = {"neutropenia": "-", "rasa-init": "--"}
    markers = {"neutropenia": "o", "rasa-init": "s"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    for assistant in ASSISTANTS:
        for deployment in DEPLOYMENTS:
            rows = sorted((r for r in results if r["assistant"] == assistant and r["deployment"] == deployment),
                          key=lambda r: r["concurrency"])
            if not rows:
                continue
            x = [r["concurrency"] for r in rows]
            label = f"{assistant}, {DEPLOYMENT_LABELS[deployment]}"
            for ax, key in zip(axes, ("p50_ms", "p95_ms", "messages_per_s")):
                ax.plot(x, [r[key] for r in rows], styles[assistant], marker=markers[assistant],
                        color=colors[deployment], label=label)
    levels = sorted({r["concurrency"] for r in results})
    for ax, title in zip(axes, ("p50 latency (ms)", "p95 latency (ms)", "messages per second")):
        ax.set_xscale("log")
        ax.set_xticks(levels)
        ax.set_xticklabels([str(v) for v in levels])
        ax.set_xlabel("concurrent conversations")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if "latency" in title:
            ax.set_yscale("log")
    axes[1].axhline(TARGET_P95_MS, color="red", linewidth=1, linestyle=":", label=f"target p95 {TARGET_P95_MS:g} ms")
    axes[1].axvline(TARGET_LEVEL, color="grey", linewidth=0.8, linestyle=":")
    axes[2].axvline(TARGET_LEVEL, color="grey", linewidth=0.8, linestyle=":")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle("neutropenia assistant (solid) vs stock rasa init (dashed), same machine, same run")
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------------------------

def machine_info() -> dict:
    cpu_model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    try:
        import rasa

        rasa_version = rasa.__version__
    except Exception:
        rasa_version = "?"
    return {"cpus": os.cpu_count(), "cpu_model": cpu_model, "memory_gb": round(memory_kb / 2**20, 1),
            "python": platform.python_version(), "rasa": rasa_version}


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def wait_until_quiet(limit: float) -> List[str]:
    """Waits (up to `limit` seconds) while other Rasa / pytest processes run; returns those still running."""
    deadline = time.monotonic() + limit
    others = other_heavy_processes()
    while others and time.monotonic() < deadline:
        print(f"waiting for {len(others)} other heavy process(es) to finish (they would distort the figures):",
              flush=True)
        for line in others[:5]:
            print(f"  {line}", flush=True)
        time.sleep(min(15.0, max(0.0, deadline - time.monotonic())))
        others = other_heavy_processes()
    if others:
        print("WARNING: measuring while other heavy processes run; bench.md lists them.", flush=True)
    return others


def report(data: dict, out: Path) -> None:
    write_markdown(data, out / "bench.md")
    plot(data["results"], out / "latency.png")
    print()
    print(table(data["results"]))
    print()
    print("\n".join(verdict_lines(data["results"])))
    print(f"\nwritten: {out / 'bench.md'}, {out / 'latency.png'}, {out / 'bench.json'}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)), help="concurrent conversations (1,10,50)")
    parser.add_argument("--deployments", default=",".join(DEPLOYMENTS))
    parser.add_argument("--assistants", default=",".join(ASSISTANTS))
    parser.add_argument("--duration", type=float, default=30, help="measured seconds per level")
    parser.add_argument("--ramp", type=float, default=3, help="unmeasured seconds at the start of each level")
    parser.add_argument("--warmup", type=float, default=10, help="seconds of warm-up traffic per deployment")
    parser.add_argument("--reference-dir", type=Path, help="a `rasa init` project already trained (else trained now)")
    parser.add_argument("--wait-idle", type=float, default=600,
                        help="seconds to wait for other rasa/pytest processes to finish before starting")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra environment variable for every server started (to try a setting); repeatable")
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs (the temporary folder)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--replot", action="store_true", help="only redo bench.md and latency.png from bench.json")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.replot:
        report(json.loads((out / "bench.json").read_text()), out)
        return 0

    levels = [int(v) for v in args.levels.split(",")]
    server_env = dict(item.split("=", 1) for item in args.server_env)
    deployments = [d for d in args.deployments.split(",") if d]
    assistants = [a for a in args.assistants.split(",") if a]
    for d in deployments:
        if d not in DEPLOYMENTS:
            parser.error(f"unknown deployment {d!r}; one of {DEPLOYMENTS}")
    for a in assistants:
        if a not in ASSISTANTS:
            parser.error(f"unknown assistant {a!r}; one of {ASSISTANTS}")
    if "neutropenia" in assistants and not MODEL.exists():
        print("no trained model: run 'make train'", file=sys.stderr)
        return 1

    # SIGTERM (make interrupted, a CI timeout) stops the servers and removes the temporary folder too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    others_before = wait_until_quiet(args.wait_idle)
    tmp_root = Path(tempfile.mkdtemp(prefix="neutropenia-bench-"))
    data = {"started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine_info(),
            "commit": git_commit(), "load_before": load_average(), "other_processes_before": others_before,
            "config": {"levels": levels, "duration": args.duration, "ramp": args.ramp, "warmup": args.warmup,
                       "server_env": server_env},
            "model": {"path": str(MODEL.relative_to(ROOT)), "mtime": datetime.fromtimestamp(
                MODEL.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")} if MODEL.exists() else None,
            "results": []}
    started = time.monotonic()
    try:
        reference_dir = args.reference_dir
        if "rasa-init" in assistants and reference_dir is None:
            reference_dir = tmp_root / "rasa-init"
            print("training the stock `rasa init` assistant (the reference) ...", flush=True)
            data["reference_training_s"] = round(train_reference(reference_dir), 1)
            print(f"  trained in {data['reference_training_s']:.0f} s", flush=True)
        for deployment in deployments:
            print(f"{DEPLOYMENT_LABELS[deployment]}:", flush=True)
            deployed_assistants: List[AssistantDeployment] = []
            try:
                # both assistants' servers side by side (an idle server uses no CPU), measured in turn
                for assistant in assistants:
                    tmp = tmp_root / f"{assistant}-{deployment}"
                    tmp.mkdir()
                    deployed = AssistantDeployment(assistant, deployment, tmp,
                                                   reference_dir.resolve() if reference_dir else None, server_env)
                    deployed_assistants.append(deployed)
                    t0 = time.monotonic()
                    deployed.start()
                    print(f"    {assistant} up in {time.monotonic() - t0:.0f} s ({deployed.stores}); {deployed.url}",
                          flush=True)
                results = asyncio.run(measure_deployment(deployed_assistants, levels, args.ramp, args.duration,
                                                         args.warmup))
            finally:
                for deployed in deployed_assistants:
                    deployed.stop()
            data["results"].extend(asdict(r) for r in results)
            (out / "bench.json").write_text(json.dumps(data, indent=1))
    finally:
        if args.keep:
            print(f"servers' logs kept in {tmp_root}")
        else:
            shutil.rmtree(tmp_root, ignore_errors=True)
    data["total_s"] = round(time.monotonic() - started)
    data["other_processes_after"] = other_heavy_processes()
    data["load_after"] = load_average()
    (out / "bench.json").write_text(json.dumps(data, indent=1))
    report(data, out)
    print(f"bench took {data['total_s'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
