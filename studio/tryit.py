"""Try it: a person's draft applied to an edited copy of the content (their work tree, a full checkout
of the published content), a candidate model trained there into a path of its own (never
models/neutropenia-assistant.tar.gz), both models served side by side for a chat, and the checks run
from the page: `make validate`, the NLU gate on the held-out questions with what got better and what
got worse, and the blind gates.

Every step runs as `make` would run it, in the edited copy and with its own code (PYTHONPATH is the
copy), in a subprocess of its own; the page polls the job's steps. The servers are
scripts/model_servers.py's, on free loopback ports, with the try-it conversations in the studio's
state folder (never in the tracker store the inbox reads).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from scripts.model_servers import ROOT, ModelServers
from studio.drafts import Draft, apply_draft
from studio.library import Library
from studio.repository import Repository

RUNNING, DONE, FAILED, WAITING = "running", "done", "failed", "waiting"
SPACY_MODEL = re.compile(r"^\s*model:\s*(\S+)", re.M)
# what the page says a training takes, until one has been timed here
FIRST_TRAINING_SECONDS = 60.0


@dataclass
class Step:
    name: str
    state: str = WAITING
    detail: str = ""
    started: float = 0.0
    seconds: float = 0.0


@dataclass
class Job:
    kind: str
    steps: List[Step]
    state: str = RUNNING
    started: float = field(default_factory=time.time)
    finished: float = 0.0
    error: str = ""
    output: str = ""  # the last lines a failed command printed (no message of a parent: content only)
    result: Dict[str, object] = field(default_factory=dict)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


@dataclass
class Change:
    text: str
    before: str  # the intent the current model read
    after: str  # the candidate's
    expected: str


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


class TryIt:
    def __init__(self, repository: Repository, state: Path, current_model: Path, sources_folder: Path):
        self.repository, self.state, self.current_model = repository, state, current_model
        self.sources_folder = sources_folder
        self.jobs: Dict[Tuple[str, str], Job] = {}
        self.candidates: Dict[str, ModelServers] = {}
        self.current: Optional[ModelServers] = None
        self._current_stamp: Optional[float] = None
        self._current_start: Optional["asyncio.Future[ModelServers]"] = None
        self.training_seconds = FIRST_TRAINING_SECONDS
        self._server_lock = asyncio.Lock()
        self.readings: Dict[Path, "asyncio.Task[Tuple[int, str]]"] = {}
        # make validate on each person's copy, started when their candidate is trained
        self.validations: Dict[str, "asyncio.Task[Tuple[int, str]]"] = {}

    # --- paths --------------------------------------------------------------------------------

    @staticmethod
    def worktree_name(user: str) -> str:
        return f"try-{user}"

    def candidate_dir(self, user: str) -> Path:
        return self.state / "candidates" / re.sub(r"[^a-z0-9._-]", "_", user.lower())

    def candidate_model(self, user: str) -> Path:
        return self.candidate_dir(user) / "candidate.tar.gz"

    def job(self, user: str, kind: str) -> Optional[Job]:
        return self.jobs.get((user, kind))

    # --- running a command --------------------------------------------------------------------

    def environment(self, code: Path) -> Dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(code),
            # make validate's facts check reads the pages the studio reads (the copy is elsewhere)
            "CONTENT_SOURCES_DIR": str(self.sources_folder),
            "PYTHONWARNINGS": "ignore",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            # the studio's own training cache: retraining after a small change is faster
            "RASA_CACHE_DIRECTORY": str(self.state / "rasa-cache"),
        }

    async def run(self, step: Step, command: List[str], cwd: Path) -> Tuple[int, str]:
        step.state, step.started = RUNNING, time.time()
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=str(cwd),
            env=self.environment(cwd),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        out, _ = await process.communicate()
        step.seconds = time.time() - step.started
        text = out.decode("utf-8", errors="replace")
        step.state = DONE if process.returncode == 0 else FAILED
        return process.returncode or 0, text

    def _start(self, user: str, kind: str, names: List[str]) -> Job:
        running = self.jobs.get((user, kind))
        if running and running.state == RUNNING:
            raise RuntimeError("this is already running: wait for it to finish")
        job = Job(kind, [Step(n) for n in names])
        self.jobs[(user, kind)] = job
        return job

    @staticmethod
    def _finish(job: Job, error: str = "", output: str = "") -> None:
        job.state = FAILED if error else DONE
        job.error, job.output, job.finished = error, tail(output), time.time()
        for step in job.steps:
            if step.state == RUNNING:
                step.state = FAILED if error else DONE

    # --- the edited copy ----------------------------------------------------------------------

    def prepare_copy(self, draft: Draft, library: Library, today: dt.date) -> Path:
        """The person's work tree at the published content with their draft applied (blocking)."""
        name = self.worktree_name(draft.user)
        with self.repository.lock(name):
            path = self.repository.worktree(name)
            apply_draft(draft, path, library, today)
            self._link_spacy_build(path)
            return path

    @staticmethod
    def _link_spacy_build(path: Path) -> None:
        """config.yml names the spaCy pipeline by a path under build/; the project's build is reused
        when it holds that pipeline, else the copy's own is built by the training step."""
        configured = SPACY_MODEL.search((path / "config.yml").read_text(encoding="utf-8"))
        build = path / "build"
        if configured and (ROOT / configured.group(1)).exists() and not build.exists():
            build.symlink_to(ROOT / "build", target_is_directory=True)

    # --- retraining ---------------------------------------------------------------------------

    TRAIN_STEPS = ["Write your changes into a copy", "Train the candidate assistant", "Start both assistants"]

    def start_training(self, draft: Draft, library: Library, today: dt.date) -> Job:
        job = self._start(draft.user, "train", self.TRAIN_STEPS)
        asyncio.get_running_loop().create_task(self._train(job, draft, library, today))
        return job

    async def _train(self, job: Job, draft: Draft, library: Library, today: dt.date) -> None:
        loop = asyncio.get_running_loop()
        write, train, serve = job.steps
        try:
            write.state, write.started = RUNNING, time.time()
            copy = await loop.run_in_executor(None, self.prepare_copy, draft, library, today)
            write.state, write.seconds = DONE, time.time() - write.started
            # while the candidate trains, the current model starts and reads the held-out questions
            self.start_current()
            self.reading(self.current_model, self.current_predictions(copy), copy)
            out = self.candidate_dir(draft.user)
            out.mkdir(parents=True, exist_ok=True)
            self.candidate_model(draft.user).unlink(missing_ok=True)
            if not (copy / "build").exists():
                code, text = await self.run(train, [sys.executable, "tools/build_spacy_pipeline.py"], copy)
                if code:
                    return self._finish(job, "the spaCy pipeline of the edited copy could not be built", text)
            train.detail = f"about {round(self.training_seconds)} seconds"
            command = [sys.executable, "scripts/quiet_rasa.py", "train", "--config", "config.yml", "--domain"]
            command += ["domain.yml", "--data", "data", "--out", str(out), "--fixed-model-name", "candidate", "--quiet"]
            code, text = await self.run(train, command, copy)
            if code or not self.candidate_model(draft.user).exists():
                return self._finish(job, "training failed: the content has a problem Rasa names below", text)
            self.training_seconds, train.detail = train.seconds, ""
            # and the candidate reads them while both assistants start
            shutil.rmtree(self.state / "results" / self.candidate_dir(draft.user).name, ignore_errors=True)
            self.reading(self.candidate_model(draft.user), self.candidate_predictions(draft.user), copy)
            self.validation(draft.user, copy, again=True)
            serve.state, serve.started = RUNNING, time.time()
            await self.serve(draft.user)
            serve.state, serve.seconds = DONE, time.time() - serve.started
            self._finish(job)
        except Exception as error:  # noqa: BLE001 - any failure is the job's, shown on the page
            self._finish(job, f"{type(error).__name__}: {error}")

    # --- the side-by-side chat ----------------------------------------------------------------

    def _servers(self, name: str, model: Path, actions_port: Optional[int] = None) -> ModelServers:
        folder = self.state / "servers" / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        servers = ModelServers(folder, model=model, actions_port=actions_port)
        try:
            if servers.own_actions:
                servers.start_actions()
            servers.start_rasa()
        except BaseException:
            servers.stop()
            raise
        return servers

    def start_current(self) -> "asyncio.Future[ModelServers]":
        """The current model's servers, started once (and again when its file changes); the first
        retraining starts them while the candidate trains."""
        loop = asyncio.get_running_loop()
        stamp = self.current_model.stat().st_mtime
        if self._current_start is None or self._current_stamp != stamp:
            old = self.current
            self.current, self._current_stamp = None, stamp

            def restart() -> ModelServers:
                if old:
                    old.stop()
                return self._servers("current", self.current_model)

            self._current_start = loop.run_in_executor(None, restart)
        return self._current_start

    async def serve(self, user: str) -> None:
        """Starts (or restarts) the person's candidate beside the current model, sharing its action server."""
        loop = asyncio.get_running_loop()
        async with self._server_lock:
            old = self.candidates.pop(user, None)
            if old:
                await loop.run_in_executor(None, old.stop)
            try:
                current = await self.start_current()
            except Exception:
                self._current_start = None  # started again at the next retraining
                raise
            self.current = current
            name = f"candidate-{self.candidate_dir(user).name}"
            candidate = await loop.run_in_executor(
                None, self._servers, name, self.candidate_model(user), current.actions_port
            )
            self.candidates[user] = candidate

    def ready(self, user: str) -> bool:
        return user in self.candidates and self.current is not None

    async def chat(self, user: str, conversation: str, message: str) -> Tuple[str, str]:
        """The same message to the current and the candidate model (one conversation each)."""
        if not self.ready(user):
            raise RuntimeError("retrain first: the candidate assistant is not running")
        loop = asyncio.get_running_loop()
        sender = f"studio-{conversation}"
        assert self.current is not None
        current, candidate = await asyncio.gather(
            loop.run_in_executor(None, self.current.say, sender, message),
            loop.run_in_executor(None, self.candidates[user].say, sender, message),
        )
        return current, candidate

    def stop(self) -> None:
        # the candidates first: they use the current model's action server
        started = self._current_start
        if self.current is None and started is not None and started.done() and not started.exception():
            self.current = started.result()
        for servers in [*self.candidates.values(), self.current]:
            if servers:
                servers.stop()
        self.candidates, self.current, self._current_start = {}, None, None

    # --- the checks ---------------------------------------------------------------------------

    CHECK_STEPS = [
        "make validate on the edited copy",
        "Held-out questions: the candidate",
        "Held-out questions: the current assistant",
        "NLU gate and what changed",
    ]

    def start_checks(self, user: str, library: Library, titles: Callable[[str], str]) -> Job:
        if not self.candidate_model(user).exists():
            raise RuntimeError("retrain first: the checks compare the candidate with the current assistant")
        job = self._start(user, "checks", self.CHECK_STEPS)
        asyncio.get_running_loop().create_task(self._checks(job, user, titles))
        return job

    async def _checks(self, job: Job, user: str, titles: Callable[[str], str]) -> None:
        validate, candidate, current, gate = job.steps
        copy = self.repository.worktree_path(self.worktree_name(user))
        try:
            validate.state, validate.started = RUNNING, time.time()
            code, text = await self.validation(user, copy)
            validate.state, validate.seconds = (FAILED if code else DONE), time.time() - validate.started
            lines = text.strip().splitlines()
            validate.detail = lines[-1] if lines else ""
            job.result["validate"] = [line for line in lines if ": warning: " not in line][-15:]
            job.result["validate_passed"] = code == 0

            current_folder, candidate_folder = self.current_predictions(copy), self.candidate_predictions(user)
            readings = (
                (candidate, self.candidate_model(user), candidate_folder),
                (current, self.current_model, current_folder),
            )
            for step, _, folder in readings:
                step.state, step.started = RUNNING, time.time()
                if (folder / "intent_successes.json").exists():
                    step.detail = "read while the assistants started"
            outcomes = await asyncio.gather(*(self.reading(model, folder, copy) for _, model, folder in readings))
            for (step, _, _), (code, text) in zip(readings, outcomes, strict=True):
                step.state, step.seconds = (FAILED if code else DONE), time.time() - step.started
                if code:
                    return self._finish(job, f"{step.name.split(': ')[-1]} could not read the held-out questions", text)
            gate.state, gate.started = RUNNING, time.time()
            code, text = await self.run(gate, [sys.executable, "tools/nlu_gate.py", str(candidate_folder)], copy)
            job.result["gate_passed"] = code == 0
            job.result["gate"] = tail(text, 30)
            better, worse, changed = compare(read_predictions(current_folder), read_predictions(candidate_folder))
            job.result["better"] = [describe(c, titles) for c in better]
            job.result["worse"] = [describe(c, titles) for c in worse]
            job.result["changed"] = [describe(c, titles) for c in changed]
            gate.detail = f"{len(better)} better, {len(worse)} worse"
            self._finish(job)
        except Exception as error:  # noqa: BLE001
            self._finish(job, f"{type(error).__name__}: {error}")

    def reading(self, model: Path, folder: Path, copy: Path) -> "asyncio.Task[Tuple[int, str]]":
        """`model` reading the copy's held-out questions into `folder` (rasa test nlu, every
        prediction kept), started once and shared: a reading that failed is started again."""
        task = self.readings.get(folder)
        if task is not None and not (task.done() and task.result()[0]):
            return task

        async def read() -> Tuple[int, str]:
            if (folder / "intent_successes.json").exists():
                return 0, ""
            command = [sys.executable, "scripts/quiet_rasa.py", "test", "nlu", "--model", str(model), "--domain"]
            command += ["domain.yml", "--nlu", "tests/nlu_holdout", "--out", str(folder), "--successes", "--quiet"]
            try:
                code, text = await self.run(Step("read"), command, copy)
            except Exception as error:  # noqa: BLE001 - the checks say it
                code, text = 1, f"{type(error).__name__}: {error}"
            if code:
                shutil.rmtree(folder, ignore_errors=True)
            return code, text

        task = asyncio.get_running_loop().create_task(read())
        self.readings[folder] = task
        return task

    def validation(self, user: str, copy: Path, again: bool = False) -> "asyncio.Task[Tuple[int, str]]":
        """make validate (tools/validate.py) on the person's copy: started when their candidate is
        trained (the copy does not change until the next retraining), awaited by the checks."""
        task = self.validations.get(user)
        if task is None or again:

            async def validate() -> Tuple[int, str]:
                try:
                    return await self.run(Step("validate"), [sys.executable, "tools/validate.py"], copy)
                except Exception as error:  # noqa: BLE001 - the checks say it
                    return 1, f"{type(error).__name__}: {error}"

            task = self.validations[user] = asyncio.get_running_loop().create_task(validate())
        return task

    def candidate_predictions(self, user: str) -> Path:
        model = self.candidate_model(user)
        stamp = model.stat().st_mtime_ns if model.exists() else 0
        return self.state / "results" / self.candidate_dir(user).name / f"candidate-{stamp}"

    def current_predictions(self, copy: Path) -> Path:
        """Where the current model's reading of these held-out questions is kept: one folder per
        model file and question set."""
        digest = hashlib.sha256()
        stat = self.current_model.stat()
        digest.update(f"{self.current_model}:{stat.st_mtime_ns}:{stat.st_size}".encode())
        for path in sorted((copy / "tests" / "nlu_holdout").rglob("*.yml")):
            digest.update(path.read_bytes())
        return self.state / "results" / "current" / digest.hexdigest()[:16]

    BLIND_STEPS = ["Blind sets through the candidate assistant"]

    def start_blind(self, user: str) -> Job:
        if user not in self.candidates:
            raise RuntimeError("retrain first: the blind sets go through the running candidate")
        job = self._start(user, "blind", self.BLIND_STEPS)
        asyncio.get_running_loop().create_task(self._blind(job, user))
        return job

    async def _blind(self, job: Job, user: str) -> None:
        [step] = job.steps
        copy = self.repository.worktree_path(self.worktree_name(user))
        sets = sorted(str(p.relative_to(copy)) for p in (copy / "tests" / "blind").glob("*.yml"))
        url = f"http://127.0.0.1:{self.candidates[user].rasa_port}"
        step.detail = f"{len(sets)} sets, a few minutes"
        try:
            command = [sys.executable, "tools/blind_evaluation.py", "--gate", "--quiet", "--url", url, *sets]
            code, text = await self.run(step, command, copy)
            job.result["passed"] = code == 0
            job.result["report"] = tail(text, 40)
            self._finish(job)
        except Exception as error:  # noqa: BLE001
            self._finish(job, f"{type(error).__name__}: {error}")


