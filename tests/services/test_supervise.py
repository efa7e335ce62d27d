"""`make run`'s ending: Ctrl-C in its terminal, or a TERM, stops the supervised servers and says
"stopped", never a make error. Here make runs scripts/supervise.py with one small web server as its
part (tests/live/test_make_run.py does the same with the assistant's real servers). And each part's
log is rotated by size, so that no client can fill the disk."""

import os
import signal
import subprocess
import sys
import time

import pytest

from scripts.supervise import MAX_LINE_BYTES
from tests.conftest import ROOT
from tests.terminal import InTerminal
from tools.local_services import free_port, port_open


@pytest.fixture
def make_run(tmp_path):
    port = free_port()
    makefile = tmp_path / "Makefile"
    makefile.write_text(
        "run:\n"
        f"\t@{sys.executable} {ROOT / 'scripts' / 'supervise.py'} --log-dir {tmp_path / 'logs'} --ready-message ready"
        f" --- web http://127.0.0.1:{port}/ {sys.executable} -m http.server {port} --bind 127.0.0.1\n"
    )
    output = tmp_path / "terminal.out"
    with open(output, "w") as terminal_output:
        run = InTerminal(
            ["make", "--no-print-directory", "-f", str(makefile), "run"],
            cwd=tmp_path,
            stdout=terminal_output,
            stderr=terminal_output,
        )
    run.output, run.port = output, port
    try:
        deadline = time.monotonic() + 30
        while "ready" not in output.read_text():
            assert run.process.poll() is None and time.monotonic() < deadline, output.read_text()
            time.sleep(0.2)
        yield run
    finally:
        if run.process.poll() is None:
            run.process.kill()  # make only: the supervisor's part gets SIGTERM when the supervisor dies
            run.process.wait()
        run.close()


def test_ctrl_c_stops_the_servers_says_stopped_and_make_exits_0(make_run):
    make_run.press_ctrl_c()
    assert make_run.process.wait(timeout=20) == 0
    terminal = make_run.output.read_text()
    assert terminal.splitlines()[-1].endswith("supervisor: stopped")
    assert "make: ***" not in terminal and "stopping now" not in terminal
    assert not port_open(make_run.port)


def test_term_to_make_and_its_group_stops_the_servers_without_a_make_error(make_run):
    # as a service manager stops a job: TERM to the group (make passes it on to its recipe too)
    os.killpg(make_run.process.pid, signal.SIGTERM)
    # make ends by the TERM it got itself (status 143 in a shell) once its recipe has stopped cleanly
    assert make_run.process.wait(timeout=20) == -signal.SIGTERM
    terminal = make_run.output.read_text()
    assert terminal.splitlines()[-1].endswith("supervisor: stopped")
    assert "make: ***" not in terminal and "stopping now" not in terminal
    assert not port_open(make_run.port)


# --- the logs: rotated by size -------------------------------------------------------------------

CHATTY_SERVER = """
import http.server, sys
print("x" * 99, flush=True)
for _ in range(20000):
    print("y" * 99)  # 2 MB in lines of 100 bytes
print("z" * 200_000)  # one line of 200 KB
sys.stdout.flush()
http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]), bind="127.0.0.1")
"""


def supervised(tmp_path, *options):
    """scripts/supervise.py with one part that writes 2.2 MB before it serves, until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "supervise.py"), "--log-dir", str(tmp_path / "logs"), *options]
        + ["--ready-message", "ready", "---", "chatty", f"http://127.0.0.1:{port}/"]
        + [sys.executable, "-c", CHATTY_SERVER, str(port)],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not port_open(port):
        assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
        time.sleep(0.2)
    return process


def test_a_parts_log_is_rotated_by_size_and_capped(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "chatty.log.5").write_text("from an earlier run")  # the first start empties old files
    process = supervised(tmp_path, "--log-max-bytes", "300000", "--log-backups", "2")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    files = sorted(path.name for path in logs.glob("chatty.log*"))
    assert files == ["chatty.log", "chatty.log.1", "chatty.log.2"], files
    sizes = [path.stat().st_size for path in logs.glob("chatty.log*")]
    assert max(sizes) <= 300_000 and sum(sizes) <= 900_000
    # the newest lines are kept: the long line, in pieces of at most MAX_LINE_BYTES
    lines = (logs / "chatty.log").read_text().splitlines() + (logs / "chatty.log.1").read_text().splitlines()
    pieces = [line for line in lines if line.startswith("z")]
    assert sum(map(len, pieces)) == 200_000 and max(map(len, pieces)) <= MAX_LINE_BYTES


def test_the_supervisor_refuses_a_log_limit_that_is_not_a_positive_number(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "supervise.py"), "--log-max-bytes", "10MB", "---", "a", "b", "c"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "'10MB' is not a whole number above 0" in result.stderr
