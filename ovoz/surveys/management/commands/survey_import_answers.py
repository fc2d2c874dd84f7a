from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.surveys.errors import SurveyError
from ovoz.surveys.imports import AnswersRefused, survey_answers_import
from ovoz.surveys.kobo import KoboImportError, KoboSubmission, fetch_kobo_api, read_kobo_csv, read_kobo_xlsx
from ovoz.surveys.models import Survey, SurveyRound

TOKEN_VARIABLE = "OVOZ_KOBO_TOKEN"  # noqa: S105 (the variable's name, not a token)


def problem_line(problem: dict[str, object]) -> str:
    """One problem as a person reads it: "row 7 (uuid …), question age: … [code]"."""
    where = [f"row {problem['row']}" if problem["row"] is not None else "file"]
    if problem["uuid"]:
        where[0] += f" (uuid {problem['uuid']})"
    if problem["question"]:
        where.append(f"question {problem['question']}")
    return f"{', '.join(where)}: {problem['message']} [{problem['code']}]"


class Command(BaseCommand):
    help = (
        "Import answers collected with KoboToolbox into a survey's open round: a CSV or XLSX data export "
        "(XML values and headers), or its data API with --kobo-url and the API token from the environment "
        f"variable {TOKEN_VARIABLE} (or asked for). Submissions already in the round (same _uuid) are left as "
        "they are; if any other is invalid, every problem is listed on standard error, exit status 2, and "
        'nothing is stored. Prints {"stored": n, "already": m} on success.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The survey's slug.")
        parser.add_argument("round", type=int, help="The round's number.")
        parser.add_argument("file", nargs="?", type=Path, help="A KoboToolbox export (.csv or .xlsx).")
        parser.add_argument(
            "--kobo-url",
            help="A KoboToolbox data API v2 URL (…/api/v2/assets/<uid>/data/?format=json) instead of a file.",
        )

    def _token(self) -> str:
        # Never an argument: the command line is visible to every user of the machine and kept in shell history.
        token = str(settings.OVOZ_KOBO_TOKEN).strip()
        if not token and sys.stdin.isatty():
            token = getpass.getpass("KoboToolbox API token: ").strip()
        if not token:
            raise CommandError(f"Set {TOKEN_VARIABLE} to the KoboToolbox API token.", returncode=2)
        return token

    def _submissions(self, options: dict[str, Any]) -> tuple[list[KoboSubmission], str]:
        path: Path | None = options["file"]
        if (path is None) == (options["kobo_url"] is None):
            raise CommandError("Give either an export file or --kobo-url.", returncode=2)
        if path is None:
            return fetch_kobo_api(options["kobo_url"], self._token()), "api"
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise CommandError(f"{path.name}: give a .csv or .xlsx KoboToolbox export.", returncode=2)
        if not path.is_file():
            raise CommandError(f"Cannot read {path}.", returncode=2)
        return (read_kobo_csv(path) if suffix == ".csv" else read_kobo_xlsx(path)), suffix[1:]

    def handle(self, *args: Any, **options: Any) -> None:
        survey_round = (
            SurveyRound.objects.filter(survey__slug=options["slug"], number=options["round"])
            .select_related("survey")
            .first()
        )
        if survey_round is None:
            if not Survey.objects.filter(slug=options["slug"]).exists():
                raise CommandError(f"No survey with slug {options['slug']!r}.", returncode=2)
            raise CommandError(f"The survey has no round {options['round']}.", returncode=2)
        try:
            submissions, source = self._submissions(options)
            result = survey_answers_import(
                survey_round=survey_round, submissions=submissions, actor=None, source=source
            )
        except KoboImportError as error:
            raise CommandError(f"Nothing was imported: {error} [{error.code}]", returncode=2) from None
        except AnswersRefused as refusal:
            for problem in refusal.problems:
                self.stderr.write(problem_line(problem.as_dict()))
            raise CommandError(str(refusal.message), returncode=2) from None
        except SurveyError as error:
            raise CommandError(f"{error.message} [{error.code}]", returncode=2) from None
        self.stdout.write(json.dumps({"stored": result.stored, "already": result.already}))
