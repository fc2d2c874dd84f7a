from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.operations.demo import demo_current_code


class Command(BaseCommand):
    help = "Print the current second-factor code of a demo user (never in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            self.stdout.write(demo_current_code(username=options["username"]))
        except TOTPDevice.DoesNotExist as error:
            raise CommandError(f"{options['username']} has no second factor; run `ovoz demo` first.") from error
