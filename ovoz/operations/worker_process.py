"""The task worker's process under `ovoz serve`: it ends when the server that started it ends.

``python -m ovoz.operations.worker_process <server pid> <ovoz command...>`` runs the command (the database
or RQ worker) in this process after tying its life to the server's. A server killed outright (SIGKILL,
out of memory) cannot stop its worker; left running, that orphan would go on taking tasks beside the
worker of the next server, and a task it held would be queued again and run twice at once. So:

- on Linux the kernel kills this process when its parent dies (``PR_SET_PDEATHSIG``);
- everywhere, a thread checks once a second that the parent is still the server (an orphan is
  adopted by another process) and ends the process when it is not.

The process ends as the server did, at once: a task it was running stays "running" and the next
server queues it again (``ovoz.operations.worker``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
PARENT_CHECK_SECONDS = 1.0


def _die_with_parent_on_linux() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while True:
        if os.getppid() != parent_pid:
            os._exit(1)
        time.sleep(PARENT_CHECK_SECONDS)


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid`` (its parent) ends; at once if it already has."""
    _die_with_parent_on_linux()
    # Checked after the prctl: a parent that died before it was set is seen here.
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="ovoz-parent-watch", daemon=True).start()


def main() -> None:
    parent_pid, command = int(sys.argv[1]), sys.argv[2:]
    die_with_parent(parent_pid)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovoz.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ovoz", *command])


if __name__ == "__main__":
    main()
