from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.insights.detect_files import CountsFileError, alert_rows, read_counts, write_alerts


class Command(BaseCommand):
    help = (
        "Early warning on a file, without a database: read daily counts (CSV header area,theme,day,count; "
        "a missing day is a zero) and write the alerts (area,theme,day,score), one row per series and day "
        "on which an alert is raised. Bad input is refused with its line number and nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--counts", required=True, help="the counts CSV file ('-' for standard input)")
        parser.add_argument("--out", required=True, help="the alerts CSV file to write ('-' for standard output)")
        parser.add_argument(
            "--budget",
            type=float,
            default=settings.OVOZ_ALERT_FALSE_EPISODES_PER_YEAR,
            help="false alert episodes allowed per series and year (default OVOZ_ALERT_FALSE_EPISODES_PER_YEAR)",
        )

        parser.add_argument(
            "--share",
            action="store_true",
            help="also the share signal (a theme's share of its area's concerns rising), on a fifth of the budget",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        budget = options["budget"]
        if not 0 < budget <= 12:
            raise CommandError("--budget must be above 0 and at most 12 false episodes per series-year.")
        try:
            if options["counts"] == "-":
                counts = read_counts(sys.stdin)
            else:
                with Path(options["counts"]).open(encoding="utf-8-sig", newline="") as handle:
                    counts = read_counts(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {options['counts']}: {error.strerror}") from None
        except CountsFileError as error:
            raise CommandError(f"{options['counts']}, {error}") from None
        rows = alert_rows(counts, false_episodes_per_year=budget, share=options["share"])
        if options["out"] == "-":
            written = write_alerts(self.stdout, rows)
        else:
            # Written beside the target and moved into place: a failed run leaves no half-written file.
            target = Path(options["out"])
            partial = target.with_name(target.name + ".partial")
            with partial.open("w", encoding="utf-8", newline="") as handle:
                written = write_alerts(handle, rows)
            partial.replace(target)
        self.stderr.write(f"{len(counts.series)} series, {written} alert rows")
