from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ovoz.operations.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Delete what the retention policy (set by administrators in the admin) makes due: concerns and "
        "reporters' contact details past their period after closure, channel conversations that no "
        "longer lead anywhere, old task results and mail files. Safe to run twice; `ovoz serve` runs it "
        "daily unless --no-scheduler."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only print how many would be deleted.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = retention_apply(dry_run=options["dry_run"])
        verb = "Would delete" if report.is_dry_run else "Deleted"
        concerns = ", ".join(f"{count} {visibility}" for visibility, count in report.concerns.items())
        self.stdout.write(
            f"{verb}: concerns {concerns}; contact details of {report.contacts} concerns; "
            f"{report.conversations} channel conversations; {report.task_results} task results; "
            f"{report.mail_files} mail files; {report.sessions} expired sessions; "
            f"{report.survey_answerings} half-answered channel surveys; {report.survey_drafts} survey drafts."
        )
