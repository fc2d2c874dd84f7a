from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.accounts.errors import AccountError
from ovoz.accounts.models import User
from ovoz.accounts.services import recipient_first_add


class Command(BaseCommand):
    help = (
        "Make a staff user the deployment's first recipient of new confidential concerns. Works only while "
        "nobody receives them; every later change is proposed by one administrator and confirmed by another "
        "(or by a current recipient) on the recipients page of the staff workspace. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user named {options['username']!r}.")
        try:
            recipient_first_add(user=user)
        except AccountError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            f"{user.username} now receives new confidential concerns (after their first sign-in, which makes "
            "their key). Further recipients are proposed and confirmed at /staff/recipients/."
        )
