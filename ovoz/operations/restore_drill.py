"""The restore drill: prove that a backup restores, without touching the running deployment.

``ovoz restore-drill FILE --key-file KEY`` creates a scratch PostgreSQL database beside the one in
use (same server and user, which needs the CREATEDB right), migrates it and restores FILE into it
with ``ovoz restore`` run as a separate process (whose media folder is a temporary one), then counts
the rows of every table of the scratch database and compares them, table by table, with what the
backup lists; the media files likewise. Any difference fails the drill. The scratch database and
folder are removed afterwards (``--keep`` keeps the database for a look).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from ovoz.operations.backup_format import BackupError, EncryptedReader, private_key_read
from ovoz.operations.backups import END, backup_models

# The restore adds its own `backup.restored` entry to the audit log.
RESTORE_ADDS = {"core.auditentry": 1}


@dataclass(frozen=True)
class TableCount:
    label: str
    in_backup: int
    restored: int

    @property
    def is_equal(self) -> bool:
        return self.in_backup + RESTORE_ADDS.get(self.label, 0) == self.restored


def backup_listed_counts(*, path: Path, key_file: str) -> tuple[dict[str, int], int]:
    """The rows per table and the number of media files the backup lists in its final record (the
    whole file is decrypted and authenticated on the way)."""
    private_key = private_key_read(key_file)
    with path.open("rb") as source:
        for record in EncryptedReader(source, private_key=private_key):
            if record.kind == END:
                summary = record.json()
                return {str(label): int(count) for label, count in summary["rows"].items()}, int(summary["files"])
    raise BackupError("The backup ends without its closing record.", code="truncated")


def counts_compare(listed: Mapping[str, int], restored: Mapping[str, int]) -> list[TableCount]:
    """Every table of either side, with its two counts."""
    return [
        TableCount(label=label, in_backup=listed.get(label, 0), restored=restored.get(label, 0))
        for label in sorted(set(listed) | set(restored))
    ]


def _scratch_settings(name: str) -> dict[str, Any]:
    default = connections["default"].settings_dict
    if default["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError("The restore drill needs PostgreSQL (OVOZ_DATABASE_URL).", code="not_postgresql")
    return {**default, "NAME": name}


def _database_url(scratch: Mapping[str, Any]) -> str:
    from urllib.parse import quote

    user = quote(str(scratch.get("USER") or ""), safe="")
    password = quote(str(scratch.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = str(scratch.get("HOST") or "")
    host = quote(host, safe="") if host.startswith("/") else host  # a socket folder
    port = f":{scratch['PORT']}" if scratch.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{scratch['NAME']}"


def _restored_counts(scratch: Mapping[str, Any]) -> dict[str, int]:
    import psycopg
    import psycopg.sql

    counts = {}
    with psycopg.connect(
        dbname=scratch["NAME"],
        user=scratch.get("USER") or None,
        password=scratch.get("PASSWORD") or None,
        host=scratch.get("HOST") or None,
        port=scratch.get("PORT") or None,
    ) as connection:
        for model in backup_models():
            query = psycopg.sql.SQL("SELECT count(*) FROM {}").format(psycopg.sql.Identifier(model._meta.db_table))
            table = connection.execute(query).fetchone()
            counts[model._meta.label_lower] = int(table[0]) if table else 0
    return counts


def _files(folder: Path) -> Iterator[Path]:
    return (path for path in folder.rglob("*") if path.is_file())


def _ovoz(arguments: list[str], *, env: dict[str, str], what: str) -> None:
    result = subprocess.run(  # noqa: S603 (this Python, Ovoz's own commands)
        [sys.executable, "-m", "ovoz", *arguments], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{what} failed:\n{result.stdout}{result.stderr}", code="drill_step_failed")


@dataclass
class DrillResult:
    database: str
    tables: list[TableCount]
    files_listed: int
    files_restored: int

    @property
    def is_equal(self) -> bool:
        return all(table.is_equal for table in self.tables) and self.files_listed == self.files_restored


def restore_drill(*, path: Path, key_file: str, keep: bool = False) -> DrillResult:
    """Restore ``path`` into a scratch database and compare its counts with the backup's own."""
    listed, files_listed = backup_listed_counts(path=path, key_file=key_file)
    name = f"{connections['default'].settings_dict['NAME']}"[:40] + f"_drill_{secrets.token_hex(4)}"
    scratch = _scratch_settings(name)
    with connections["default"].cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="ovoz-restore-drill-") as media:
            env = dict(os.environ)
            env.update(OVOZ_DATABASE_URL=_database_url(scratch), OVOZ_MEDIA_ROOT=media, OVOZ_REPLICA_DATABASE_URL="")
            env.setdefault("OVOZ_VAR_DIR", str(settings.VAR_DIR))
            _ovoz(["migrate", "--no-input", "-v", "0"], env=env, what="Migrating the scratch database")
            _ovoz(["restore", str(path), "--key-file", key_file], env=env, what="The restore")
            files_restored = sum(1 for _ in _files(Path(media)))
            restored = _restored_counts(scratch)
    finally:
        if not keep:
            with connections["default"].cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return DrillResult(
        database=name,
        tables=counts_compare(listed, restored),
        files_listed=files_listed,
        files_restored=files_restored,
    )
