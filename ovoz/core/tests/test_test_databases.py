"""What a killed test run leaves behind (its template database and the workers' copies) is removed by the
next run on the machine, and nothing of a run that goes on (ovoz.testing.databases)."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest
from django.db import connection

from ovoz.testing.databases import ALIVE, FOLDER_PREFIX, MARKER, VENDOR, _destroy, stale_runs_removed

pytestmark = pytest.mark.django_db


def _run_folder(root: Path, run: str, template: str | None, *, age_seconds: float = 3600, vendor: str = "") -> Path:
    folder = root / f"{FOLDER_PREFIX}{run}"
    folder.mkdir()
    (folder / ALIVE).touch()
    (folder / VENDOR).write_text(vendor or connection.vendor)
    if template is not None:
        (folder / MARKER).write_text(template)
    then = time.time() - age_seconds
    os.utime(folder, (then, then))
    return folder


def _names(run: str, tmp_path: Path) -> tuple[str, str]:
    """A template's name and its first worker's copy's, as ovoz.testing.databases makes them."""
    if connection.vendor == "sqlite":
        return str(tmp_path / f"test-template-{run}.sqlite3"), str(tmp_path / f"test-template-{run}_gw0.sqlite3")
    return f"test_ovoz_stale_{run}", f"test_ovoz_stale_{run}_gw0"


def _create(name: str) -> None:
    if connection.vendor == "sqlite":
        Path(name).write_bytes(b"")
        return
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")


def _exists(name: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(name).exists()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def test_a_killed_runs_databases_are_dropped_and_a_live_or_young_runs_are_kept(tmp_path):
    token = os.urandom(3).hex()
    dead, dead_copy = _names(f"dead{token}", tmp_path)
    live, live_copy = _names(f"live{token}", tmp_path)
    young, _ = _names(f"young{token}", tmp_path)
    other, _ = _names(f"other{token}", tmp_path)  # a run on the other database: never this one's to drop
    bystander = dead.replace(f"dead{token}", f"dead{token}xgw0")  # like a copy's name, but for the underscore
    for name in (dead, dead_copy, live, live_copy, young, bystander, other):
        _create(name)
    dead_folder = _run_folder(tmp_path, f"dead{token}", dead)
    live_folder = _run_folder(tmp_path, f"live{token}", live)
    young_folder = _run_folder(tmp_path, f"young{token}", young, age_seconds=5)
    other_vendor = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    other_folder = _run_folder(tmp_path, f"other{token}", other, vendor=other_vendor)
    try:
        with (live_folder / ALIVE).open("a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # as a running controller holds it
            dropped = stale_runs_removed(connection, tmp_path)
        assert sorted(dropped) == sorted([dead, dead_copy])
        assert not _exists(dead) and not _exists(dead_copy) and not dead_folder.exists()
        assert all(_exists(name) for name in (live, live_copy, young, bystander, other))
        assert live_folder.exists() and young_folder.exists() and other_folder.exists()
    finally:
        if connection.vendor == "postgresql":  # SQLite's files go with tmp_path
            for name in (dead, dead_copy, live, live_copy, young, bystander, other):
                _destroy(connection, name)
