from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.operations.backup_format import BackupError, private_key_parse, private_key_read
from ovoz.operations.backups import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `ovoz backup` into a freshly migrated, empty database (same Ovoz version, "
        "same OVOZ_DATA_KEY). The private key comes from --key-file or is asked for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file; - for stdin.")
        parser.add_argument("--key-file", default="", help="A file holding the backup private key.")
        parser.add_argument(
            "--wipe",
            action="store_true",
            help="Delete everything in the database (the audit log included) and the media folder first.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["key_file"]:
                private_key = private_key_read(options["key_file"])
            else:
                private_key = private_key_parse(getpass.getpass("Backup private key: "))
            if options["file"] == "-":
                summary = backup_restore(source=sys.stdin.buffer, private_key=private_key, wipe=options["wipe"])
            else:
                try:
                    source = open(options["file"], "rb")  # noqa: SIM115 (closed below, errors reported)
                except OSError as error:
                    raise CommandError(f"Cannot read {options['file']}: {error.strerror}") from error
                with source:
                    summary = backup_restore(source=source, private_key=private_key, wipe=options["wipe"])
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Restored the backup of {summary.created_at} (Ovoz {summary.ovoz_version}, "
            f"{summary.source_database}): {summary.row_count} rows in {len(summary.rows)} tables, "
            f"{summary.files} media files."
        )
