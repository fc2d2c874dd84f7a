from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ovoz.groups.services import digests_send


class Command(BaseCommand):
    help = (
        "Send working-group members their daily reminder e-mail (upcoming meetings, open scoring rounds, "
        "actions due within 7 days or overdue). At most one per member per day: safe to run twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="The day (YYYY-MM-DD); today.")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or timezone.localdate()
        sent = digests_send(day=day)
        self.stdout.write(f"Reminders for {day.isoformat()}: {sent} e-mails sent.")
