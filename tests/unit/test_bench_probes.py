"""What the benchmark reads of processes (tools/benchmark/probes.py): a server's whole process tree,
its memory and CPU, and whether a worker accepts connections yet."""

import os
import subprocess
import sys
import time

import pytest

from scripts.process_group import start_in_own_group, stop_group
from tools.benchmark.probes import (
    cpu_seconds,
    listening_inodes,
    machine_busy,
    other_heavy_processes,
    process_tree,
    rss_bytes,
    serves,
)
from tools.local_services import free_port

# A server that accepts connections (its event loop polls the listening socket), and a process that
# holds a listening socket without polling it: a Sanic worker still loading the model.
POLLING = """
import asyncio, sys
async def main():
    await asyncio.start_server(lambda r, w: None, "127.0.0.1", int(sys.argv[1]))
    print("ready", flush=True)
    await asyncio.sleep(60)
asyncio.run(main())
"""
NOT_POLLING = """
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("ready", flush=True)
time.sleep(60)
"""


def started(script, *args):
    process = start_in_own_group([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.fixture
def server_with_a_child():
    server = start_in_own_group(["sh", "-c", "sleep 60 & sleep 60 & wait"], stdin=subprocess.DEVNULL)
    time.sleep(0.3)  # the shell has started its children
    yield server
    stop_group(server, grace=5)


def test_a_process_tree_is_the_server_and_everything_it_started(server_with_a_child):
    tree = process_tree([server_with_a_child.pid])
    assert tree[0] == server_with_a_child.pid and len(tree) == 3
    assert all(rss_bytes(pid) > 0 for pid in tree)
    stop_group(server_with_a_child, grace=5)
    assert process_tree([server_with_a_child.pid]) == []
    assert rss_bytes(server_with_a_child.pid) == 0


def test_cpu_seconds_grow_with_the_work_done():
    before = cpu_seconds([os.getpid()])
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    assert cpu_seconds([os.getpid()]) - before >= 0.25


def test_the_machine_is_never_busier_than_its_cpu_time():
    busy, total = machine_busy()
    assert 0 < busy < total


def test_our_own_processes_are_not_other_heavy_processes():
    mine = {str(pid) for pid in process_tree([os.getpid()])}
    assert not any(line.split(":")[0] in mine for line in other_heavy_processes())


def test_only_a_worker_that_polls_the_listening_socket_serves():
    port = free_port()
    polling = started(POLLING, str(port))
    try:
        assert serves(polling.pid, listening_inodes(port))
    finally:
        stop_group(polling, grace=5)
    port = free_port()
    loading = started(NOT_POLLING, str(port))
    try:
        assert listening_inodes(port)
        assert not serves(loading.pid, listening_inodes(port))
    finally:
        stop_group(loading, grace=5)
