"""Stopping a server's process group: SIGTERM, SIGKILL after the grace period, nothing left over."""

import os
import signal
import subprocess
import sys
import time

from scripts.process_group import group_members, start_in_own_group, stop_group, stop_groups


def started(script):
    process = start_in_own_group(["sh", "-c", script], stdin=subprocess.DEVNULL)
    time.sleep(0.3)  # the shell has started its children
    return process


def test_a_server_and_its_children_stop_on_sigterm_without_waiting_for_the_grace_period():
    server = started("sleep 60 & sleep 60 & wait")
    assert len(group_members(server.pid)) == 3
    began = time.monotonic()
    assert stop_group(server, grace=10) is False
    assert time.monotonic() - began < 5
    assert group_members(server.pid) == []


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace_period_even_when_its_parent_exited():
    # the Sanic worker still loading the model when its parent is stopped
    server = started("sh -c 'trap \"\" TERM; sleep 60' & wait")
    began = time.monotonic()
    assert stop_group(server, grace=1) is False  # the leader itself exited on SIGTERM
    assert time.monotonic() - began >= 1
    assert group_members(server.pid) == []


def test_a_server_that_ignores_sigterm_is_killed_and_reported():
    stubborn = started("trap '' TERM; sleep 60 & wait")
    polite = started("sleep 60")
    assert stop_groups([stubborn, polite, None], grace=1) == [stubborn]
    assert stubborn.returncode == -signal.SIGKILL
    assert group_members(stubborn.pid) == [] and group_members(polite.pid) == []


def test_a_paused_server_is_resumed_so_that_it_stops_on_sigterm():
    server = started("sleep 60")
    server.send_signal(signal.SIGSTOP)
    assert stop_group(server, grace=10) is False
    assert server.returncode == -signal.SIGTERM


def test_a_server_gets_sigterm_when_its_starter_dies_without_stopping_it():
    """pytest or the bench killed outright (SIGKILL, a closed terminal) leaves no server running."""
    starter = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from scripts.process_group import start_in_own_group; "
            "print(start_in_own_group(['sleep', '60']).pid, flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    server = int(starter.stdout.readline())
    assert group_members(server) == [server]
    starter.kill()
    starter.wait()
    deadline = time.monotonic() + 10
    while group_members(server) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert group_members(server) == []
