from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ovoz.insights.alert_services import alerts_run


class Command(BaseCommand):
    help = (
        "Run early warning over the rollups for one day (default: today, in the deployment's time zone): "
        "raise an alert for each area and theme whose concerns rose above what it expects, extend the "
        "alerts of episodes that go on, and tell the coordinators and facilitators of their areas. "
        "Running the same day again raises nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="the day to look at, YYYY-MM-DD (default: today)")
        parser.add_argument("--no-notices", action="store_true", help="raise alerts but send no notices")

    def handle(self, *args: Any, **options: Any) -> None:
        day = timezone.localdate()
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as error:
                raise CommandError("--day must be a date, YYYY-MM-DD.") from error
        report = alerts_run(day=day, notify=not options["no_notices"])
        self.stdout.write(
            f"{report.day.isoformat()}: {report.series} series, {report.raised} alerts raised, "
            f"{report.extended} going on ({report.seconds:.1f} s)"
        )
