"""A round's results, read from ``ResultCount`` (never the answers): per question, each choice's count
and share of the question's respondents with its 95% Wilson interval, overall and by gender or age
band. Small counts are suppressed (with their complement), and sensitive questions are only ever
shown overall."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from ovoz.surveys import statistics
from ovoz.surveys.answering import text_in
from ovoz.surveys.choices import Mark, QuestionType
from ovoz.surveys.models import ResultCount, SurveyRound

BREAKDOWNS = ("", "gender", "age_band")
ALL = ""


@dataclass(frozen=True)
class Cell:
    count: int | str  # "<5" when suppressed
    share: statistics.Share | None  # None when suppressed

    @property
    def percent(self) -> float | None:
        return None if self.share is None else 100 * self.share.share

    @property
    def low_percent(self) -> float | None:
        return None if self.share is None else 100 * self.share.low

    @property
    def high_percent(self) -> float | None:
        return None if self.share is None else 100 * self.share.high


@dataclass
class QuestionResult:
    name: str
    label: str
    is_sensitive: bool
    groups: list[str]  # column keys: ALL first, then the breakdown's values
    respondents: dict[str, int | str] = field(default_factory=dict)
    rows: list[tuple[str, list[Cell]]] = field(default_factory=list)  # (choice label, a cell per group)


def _cells(counts: dict[str, int], total: int) -> dict[str, Cell]:
    hidden = statistics.suppressed_cells(counts) if not statistics.is_suppressed(total) else frozenset(counts)
    cells = {}
    for key, count in counts.items():
        if key in hidden:
            # A cell hidden only so that a small one cannot be worked out from the total says so.
            shown = statistics.public_count(count) if statistics.is_suppressed(count) else _("hidden")
            cells[key] = Cell(count=shown, share=None)
        else:
            cells[key] = Cell(count=count, share=statistics.share_of(count, total))
    return cells


def round_results(
    survey_round: SurveyRound, *, language: str, breakdown: str = ALL
) -> tuple[int | str, list[QuestionResult]]:
    """The number of completed responses and the results of each select question, in the form's order."""
    if breakdown not in BREAKDOWNS:
        breakdown = ALL
    survey = survey_round.survey
    rows = ResultCount.objects.filter(round=survey_round)
    keys: list[str] = ["question", "value", *([breakdown] if breakdown else [])]
    counts: dict[tuple[str, str, str], int] = {}
    for row in rows.values(*keys).annotate(total=Sum("count")):
        group = str(row.get(breakdown, ALL)) if breakdown else ALL
        counts[(row["question"], row["value"], group)] = int(row["total"])
        if breakdown:
            overall = (row["question"], row["value"], ALL)
            counts[overall] = counts.get(overall, 0) + int(row["total"])
    total_responses = counts.get(("", "", ALL), 0)
    groups_seen = sorted({group for (_question, _value, group) in counts if group != ALL})
    results: list[QuestionResult] = []
    for question in survey.questions:
        if question["type"] not in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
            continue
        name = question["name"]
        is_sensitive = question.get("mark") == Mark.SENSITIVE
        groups = [ALL] if is_sensitive or not breakdown else [ALL, *groups_seen]
        result = QuestionResult(
            name=name,
            label=text_in(question.get("labels", {}), language, survey.default_language),
            is_sensitive=is_sensitive,
            groups=groups,
        )
        per_group: dict[str, dict[str, Cell]] = {}
        for group in groups:
            respondents = counts.get((name, "", group), 0)
            result.respondents[group] = (
                statistics.public_count(respondents) if statistics.is_suppressed(respondents) else respondents
            )
            choice_counts = {
                choice["name"]: counts.get((name, choice["name"], group), 0) for choice in question.get("choices", [])
            }
            per_group[group] = _cells(choice_counts, respondents)
        for choice in question.get("choices", []):
            label = text_in(choice.get("labels", {}), language, survey.default_language) or choice["name"]
            result.rows.append((label, [per_group[group][choice["name"]] for group in groups]))
        results.append(result)
    shown_total: int | str = (
        total_responses if not statistics.is_suppressed(total_responses) else statistics.public_count(total_responses)
    )
    return shown_total, results


def results_context(survey_round: SurveyRound, *, language: str, breakdown: str) -> dict[str, Any]:
    total, results = round_results(survey_round, language=language, breakdown=breakdown)
    return {"total": total, "results": results, "breakdown": breakdown if breakdown in BREAKDOWNS else ALL}
