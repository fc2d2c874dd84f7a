from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.core import catalogs


class Command(BaseCommand):
    help = (
        "Translation catalogs under ovoz/locale/: 'update' adds new source strings to every language, "
        "'compile' writes the .mo files, 'check' fails when a string is missing, untranslated, fuzzy "
        "or stale, or a catalog does not compile."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["update", "compile", "check"])

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "update":
            for language, missing in catalogs.update().items():
                self.stdout.write(f"{language}: {missing} messages to translate")
        elif action == "compile":
            for path in catalogs.compile_all():
                self.stdout.write(f"wrote {path}")
        else:
            problems = catalogs.check()
            if problems:
                for problem in problems[:200]:
                    self.stderr.write(str(problem))
                raise CommandError(f"{len(problems)} catalog problems.")
            self.stdout.write(f"Catalogs complete for {', '.join(catalogs.translated_languages())}.")
