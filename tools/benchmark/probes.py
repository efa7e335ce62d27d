"""The processes and the machine, measured with psutil: process trees, resident memory, CPU time,
the machine's CPU and load, and other heavy processes that would distort the figures.

What psutil does not give stays here, read from /proc (Linux): whether a Sanic worker accepts
connections yet (the listening socket in its epoll set) and the CPU model's name.
"""

from __future__ import annotations

import asyncio
import os
import platform
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

import psutil

# command-line words of processes that would compete with the servers for the CPU
HEAVY_WORDS = ("rasa", "pytest", "py-spy", "pyinstrument")
TCP_LISTEN = "0A"  # the state column of /proc/net/tcp


def process_tree(roots: Sequence[int]) -> List[int]:
    """The root pids and all their descendants that are alive."""
    found: List[int] = []
    for pid in roots:
        try:
            root = psutil.Process(pid)
            found.extend([root.pid, *(child.pid for child in root.children(recursive=True))])
        except psutil.NoSuchProcess:
            continue
    return found


def rss_bytes(pid: int) -> int:
    """The resident set size of `pid`; 0 once it has ended."""
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU seconds of the processes themselves (not of their ended children)."""
    total = 0.0
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def machine_busy() -> Tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot; idle and iowait are not busy."""
    times = psutil.cpu_times()
    total = sum(times)
    return total - times.idle - getattr(times, "iowait", 0.0), total


def load_average() -> List[float]:
    return list(psutil.getloadavg())


def other_heavy_processes() -> List[str]:
    """Rasa, pytest or profiler processes that are not ours: they would distort the figures."""
    mine = set(process_tree([os.getpid()]))
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        if process.info["pid"] in mine:
            continue
        cmdline = " ".join(process.info["cmdline"] or [])
        if any(word in cmdline for word in HEAVY_WORDS) and "bench.py" not in cmdline:
            found.append(f"{process.info['pid']}: {cmdline[:140].strip()}")
    return found


def machine_info() -> dict:
    """The machine and software the figures were measured on."""
    cpu_model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():  # psutil does not name the CPU
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import rasa

        rasa_version = rasa.__version__
    except Exception:  # the report still says on what machine, without Rasa's version
        rasa_version = "?"
    return {
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "rasa": rasa_version,
    }


def listening_inodes(port: int) -> Set[str]:
    """Socket inodes listening on 127.0.0.1:`port` (psutil gives the address, not the inode)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == TCP_LISTEN and int(fields[1].split(":")[1], 16) == port:
            inodes.add(fields[9])
    return inodes


def serves(pid: int, inodes: Set[str]) -> bool:
    """Whether process `pid` has the listening socket in one of its epoll sets, i.e. its Sanic server
    accepts connections (a worker still loading the model holds the socket but does not poll it;
    psutil lists the socket for both, so it cannot tell them apart)."""
    try:
        sockets: Dict[str, str] = {}
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
    except OSError:  # it ended meanwhile, or is not ours to read
        pass
    return False


class MemorySampler:
    """Samples the summed RSS of the process trees of `roots` every `interval` seconds. The trees
    are read once per level (every server and worker is up before a level starts), not at every
    sample: walking the process table runs on the load generator's event loop."""

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
        if self._task is not None:
            self._task.cancel()
        self.sample()
