from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.operations.backup_format import BackupError
from ovoz.operations.restore_drill import RESTORE_ADDS, restore_drill


class Command(BaseCommand):
    help = (
        "Restore a backup into a scratch PostgreSQL database (made and dropped here) and compare its rows, "
        "table by table, and its media files with what the backup lists; fails on any difference. "
        "See docs/deployment.md, Backups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file.")
        parser.add_argument("--key-file", required=True, help="A file holding the backup private key.")
        parser.add_argument("--keep", action="store_true", help="Keep the scratch database afterwards.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore_drill(path=Path(options["file"]), key_file=options["key_file"], keep=options["keep"])
        except BackupError as error:
            raise CommandError(error.message) from error
        width = max(len(table.label) for table in result.tables)
        self.stdout.write(f"{'table':<{width}}  {'backup':>9}  {'restored':>9}")
        for table in result.tables:
            note = "" if table.is_equal else "  DIFFERENT"
            if table.is_equal and RESTORE_ADDS.get(table.label):
                note = "  (+ the restore's own audit entry)"
            self.stdout.write(f"{table.label:<{width}}  {table.in_backup:>9}  {table.restored:>9}{note}")
        self.stdout.write(f"{'media files':<{width}}  {result.files_listed:>9}  {result.files_restored:>9}")
        different = [table.label for table in result.tables if not table.is_equal]
        if not result.is_equal:
            raise CommandError(
                f"The restore drill found differences: {', '.join(different) or 'media files'} "
                f"(scratch database {result.database})."
            )
        rows = sum(table.in_backup for table in result.tables)
        self.stdout.write(
            f"Restore drill passed: {rows} rows in {len(result.tables)} tables and {result.files_listed} media "
            f"files restored into {result.database} and counted again."
        )
