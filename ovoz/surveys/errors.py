"""The surveys app's refusals (CONVENTIONS: one DomainError base, a stable code per refusal)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import ngettext_lazy

from ovoz.core.errors import DomainError


class SurveyError(DomainError):
    """A survey step that cannot be done."""

    status_by_code = {"round_not_open": 409, "already_answered": 409}


@dataclass(frozen=True)
class FormProblem:
    """One reason a form cannot be run: where it is (sheet, spreadsheet row, column header) and why.

    ``row`` is the row number the spreadsheet shows (the header is row 1); it and ``column`` are None
    for a problem of the whole sheet or workbook. ``code`` is stable (tests and clients rely on it).
    """

    sheet: str
    row: int | None
    column: str | None
    code: str
    message: str | Promise

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": str(self.message),
        }


class FormRefused(SurveyError):
    """A form Ovoz cannot run fully: every problem found, and nothing stored."""

    def __init__(self, problems: list[FormProblem]) -> None:
        super().__init__(
            ngettext_lazy(
                "This form cannot be run as it is: %(count)d problem to fix.",
                "This form cannot be run as it is: %(count)d problems to fix.",
                "count",
            )
            % {"count": len(problems)},
            code="form_refused",
        )
        self.problems = problems
