"""The read replica for real: a PostgreSQL primary and its streaming standby, started for this test on
free ports in a temporary folder and removed afterwards (ovoz.core.replica, docs/deployment.md).

With the standby's replay paused, a concern written through the API lands on the primary and not on
the replica, while the map, dashboard, open data and their API read the replica's tables. Skipped,
with the reason, only when no cluster can be made here (no PostgreSQL 15 binaries); CI makes one.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(os.environ.get("OVOZ_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
READ_URLS = [
    "/en/map/",
    "/en/dashboard/",
    "/en/dashboard/themes.csv",
    "/data/concerns.csv",
    "/data/areas.geojson",
    "/api/v1/stats/areas",
]
REPLICA_TABLE_PREFIXES = ("concerns_", "places_", "groups_")

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root: CI runs as root, so the clusters belong to the postgres user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_postgres(command), check=True, capture_output=True, text=True, timeout=120, **kwargs)


def _sql(port: int, folder: Path, statement: str, database: str = "postgres") -> str:
    return _run(
        [str(BIN / "psql"), "-h", str(folder), "-p", str(port), "-U", "postgres", "-d", database, "-XAtc", statement]
    ).stdout.strip()


def _start(data: Path, port: int, folder: Path) -> None:
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    _run(
        [
            str(BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(data.parent / f"{data.name}.log"),
            "-w",
            "-o",
            options,
            "start",
        ]
    )


@pytest.fixture(scope="module")
def clusters() -> Iterator[dict[str, object]]:
    """A primary and a streaming standby of it, both stopped and deleted at the end."""
    if not (BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries in {BIN}: cannot create a second cluster on this machine")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
    folder = Path(tempfile.mkdtemp(prefix="ovoz-replica-", dir="/tmp"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary, standby = folder / "primary", folder / "standby"
    ports = {"primary": _free_port(), "standby": _free_port()}
    started: list[Path] = []
    try:
        _run([str(BIN / "initdb"), "-D", str(primary), "-A", "trust", "-U", "postgres", "--no-sync"])
        _start(primary, ports["primary"], folder)
        started.append(primary)
        _sql(ports["primary"], folder, "CREATE DATABASE ovoz")
        _run(
            [
                str(BIN / "pg_basebackup"),
                *("-D", str(standby), "-h", "127.0.0.1", "-p", str(ports["primary"]), "-U", "postgres"),
                *("-X", "stream", "-R", "--no-sync", "--checkpoint=fast"),
            ]
        )
        _start(standby, ports["standby"], folder)
        started.append(standby)
        assert _sql(ports["standby"], folder, "SELECT pg_is_in_recovery()") == "t"
        yield {"folder": folder, "ports": ports}
    finally:
        for data in reversed(started):
            subprocess.run(
                _as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(folder, ignore_errors=True)


def _environment(clusters, tmp_path: Path) -> dict[str, str]:
    ports = clusters["ports"]
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "ovoz.settings",
        "OVOZ_VAR_DIR": str(tmp_path / "var"),
        "OVOZ_DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports['primary']}/ovoz",
        "OVOZ_REPLICA_DATABASE_URL": f"postgres://postgres@127.0.0.1:{ports['standby']}/ovoz",
    }


def _holds(condition) -> bool:
    try:
        return bool(condition())
    except subprocess.CalledProcessError:  # the standby has not replayed the table yet
        return False


def _wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not _holds(condition):
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.2)


def test_public_figures_read_the_replica_and_writes_go_to_the_primary(clusters, tmp_path):
    folder, ports = clusters["folder"], clusters["ports"]
    environment = _environment(clusters, tmp_path)
    # The schema is written to the primary only; the standby receives it by streaming.
    subprocess.run(
        [sys.executable, "-m", "ovoz", "migrate", "--no-input"],
        env=environment,
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    applied = _sql(ports["primary"], folder, "SELECT count(*) FROM django_migrations", "ovoz")
    _wait_until(lambda: _sql(ports["standby"], folder, "SELECT count(*) FROM django_migrations", "ovoz") == applied)
    _sql(ports["standby"], folder, "SELECT pg_wal_replay_pause()")

    probe = subprocess.run(
        [sys.executable, str(ROOT / "ovoz" / "core" / "tests" / "replica_probe.py"), *READ_URLS],
        env=environment,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    results = json.loads(probe.stdout.strip().splitlines()[-1])

    for url in READ_URLS:
        result = results[url]
        assert result["status"] == 200, url
        assert result["replica"], f"{url} read nothing from the replica"
        on_primary = [query for query in result["default"] if query.split()[1].startswith(REPLICA_TABLE_PREFIXES)]
        assert on_primary == [], f"{url} read the primary: {on_primary}"
    write = results["write"]
    assert write["status"] == 201
    # The concern's INSERT, alone or (PostgreSQL's one-statement intake) in a WITH clause.
    assert {"INSERT concerns_concern", "WITH concerns_concern"} & set(write["default"])
    assert write["replica"] == []  # nothing of a writing request, not even its reads, went to the replica
    # The replica, paused, does not have the new concern yet: the write went to the primary only.
    assert results["concerns"] == {"default": 1, "replica": 0}

    _sql(ports["standby"], folder, "SELECT pg_wal_replay_resume()")
    _wait_until(lambda: _sql(ports["standby"], folder, "SELECT count(*) FROM concerns_concern", "ovoz") == "1")
