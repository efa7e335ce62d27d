"""Keeps the assistant's servers running under `make run`: a part that stops is started again.

    supervise.py [--log-dir DIR] [--ready-message TEXT] [--log-max-bytes N] [--log-backups N] \\
        --- NAME READY_URL COMMAND [ARG ...] [--- NAME READY_URL COMMAND [ARG ...] ...]

scripts/run_assistant.sh checks the settings and then hands over to this loop, one part (`---`)
per server: the action server, the Rasa server and the web chat page. It

* starts every part in its own process group, with its output in DIR/NAME.log and its process id
  in DIR/NAME.pid, and prints TEXT once every READY_URL answers. A part that stops before then
  stops everything (a setting is wrong: its log's last lines are printed);
* keeps each log bounded (nothing a client sends may fill the disk): a part's output
  comes through a pipe to the logging library's RotatingFileHandler, which moves NAME.log to
  NAME.log.1 (and so on, up to --log-backups, the oldest deleted) whenever the next line would take
  it past --log-max-bytes; so a part's logs never take more than about (backups + 1) x max bytes.
  A line longer than MAX_LINE_BYTES is written in pieces. Everything a part writes is kept this
  way, its logging and anything else it prints (a crash's traceback, a library's print);
* afterwards restarts a part that stops, after 1 s, doubling to 30 s while it keeps stopping
  (back to 1 s once it has stayed up 2 minutes), and prints which part stopped, its exit code or
  signal, and when it answers again. The other parts keep serving meanwhile: with the action
  server down the Rasa server still answers, and a fever report still gets "Call now" from the
  safety policy (addons/policies/urgent_safety_policy.py);
* on SIGINT (Ctrl-C), SIGTERM or SIGHUP stops every part (SIGTERM to its process group, SIGKILL
  after 10 s, at once on a second Ctrl-C), prints "stopped" and exits 0: stopping is what was asked
  for, not a failure. A part also gets SIGTERM from the kernel if this loop itself is killed
  (PR_SET_PDEATHSIG), so none is orphaned.
* run from a terminal, takes the terminal's foreground for its own process group, so that Ctrl-C
  reaches this loop alone: make, which runs it, would otherwise get the SIGINT too and end by it
  (status 130, or "make: *** [Makefile:…: run] Interrupt") however cleanly everything stopped.
  A TERM sent to make itself still ends make by that TERM (status 143) once this loop has stopped
  everything: make re-raises it, whatever its recipe did.

Why a loop of our own and not supervisord or circus: both are well kept, but they would be one
more dependency in the hashed lock of a project that runs three processes on one machine, and
neither knows when a part *answers* (the ready message, "answering again") without a plugin.
Production runs the servers under Docker Compose or Kubernetes instead (deploy/), which restart
them there. Nothing is printed here from what the servers log: no message text, no phone number.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import IO, Callable, List, Optional, Sequence

from scripts.process_group import signal_group, start_in_own_group, stop_groups

FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
# A part that ran this long before stopping was not crash-looping: its next restart is quick again.
# Longer than the Rasa server's start (20-60 s on a busy machine).
STABLE_AFTER_SECONDS = 120.0
STOP_GRACE_SECONDS = 10.0
STILL_STARTING_NOTE_AFTER_SECONDS = 180.0
TICK_SECONDS = 0.2
PROBE_EVERY_SECONDS = 1.0
PART_SEPARATOR = "---"
# Each part's logs: NAME.log up to this size, then rotated; this many older files kept.
# (scripts/run_assistant.sh passes LOG_MAX_BYTES and LOG_BACKUPS when they are set.)
DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_LOG_BACKUPS = 3
MAX_LINE_BYTES = 16 * 1024
# how long stopping waits for the last lines of a part that has exited to reach its log
LOG_DRAIN_SECONDS = 5.0


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} supervisor: {line}", file=sys.stderr, flush=True)


def how_it_ended(returncode: Optional[int]) -> str:
    if returncode is None:
        return "stopped"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


class PartLog:
    """One part's log, DIR/NAME.log, rotated by size (the module docstring). Shared by every start
    of the part: the first start empties it (and its older files), a restart appends."""

    def __init__(self, path: Path, max_bytes: int, backups: int):
        self.path = path
        self.handler = RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", errors="replace", delay=True
        )
        self.handler.setFormatter(logging.Formatter("%(message)s"))

    def empty(self) -> None:
        """Deletes NAME.log and every NAME.log.N, also those an earlier run with more backups left."""
        self.handler.close()
        self.path.unlink(missing_ok=True)
        for older in self.path.parent.glob(f"{self.path.name}.*"):
            if older.name[len(self.path.name) + 1 :].isdigit():
                older.unlink(missing_ok=True)

    def write(self, line: str) -> None:
        # emit() checks the size first: the file is rotated before this line would cross the limit
        self.handler.emit(logging.makeLogRecord({"msg": line}))

    def copy_from(self, stream: IO[bytes]) -> None:
        """Writes every line of `stream` until it ends (the part and all it started have exited)."""
        with stream:
            for chunk in iter(lambda: stream.readline(MAX_LINE_BYTES), b""):
                self.write(chunk.decode("utf-8", errors="replace").rstrip("\n"))

    def close(self) -> None:
        self.handler.close()


class Part:
    def __init__(
        self,
        name: str,
        ready_url: str,
        command: Sequence[str],
        log_dir: Path,
        log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
        log_backups: int = DEFAULT_LOG_BACKUPS,
    ):
        self.name = name
        self.ready_url = ready_url
        self.command = list(command)
        self.log = log_dir / f"{name}.log"
        self.part_log = PartLog(self.log, log_max_bytes, log_backups)
        self.pid_file = log_dir / f"{name}.pid"
        self.process: Optional[subprocess.Popen] = None
        self.log_copier: Optional[threading.Thread] = None
        self.started_at = 0.0
        self.answering = False
        self.last_probe = 0.0
        self.backoff = FIRST_BACKOFF_SECONDS
        self.restart_at: Optional[float] = None
        self.starts = 0

    def start(self) -> None:
        # the first start empties the log; a restart appends, keeping what the crash left there
        if self.starts:
            self.part_log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} restarted by scripts/supervise.py ---")
        else:
            self.part_log.empty()
        # SIGTERM from the kernel if this loop itself dies (PR_SET_PDEATHSIG): no orphan
        self.process = start_in_own_group(
            self.command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert self.process.stdout is not None
        self.log_copier = threading.Thread(
            target=self.part_log.copy_from, args=(self.process.stdout,), name=f"{self.name}-log", daemon=True
        )
        self.log_copier.start()
        self.pid_file.write_text(f"{self.process.pid}\n")
        self.starts += 1
        self.started_at = time.monotonic()
        self.answering = False
        self.restart_at = None

    def drain_log(self) -> None:
        """Waits (a little) for the last lines of a part that has exited to reach its log."""
        if self.log_copier is not None:
            self.log_copier.join(LOG_DRAIN_SECONDS)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def returncode(self) -> Optional[int]:
        return self.process.returncode if self.process is not None else None

    def probe(self, now: float) -> bool:
        """Whether it answers now (checked at most once a second)."""
        if not self.answering and now - self.last_probe >= PROBE_EVERY_SECONDS:
            self.last_probe = now
            self.answering = answers(self.ready_url)
        return self.answering

    def signal_group(self, sig: int) -> None:
        signal_group(self.process, sig)

    def tail(self, lines: int = 20) -> str:
        self.drain_log()
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Supervisor:
    def __init__(self, parts: List[Part], ready_message: str):
        self.parts = parts
        self.ready_message = ready_message
        self.stop_signal: Optional[int] = None
        self.stopping = False

    def on_signal(self, signum, _frame) -> None:
        # only a second Ctrl-C hurries: make passes a TERM sent to its group on to us a second time
        if self.stopping and signum == signal.SIGINT == self.stop_signal:
            say("stopping now")
            for part in self.parts:
                part.signal_group(signal.SIGKILL)
        self.stop_signal = self.stop_signal or signum

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self.on_signal)
        give_back_terminal = take_terminal_foreground()
        try:
            for part in self.parts:
                part.start()
            if self.wait_until_all_answer():
                print(self.ready_message, flush=True)
                self.keep_running()
                return 0
            return 1
        finally:
            self.stop_all()
            give_back_terminal()

    def wait_until_all_answer(self) -> bool:
        began = time.monotonic()
        noted = False
        while self.stop_signal is None:
            now = time.monotonic()
            for part in self.parts:
                if not part.running():
                    say(
                        f"{part.name} {how_it_ended(part.returncode())} while starting; "
                        f"the last lines of {part.log}:"
                    )
                    print(part.tail(), file=sys.stderr, flush=True)
                    return False
            if all(part.probe(now) for part in self.parts):
                return True
            if not noted and now - began > STILL_STARTING_NOTE_AFTER_SECONDS:
                noted = True
                waiting = ", ".join(p.name for p in self.parts if not p.answering)
                say(f"still waiting for {waiting} to answer; see {self.parts[0].log.parent}/")
            time.sleep(TICK_SECONDS)
        return False

    def keep_running(self) -> None:
        while self.stop_signal is None:
            now = time.monotonic()
            for part in self.parts:
                if part.restart_at is not None:
                    if now >= part.restart_at:
                        part.start()
                elif not part.running():
                    self.schedule_restart(part, now)
                elif not part.answering and part.probe(now):
                    say(f"{part.name} is answering again")
            time.sleep(TICK_SECONDS)

    def schedule_restart(self, part: Part, now: float) -> None:
        ran_for = now - part.started_at
        if ran_for >= STABLE_AFTER_SECONDS:
            part.backoff = FIRST_BACKOFF_SECONDS
        # whatever the part left behind in its process group goes with it (and so its log's pipe ends)
        part.signal_group(signal.SIGKILL)
        part.drain_log()
        part.restart_at = now + part.backoff
        say(
            f"{part.name} {how_it_ended(part.returncode())} after {ran_for:.0f} s; "
            f"restarting it in {part.backoff:.0f} s (log: {part.log})"
        )
        part.backoff = min(part.backoff * 2, MAX_BACKOFF_SECONDS)

    def stop_all(self) -> None:
        self.stopping = True
        running = [part for part in self.parts if part.running()]
        if running:
            say("stopping " + ", ".join(part.name for part in running))
        killed = stop_groups([part.process for part in running], STOP_GRACE_SECONDS)
        for part in running:
            if part.process in killed:
                say(f"{part.name} did not stop in {STOP_GRACE_SECONDS:.0f} s; killed it")
        for part in self.parts:
            part.drain_log()
            part.part_log.close()
            part.pid_file.unlink(missing_ok=True)


def take_terminal_foreground() -> Callable[[], None]:
    """Makes this process the leader of its own group and that group the foreground of the terminal
    on stdin, if it runs in the terminal's foreground; returns how to hand the terminal back."""
    try:
        if not os.isatty(0) or os.tcgetpgrp(0) != os.getpgrp():
            return lambda: None  # no terminal (a test, a service) or a background job: nothing to take
        previous = os.getpgrp()
        # a background group may set the foreground only with SIGTTOU ignored; Ctrl-Z would stop this
        # loop with the terminal still its own, make waiting on it: stopping is Ctrl-C
        for sig in (signal.SIGTTOU, signal.SIGTSTP):
            signal.signal(sig, signal.SIG_IGN)
        os.setpgid(0, 0)
        os.tcsetpgrp(0, os.getpgrp())
    except OSError:
        return lambda: None

    def give_back() -> None:
        try:
            os.tcsetpgrp(0, previous)
        except OSError:
            pass  # make is gone already: the shell takes its terminal back itself

    return give_back


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0 (LOG_MAX_BYTES, LOG_BACKUPS)")
    return value


