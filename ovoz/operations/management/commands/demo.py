from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ovoz.operations.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print how to log in as each demo role. Refused in production."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_load()
        self.stdout.write("Demo logins (staff workspace at /staff/):")
        for login in logins:
            self.stdout.write(f"  {login.username:<12} {login.description}")
        self.stdout.write(f"  Password for every demo user: {logins[0].password}")
        self.stdout.write(
            "  Second factor: add the user's key below to an authenticator app, or print the current code\n"
            "  with `.venv/bin/ovoz demo-code USERNAME`."
        )
        for login in logins:
            self.stdout.write(f"    {login.username:<12} TOTP key {login.totp_key}")
