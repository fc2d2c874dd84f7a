from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.core.audit import Problem, chain_verify, triggers_missing


class Command(BaseCommand):
    help = (
        "Check the audit log: walk its hash chain, print how many entries were checked and the newest "
        "entry's hash, and exit non-zero naming the first entry that does not match (changed, removed, "
        "inserted or reordered entries), or when the database no longer refuses changes to the log. "
        "Keep the printed hash elsewhere and pass it back with --contains to notice cut-off entries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--contains",
            metavar="HASH",
            default="",
            help="A hash printed by an earlier run: that entry must still be in the chain.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expected = options["contains"].strip().lower()
        report = chain_verify(expected_hash=expected)
        self.stdout.write(f"Checked {report.checked} audit entries.")
        if report.broken is not None:
            broken = report.broken
            if broken.problem == Problem.ALTERED:
                raise CommandError(
                    f"Audit entry {broken.entry_id} does not match its hash: it was changed after it was written."
                )
            after = f"entry {broken.previous_id}" if broken.previous_id is not None else "the start of the log"
            raise CommandError(
                f"Audit entry {broken.entry_id} does not follow {after}: entries were removed, inserted or "
                "reordered there."
            )
        if report.contains_expected is False:
            raise CommandError(
                f"No entry with hash {expected} is in the chain: entries were cut off or the chain was rewritten."
            )
        missing = triggers_missing()
        if missing:
            raise CommandError(
                "The chain is intact, but the database no longer refuses changes to the audit log: "
                f"trigger {', '.join(missing)} is missing or disabled."
            )
        if report.head_id is None:
            self.stdout.write("The audit log is empty.")
        else:
            self.stdout.write(f"The chain is intact. Newest entry: {report.head_id}, hash {report.head_hash}.")
