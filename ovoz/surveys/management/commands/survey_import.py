from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ovoz.places.selectors import area_get_by_reference
from ovoz.surveys.errors import FormRefused
from ovoz.surveys.services import survey_import


def problem_line(problem: dict[str, object]) -> str:
    """One problem as a person reads it: "survey sheet, row 7, column relevant: ... [code]"."""
    where = [f"{problem['sheet'] or 'workbook'} sheet"]
    if problem["row"] is not None:
        where.append(f"row {problem['row']}")
    if problem["column"]:
        where.append(f"column {problem['column']}")
    return f"{', '.join(where)}: {problem['message']} [{problem['code']}]"


class Command(BaseCommand):
    help = (
        "Import an XLSForm (.xlsx, KoboToolbox exports included) as a survey and print it as JSON (id, slug, "
        "title, questions) on the last line. A form Ovoz cannot run fully is refused with every problem listed "
        "(sheet, row and column) on standard error, exit status 2, and nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The XLSForm workbook (.xlsx).")
        parser.add_argument("--area", help="ISO 3166-2 code (e.g. TJ-KT) or id of the area the survey is for.")
        parser.add_argument("--publish", action="store_true", help="Publish it: open rounds can be answered.")

    def handle(self, *args: Any, **options: Any) -> None:
        area = None
        if options["area"]:
            area = area_get_by_reference(options["area"])
            if area is None:
                raise CommandError(f"No area with code or id {options['area']!r}.", returncode=2)
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}", returncode=2) from error
        try:
            survey = survey_import(file=data, file_name=path.name, area=area, publish=options["publish"])
        except FormRefused as refusal:
            for problem in refusal.problems:
                self.stderr.write(problem_line(problem.as_dict()))
            raise CommandError(f"{path.name}: nothing was imported. {refusal.message}", returncode=2) from None
        summary = {
            "id": survey.pk,
            "slug": survey.slug,
            "title": survey.title(survey.default_language),
            "questions": survey.question_count,
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
