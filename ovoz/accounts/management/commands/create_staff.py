from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.models import User
from ovoz.accounts.services import user_create


class Command(BaseCommand):
    help = (
        "Create a staff account, e.g. the first administrator of a deployment. The password is asked for "
        "(or read from standard input with --password-stdin); the second factor is set up at the first login."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--role",
            choices=[role.value for role in DeploymentRole if role.value],
            help="A deployment-wide role; leave out for a user who will only get working-group grants.",
        )
        parser.add_argument("--password-stdin", action="store_true", help="Read the password from standard input.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} already exists.")
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                raise CommandError("The two passwords differ.")
        try:
            user = user_create(
                username=username,
                password=password,
                email=options["email"],
                role=DeploymentRole(options["role"] or ""),
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(f"Created {user.username}. They set up their second factor at the first login at /staff/.")
