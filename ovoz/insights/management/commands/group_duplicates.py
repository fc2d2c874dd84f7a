from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.insights.duplicate_files import TextsFileError, read_texts, write_groups
from ovoz.insights.duplicates import THRESHOLD, group_texts


class Command(BaseCommand):
    help = (
        "Group texts that describe the same incident, whatever their languages, without a database: read "
        "id,text (optional area,day) and write id,group with every id once; ids sharing a group are one "
        "incident. Texts of different areas, or more than --days apart, are never grouped. Bad input is "
        "refused with its line number and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="the texts CSV file ('-' for standard input)")
        parser.add_argument("--output", required=True, help="the groups CSV file to write ('-' for standard output)")
        parser.add_argument(
            "--days", type=int, default=14, help="most days between two texts of one incident (default 14)"
        )
        parser.add_argument(
            "--threshold", type=float, default=THRESHOLD, help=f"pair score to join (default {THRESHOLD})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 <= options["days"] <= 3660:
            raise CommandError("--days must be between 0 and 3660.")
        if not 0 < options["threshold"] < 2:
            raise CommandError("--threshold must be above 0 and below 2.")
        try:
            if options["input"] == "-":
                texts = read_texts(sys.stdin)
            else:
                with Path(options["input"]).open(encoding="utf-8-sig", newline="") as handle:
                    texts = read_texts(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {options['input']}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{options['input']} is not UTF-8 text.") from None
        except TextsFileError as error:
            raise CommandError(f"{options['input']}, {error}") from None
        groups = group_texts(texts, days=options["days"], threshold=options["threshold"])
        if options["output"] == "-":
            write_groups(self.stdout, texts, groups)
        else:
            # Written beside the target and moved into place: a failed run leaves no half-written file.
            target = Path(options["output"])
            partial = target.with_name(target.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8", newline="") as handle:
                    write_groups(handle, texts, groups)
                partial.replace(target)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}") from None
        self.stderr.write(f"{len(texts)} texts, {len(set(groups))} groups")
