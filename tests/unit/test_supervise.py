"""`make run`'s ending: Ctrl-C in its terminal, or a TERM, stops the supervised servers and says
"stopped", never a make error. Here make runs scripts/supervise.py with one small web server as its
part (tests/live/test_make_run.py does the same with the assistant's real servers)."""

import os
import signal
import sys
import time

import pytest

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
