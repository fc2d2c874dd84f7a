"""Run Ovoz for real in another process (`ovoz serve`), on the test database, for fault tests."""

from __future__ import annotations

import atexit
import base64
import contextlib
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from ovoz.core.crypto import data_key

ROOT = Path(__file__).resolve().parents[3]


def test_database_url() -> str:
    """The test database as an OVOZ_DATABASE_URL (the suite's tests must commit what the server reads)."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    credentials = quote(database["USER"] or "")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"])
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


@functools.cache
def collected_static_root() -> str:
    """Static files collected once per test process (`ovoz serve` would collect them at every start, and
    compressing them takes seconds), shared by the servers this process starts."""
    root = tempfile.mkdtemp(prefix="ovoz-static-")
    atexit.register(shutil.rmtree, root, True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(DJANGO_SETTINGS_MODULE="ovoz.settings", OVOZ_VAR_DIR=root, OVOZ_STATIC_ROOT=root)
    subprocess.run(
        [sys.executable, "-m", "ovoz", "collectstatic", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True
    )
    return root


def ovoz_environment(var_dir: Path, **variables: str) -> dict[str, str]:
    """The environment of an Ovoz process sharing this test's database and keys, plus ``variables``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ovoz.settings",
        OVOZ_VAR_DIR=str(var_dir),
        OVOZ_STATIC_ROOT=collected_static_root(),
        OVOZ_DATABASE_URL=test_database_url(),
        OVOZ_DATA_KEY=base64.b64encode(data_key()).decode(),
        OVOZ_SECRET_KEY=settings.SECRET_KEY,
    )
    env.update(variables)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OvozServer:
    """`ovoz serve` in a subprocess; its output is collected line by line so a test can wait for it."""

    def __init__(self, env: dict[str, str], *arguments: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ovoz", "serve", "--port", str(self.port), *arguments],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its task worker is stopped with it, whatever happens to the test
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.lines.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, pattern: str, *, timeout: float = 60, after: int = 0) -> re.Match[str]:
        """The first output line from index ``after`` on that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for line in self.lines[after:]:
                    match = re.search(pattern, line)
                    if match:
                        return match
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.process.poll() is not None:
                    raise AssertionError(f"ovoz serve never printed {pattern!r}:\n" + "\n".join(self.lines[-40:]))
                self.changed.wait(min(remaining, 0.5))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=15)
        # Whatever the server left running in its session (its worker) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 9)
        self.reader.join(timeout=5)

    def __enter__(self) -> OvozServer:
        self.wait_for(r"Ovoz is running at")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
