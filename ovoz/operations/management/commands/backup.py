from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.operations.backup_format import BackupError, public_key_parse
from ovoz.operations.backup_schedule import backup_file_write
from ovoz.operations.backups import BackupSummary, backup_create


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"  # pragma: no cover


class Command(BaseCommand):
    help = (
        "Write a consistent, encrypted snapshot of the database and the media folder, sealed to the "
        "backup public key (OVOZ_BACKUP_PUBLIC_KEY). See docs/deployment.md, Backups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="The file to write (it must not exist); - for stdout.")
        parser.add_argument("--public-key", default="", help="The backup public key (default: OVOZ_BACKUP_PUBLIC_KEY).")

    def handle(self, *args: Any, **options: Any) -> None:
        key_text = options["public_key"] or settings.OVOZ_BACKUP_PUBLIC_KEY
        if not key_text:
            raise CommandError(
                "No backup key: set OVOZ_BACKUP_PUBLIC_KEY (make a keypair with `ovoz backup-keygen`) "
                "or pass --public-key."
            )
        try:
            public_key = public_key_parse(key_text)
            if options["output"] == "-":
                summary = backup_create(output=sys.stdout.buffer, public_key=public_key)
                self.stderr.write(self._report("standard output", summary))
                return
            summary = backup_file_write(path=Path(options["output"]), public_key=public_key)
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(self._report(options["output"], summary))

    @staticmethod
    def _report(where: str, summary: BackupSummary) -> str:
        report = (
            f"Backup written to {where}: {summary.row_count} rows in {len(summary.rows)} tables, "
            f"{summary.files} media files ({_size(summary.file_bytes)}); {_size(summary.bytes_written)} in all, "
            f"encrypted for backup key {summary.key_id}."
        )
        if summary.missing_files:
            report += (
                f"\nWarning: {len(summary.missing_files)} files the database refers to were not in the media "
                f"folder, e.g. {summary.missing_files[0]}."
            )
        return report
