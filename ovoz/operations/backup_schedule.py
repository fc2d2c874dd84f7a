"""Backups written to a file, by hand (``ovoz backup --output``) or daily by the scheduler.

The scheduler (``ovoz scheduler``, or ``ovoz serve``'s thread) enqueues ``backup_daily`` with the
other daily tasks when ``OVOZ_BACKUP_DIR`` and ``OVOZ_BACKUP_PUBLIC_KEY`` are set; the day is claimed
once across every scheduler, so one backup is written per day whatever the number of servers. The
task writes ``ovoz-YYYY-MM-DD.backup`` into the folder (nothing if that day's file is there already:
the task is idempotent) and deletes the files of that name pattern older than
``OVOZ_BACKUP_KEEP_DAYS`` days, never the newest one and never a file of another name.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from ovoz.operations.backup_format import BackupError, public_key_parse
from ovoz.operations.backups import BackupSummary, backup_create

STALE_PARTIAL_SECONDS = 6 * 60 * 60
SCHEDULED_NAME = re.compile(r"^ovoz-(\d{4}-\d{2}-\d{2})\.backup$")


@dataclass
class ScheduledBackup:
    path: str
    written: bool
    rows: int = 0
    files: int = 0
    deleted: list[str] = field(default_factory=list)

    def as_data(self) -> dict[str, object]:
        return {
            "path": self.path,
            "written": self.written,
            "rows": self.rows,
            "files": self.files,
            "deleted": self.deleted,
        }


def backup_file_write(*, path: Path, public_key: Any) -> BackupSummary:
    """Write a backup next to ``path`` and rename it at the end: a failed backup never looks like a
    whole one. Mode 600; an existing ``path`` or a left-over ``.partial`` is refused."""
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name.", code="exists")
    partial = path.with_name(path.name + ".partial")
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise BackupError(
            f"{partial} is left from an interrupted backup; delete it and try again.", code="partial"
        ) from error
    except OSError as error:
        raise BackupError(f"Cannot write {partial}: {error.strerror}", code="unwritable") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            summary = backup_create(output=handle, public_key=public_key)
            os.fsync(handle.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    return summary


def is_backup_scheduled() -> bool:
    """Whether the scheduler writes a daily backup (both the folder and the public key are set)."""
    return bool(settings.OVOZ_BACKUP_DIR and settings.OVOZ_BACKUP_PUBLIC_KEY)


def backup_scheduled(*, day: date) -> ScheduledBackup:
    """Write ``day``'s backup into OVOZ_BACKUP_DIR unless it is there, then delete the expired ones."""
    directory = Path(settings.OVOZ_BACKUP_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"ovoz-{day.isoformat()}.backup"
    result = ScheduledBackup(path=str(path), written=False)
    if not path.exists():
        # A .partial left by a backup that died with its worker would block the day: one older than
        # STALE_PARTIAL_SECONDS goes (a younger one may be another worker's, still writing).
        partial = path.with_name(path.name + ".partial")
        if partial.exists() and time.time() - partial.stat().st_mtime > STALE_PARTIAL_SECONDS:
            partial.unlink(missing_ok=True)
        summary = backup_file_write(path=path, public_key=public_key_parse(settings.OVOZ_BACKUP_PUBLIC_KEY))
        result.written, result.rows, result.files = True, summary.row_count, summary.files
    result.deleted = backups_prune(directory=directory, today=day, keep_days=settings.OVOZ_BACKUP_KEEP_DAYS)
    return result


def backups_prune(*, directory: Path, today: date, keep_days: int) -> list[str]:
    """Delete the scheduled backups (by their name's date) older than ``keep_days`` days before
    ``today``, keeping the newest whatever its age; the names deleted."""
    dated = []
    for entry in directory.iterdir():
        match = SCHEDULED_NAME.match(entry.name)
        if match and entry.is_file():
            try:
                dated.append((date.fromisoformat(match.group(1)), entry))
            except ValueError:
                continue
    dated.sort()
    oldest_kept = today - timedelta(days=max(keep_days, 1) - 1)
    deleted = []
    for day, entry in dated[:-1]:
        if day < oldest_kept:
            entry.unlink(missing_ok=True)
            deleted.append(entry.name)
    return deleted