def parse(argv: Sequence[str]):
    if PART_SEPARATOR not in argv:
        raise SystemExit(
            f"usage: supervise.py [--log-dir DIR] [--ready-message TEXT] [--log-max-bytes N] [--log-backups N] "
            f"{PART_SEPARATOR} NAME READY_URL COMMAND ... [{PART_SEPARATOR} ...]"
        )
    first = argv.index(PART_SEPARATOR)
    parser = argparse.ArgumentParser(description="Starts servers and restarts any that stops.")
    parser.add_argument("--log-dir", default="run/logs", type=Path)
    parser.add_argument("--ready-message", default="every part is answering")
    parser.add_argument(
        "--log-max-bytes",
        type=positive_int,
        default=DEFAULT_LOG_MAX_BYTES,
        help=f"rotate a part's log past this size (default {DEFAULT_LOG_MAX_BYTES})",
    )
    parser.add_argument(
        "--log-backups",
        type=positive_int,
        default=DEFAULT_LOG_BACKUPS,
        help=f"older log files kept per part (default {DEFAULT_LOG_BACKUPS})",
    )
    options = parser.parse_args(argv[:first])
    specs: List[List[str]] = []
    for arg in argv[first:]:
        if arg == PART_SEPARATOR:
            specs.append([])
        else:
            specs[-1].append(arg)
    parts = []
    for spec in specs:
        if len(spec) < 3:
            raise SystemExit(f"each part needs a name, a URL that answers once it is up, and a command: {spec}")
        parts.append(Part(spec[0], spec[1], spec[2:], options.log_dir, options.log_max_bytes, options.log_backups))
    return options, parts


def main(argv: Sequence[str]) -> None:
    options, parts = parse(argv)
    options.log_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(parts, options.ready_message)
    status = supervisor.run()
    if supervisor.stop_signal is not None:
        say("stopped")
        status = 0
    sys.exit(status)


if __name__ == "__main__":
    main(sys.argv[1:])
