"""Starting a server in its own process group, and stopping it with everything it started.

Every server the tools and tests start (the Rasa and action servers, Redis, nginx, the web chat
page, the parts of `make run`) may fork: Sanic workers, nginx workers. Started in a process group
of its own (a new session), it can be stopped as a whole, including children that outlive it
(a Sanic worker still loading the model when its parent is stopped).

    from scripts.process_group import start_in_own_group, stop_group

    server = start_in_own_group(["rasa", "run", ...], stdout=log, stderr=subprocess.STDOUT)
    ...
    stop_group(server, grace=30)   # SIGTERM to the group; SIGKILL to what is left after 30 s

Stopping sends SIGTERM (and SIGCONT, so that a paused server acts on it) to the whole group,
waits up to `grace` seconds for the server to exit and for its group to empty, then sends SIGKILL
to whatever is left. Linux: the group's members are read from /proc (a zombie that nobody reaps
does not count as running).

A server in its own group no longer gets the terminal's Ctrl-C or a signal sent to its starter's
group. So that a starter killed before it could stop its servers (pytest on SIGTERM or SIGHUP, a
test run cut short) leaves none running, each server also gets SIGTERM from the kernel when the
thread that started it ends (PR_SET_PDEATHSIG), however it ends.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from typing import Callable, Iterable, List, Optional, Sequence

PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.1
KILLED_WITHIN_SECONDS = 5.0
_SIGTERM = int(signal.SIGTERM)

# Looked up once here: between fork and exec the child only calls it (no import, no dlopen, no
# lock another thread of the starter could have held), which keeps preexec_fn safe with threads.
_PRCTL: Optional[Callable[..., int]]
try:
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: the starter's own stop is the only one
    _PRCTL = None


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the thread that started it ends, however it ends."""
    if _PRCTL is not None:  # only set as preexec_fn when it is
        _PRCTL(PR_SET_PDEATHSIG, _SIGTERM)


def start_in_own_group(command: Sequence[str], *, die_with_parent: bool = True, **popen_kwargs) -> subprocess.Popen:
    """subprocess.Popen(command, **popen_kwargs) as the leader of a new process group, which gets
    SIGTERM when the starting thread ends (die_with_parent; False for a server that must outlive it)."""
    preexec = _die_with_parent if die_with_parent and _PRCTL is not None else None
    return subprocess.Popen(list(command), start_new_session=True, preexec_fn=preexec, **popen_kwargs)


def signal_group(process: Optional[subprocess.Popen], sig: int) -> None:
    """Sends `sig` to the process group `process` leads; nothing if the group is gone."""
    if process is None:
        return
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def group_members(pgid: int) -> List[int]:
    """The processes of group `pgid` that still run (zombies excluded)."""
    members = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                data = stat.read()
        except OSError:
            continue  # it ended meanwhile
        fields = data[data.rindex(")") + 2 :].split()  # from the 3rd field (state) on
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def stop_groups(processes: Iterable[Optional[subprocess.Popen]], grace: float = 30.0) -> List[subprocess.Popen]:
    """Stops several process groups at once (see the module's docstring); returns the leaders
    that had not exited within `grace` seconds and were killed."""
    leaders = [p for p in processes if p is not None]
    for process in leaders:
        signal_group(process, signal.SIGCONT)
        signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in leaders:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    while time.monotonic() < deadline and any(group_members(p.pid) for p in leaders):
        time.sleep(POLL_SECONDS)
    killed = [p for p in leaders if p.poll() is None]
    for process in leaders:
        if process.poll() is None or group_members(process.pid):
            signal_group(process, signal.SIGKILL)
    for process in leaders:
        process.wait()
    # SIGKILL is delivered asynchronously: the rest of each group is gone once it has been acted on
    deadline = time.monotonic() + KILLED_WITHIN_SECONDS
    while time.monotonic() < deadline and any(group_members(p.pid) for p in leaders):
        time.sleep(POLL_SECONDS)
    return killed


def stop_group(process: Optional[subprocess.Popen], grace: float = 30.0) -> bool:
    """Stops one process group; True when its leader had to be killed."""
    return bool(stop_groups([process], grace))
