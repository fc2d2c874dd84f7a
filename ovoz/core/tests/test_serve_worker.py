"""`ovoz serve` killed outright takes its task worker with it; each start gives the worker a new id."""

import os
import signal
import time
from pathlib import Path

import pytest

from ovoz.core.tests.servers import OvozServer, ovoz_environment
from ovoz.operations.worker import worker_id_prefix

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STARTED = r"Task worker started \(process (\d+), id (\S+)\)"


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped yet is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_until_gone(pid: int, seconds: float) -> float:
    start = time.monotonic()
    while is_running(pid):
        if time.monotonic() - start > seconds:
            raise AssertionError(f"the task worker (process {pid}) still runs {seconds} s after its server was killed")
        time.sleep(0.1)
    return time.monotonic() - start


def kill_server(server: OvozServer) -> None:
    """SIGKILL the server process alone (not its process group): nothing of it can clean up."""
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)


def test_a_killed_server_takes_its_worker_with_it_and_a_restart_uses_a_new_worker_id(tmp_path):
    env = ovoz_environment(tmp_path)
    first = OvozServer(env, "--no-scheduler")
    try:
        started = first.wait_for(STARTED, timeout=30)
        first_worker, first_id = int(started.group(1)), started.group(2)
        assert is_running(first_worker)

        kill_server(first)
        assert wait_until_gone(first_worker, seconds=5) < 5

        second = OvozServer(env, "--no-scheduler", port=first.port)
        try:
            started = second.wait_for(STARTED, timeout=30)
            second_worker, second_id = int(started.group(1)), started.group(2)
            assert second_id != first_id
            assert first_id.startswith(worker_id_prefix(first.port))
            assert second_id.startswith(worker_id_prefix(first.port))
            assert is_running(second_worker)
        finally:
            second.stop()
    finally:
        first.stop()


def test_a_worker_whose_server_is_already_gone_does_not_start():
    """The portable check: a worker whose parent is not the server it was started for ends at once."""
    import subprocess
    import sys

    not_my_parent = os.getpid() + 1_000_000
    result = subprocess.run(
        [sys.executable, "-m", "ovoz.operations.worker_process", str(not_my_parent), "check"],
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert b"System check" not in result.stdout  # the command never ran