def read_predictions(folder: Path) -> Dict[str, Tuple[str, str]]:
    """text -> (expected intent, predicted intent), from Rasa's intent_successes.json and intent_errors.json."""
    found = {}
    for name in ("intent_successes.json", "intent_errors.json"):
        path = folder / name
        for entry in json.loads(path.read_text(encoding="utf-8")) if path.exists() else []:
            predicted = (entry.get("intent_prediction") or {}).get("name") or ""
            found[entry["text"]] = (entry.get("intent") or "", predicted)
    return found


def compare(
    before: Dict[str, Tuple[str, str]], after: Dict[str, Tuple[str, str]]
) -> Tuple[List[Change], List[Change], List[Change]]:
    """The held-out questions the candidate now reads right (better), now reads wrong (worse), or
    reads as another wrong intent (changed)."""
    better, worse, changed = [], [], []
    for text, (expected, now) in sorted(after.items()):
        was = before.get(text, (expected, ""))[1]
        if now == was:
            continue
        change = Change(text, was, now, expected)
        if now == expected:
            better.append(change)
        elif was == expected:
            worse.append(change)
        else:
            changed.append(change)
    return better, worse, changed


def describe(change: Change, titles: Callable[[str], str]) -> str:
    """'is it in the genes' now goes to Causes; 'what's an ANC' now goes to Diagnosis instead of ANC."""
    after = titles(change.after) if change.after else "no topic"
    if change.before and change.before != change.after:
        return f"'{change.text}' now goes to {after} instead of {titles(change.before)}"
    return f"'{change.text}' now goes to {after}"
