"""Daily backups written by the scheduler's task into OVOZ_BACKUP_DIR, kept OVOZ_BACKUP_KEEP_DAYS
days; and the restore drill's comparison of counts (run for real by `make prod-check`)."""

from __future__ import annotations

import os
import stat
from datetime import date

import pytest

from ovoz.core.failures import SanitisedFailure
from ovoz.operations import backup_schedule
from ovoz.operations.backup_format import keypair_generate
from ovoz.operations.backup_schedule import backups_prune
from ovoz.operations.backups import BackupSummary
from ovoz.operations.restore_drill import DrillResult, TableCount, counts_compare
from ovoz.operations.scheduler import daily_scheduler
from ovoz.operations.tasks import backup_daily


@pytest.fixture
def backup_settings(settings, tmp_path):
    keypair = keypair_generate()
    settings.OVOZ_BACKUP_DIR = str(tmp_path / "backups")
    settings.OVOZ_BACKUP_PUBLIC_KEY = keypair.public
    settings.OVOZ_BACKUP_KEEP_DAYS = 3
    settings.MEDIA_ROOT = tmp_path / "media"
    key_file = tmp_path / "backup.key"
    key_file.write_text(keypair.private + "\n")
    return tmp_path / "backups", str(key_file)


def test_the_daily_backup_writes_the_days_file_once_and_deletes_the_expired_ones(backup_settings, monkeypatch):
    """The writing itself is `ovoz backup`'s (tested in ovoz/core/tests/test_backup.py; the real task
    runs in `make prod-check`, whose restore drill reads its file); here: where, when, how long."""
    folder, _key_file = backup_settings
    written_by: list[object] = []

    def backup_create(*, output, public_key):
        written_by.append(public_key)
        output.write(b"sealed backup")
        return BackupSummary(rows={"places.area": 59}, files=2)

    monkeypatch.setattr(backup_schedule, "backup_create", backup_create)
    folder.mkdir(mode=0o700)
    for name in ("ovoz-2026-11-28.backup", "ovoz-2026-11-30.backup", "notes.txt", "ovoz-2026-11-01.backup.old"):
        (folder / name).write_bytes(b"old")
    stale = folder / "ovoz-2026-12-02.backup.partial"
    stale.write_bytes(b"left by a worker that died")
    os.utime(stale, (stale.stat().st_atime, stale.stat().st_mtime - 7 * 60 * 60))

    first = backup_daily.call(day="2026-12-02")
    written = folder / "ovoz-2026-12-02.backup"
    assert first == {
        "path": str(written),
        "written": True,
        "rows": 59,
        "files": 2,
        "deleted": ["ovoz-2026-11-28.backup"],
    }
    assert written.read_bytes() == b"sealed backup"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(path.name for path in folder.iterdir()) == [
        "notes.txt",
        "ovoz-2026-11-01.backup.old",
        "ovoz-2026-11-30.backup",
        "ovoz-2026-12-02.backup",
    ]

    second = backup_daily.call(day="2026-12-02")
    assert second["written"] is False
    assert len(written_by) == 1
    assert written.read_bytes() == b"sealed backup"


def test_a_fresh_partial_file_is_left_to_the_worker_writing_it(backup_settings, monkeypatch):
    folder, _key_file = backup_settings
    folder.mkdir(mode=0o700)
    monkeypatch.setattr(backup_schedule, "backup_create", lambda **kwargs: pytest.fail("written"))
    (folder / "ovoz-2026-12-02.backup.partial").write_bytes(b"being written")
    with pytest.raises(SanitisedFailure):
        backup_daily.call(day="2026-12-02")
    assert (folder / "ovoz-2026-12-02.backup.partial").read_bytes() == b"being written"
    assert not (folder / "ovoz-2026-12-02.backup").exists()


def test_pruning_keeps_the_newest_backup_however_old_it_is(tmp_path):
    for name in ("ovoz-2026-01-01.backup", "ovoz-2026-02-01.backup"):
        (tmp_path / name).write_bytes(b"")
    assert backups_prune(directory=tmp_path, today=date(2026, 12, 2), keep_days=14) == ["ovoz-2026-01-01.backup"]
    assert os.listdir(tmp_path) == ["ovoz-2026-02-01.backup"]


def test_the_scheduler_enqueues_a_backup_only_with_a_folder_and_a_key(settings):
    settings.OVOZ_BACKUP_PUBLIC_KEY = keypair_generate().public
    settings.OVOZ_BACKUP_DIR = ""
    assert len(daily_scheduler().jobs) == 3
    settings.OVOZ_BACKUP_DIR = "/var/lib/ovoz/backups"
    assert len(daily_scheduler().jobs) == 4
    settings.OVOZ_BACKUP_PUBLIC_KEY = ""
    assert len(daily_scheduler().jobs) == 3


def test_the_restore_drill_fails_on_a_table_that_differs():
    listed = {"concerns.concern": 5, "core.auditentry": 7, "places.area": 59}
    same = counts_compare(listed, {"concerns.concern": 5, "core.auditentry": 8, "places.area": 59})
    assert DrillResult(database="x", tables=same, files_listed=2, files_restored=2).is_equal

    one_lost = counts_compare(listed, {"concerns.concern": 4, "core.auditentry": 8, "places.area": 59})
    assert [table for table in one_lost if not table.is_equal] == [
        TableCount(label="concerns.concern", in_backup=5, restored=4)
    ]
    extra_table = counts_compare(listed, {**listed, "core.auditentry": 8, "groups.meeting": 1})
    assert not DrillResult(database="x", tables=extra_table, files_listed=0, files_restored=0).is_equal
    assert not DrillResult(database="x", tables=same, files_listed=2, files_restored=1).is_equal
