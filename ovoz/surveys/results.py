"""A round's results, read from ``ResultCount`` (never the answers): per question, each choice's count
and share of the question's respondents with its 95% Wilson interval, overall and by gender or age
band. Small counts are suppressed (with their complement), and sensitive questions are only ever
shown overall."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from ovoz.core.translated import pick
from ovoz.places.models import Area
from ovoz.surveys import statistics
from ovoz.surveys.answering import text_in
from ovoz.surveys.choices import Mark, QuestionType
from ovoz.surveys.models import NO_AREA, ResultCount, SurveyRound

BREAKDOWNS = ("", "gender", "age_band", "area")
ALL = ""
# The ResultCount field each breakdown reads ("area" groups by the respondent's area's id).
BREAKDOWN_FIELDS = {"gender": "gender", "age_band": "age_band", "area": "area_key"}


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

    @property
    def text(self) -> str:
        """As a table shows it: "30 (50%; 38–62%)", or "<5" / "hidden"; never localized."""
        if self.share is None:
            return str(self.count)

        def whole(share: float) -> int:
            return int(100 * share + 0.5)  # half up, as floatformat

        share = self.share
        return f"{self.count} ({whole(share.share)}%; {whole(share.low)}–{whole(share.high)}%)"


@dataclass
class QuestionResult:
    name: str
    label: str
    is_sensitive: bool
    groups: list[str]  # column keys: ALL first, then the breakdown's values
    path: str = ""  # the Kobo column name: "group/question"
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


def _hide(per_group: dict[str, dict[str, Cell]], result: QuestionResult, group: str, key: str) -> None:
    if key == "":  # a whole group: its respondents, and so every cell of it
        result.respondents[group] = _("hidden")
        for choice_name in per_group[group]:
            if per_group[group][choice_name].share is not None:
                per_group[group][choice_name] = Cell(count=_("hidden"), share=None)
    else:
        per_group[group][key] = Cell(count=_("hidden"), share=None)


def _hide_across_groups(
    per_group: dict[str, dict[str, Cell]], raw: dict[tuple[str, str], int], result: QuestionResult
) -> None:
    """Complementary suppression across a breakdown's columns: the overall figure minus the shown
    groups must not give away a hidden one. Groups do not cover everyone (a respondent may not give a
    gender), so the not-given remainder counts as hidden when it is small. Repeated with the rule
    within each column until nothing changes."""
    groups = [group for group in result.groups if group != ALL]
    keys = ["", *per_group[ALL]]  # "" is the respondents' line
    for _round in range(10):
        changed = False
        for key in keys:
            overall_shown = (
                not isinstance(result.respondents[ALL], str) if key == "" else per_group[ALL][key].share is not None
            )
            if not overall_shown:
                continue

            def is_hidden(group: str, key: str = key) -> bool:
                return isinstance(result.respondents[group], str) if key == "" else per_group[group][key].share is None

            hidden = [group for group in groups if is_hidden(group)]
            remainder = raw[(key, ALL)] - sum(raw[(key, group)] for group in groups)
            if len(hidden) + (1 if remainder > 0 and statistics.is_suppressed(remainder) else 0) == 1:
                shown = sorted((raw[(key, group)], group) for group in groups if not is_hidden(group))
                if shown:
                    _hide(per_group, result, shown[0][1], key)
                    changed = True
        for group in groups:  # within a column: one hidden cell of a shown total needs a second
            if isinstance(result.respondents[group], str):
                continue
            cells = per_group[group]
            hidden_keys = [name for name, cell in cells.items() if cell.share is None]
            if len(hidden_keys) == 1 and len(cells) > 1:
                shown_cells = sorted((raw[(name, group)], name) for name in cells if name not in hidden_keys)
                _hide(per_group, result, group, shown_cells[0][1])
                changed = True
        if not changed:
            return


def round_results(
    survey_round: SurveyRound, *, language: str, breakdown: str = ALL
) -> tuple[int | str, list[QuestionResult]]:
    """The number of completed responses and the results of each select question, in the form's order."""
    if breakdown not in BREAKDOWNS:
        breakdown = ALL
    survey = survey_round.survey
    rows = ResultCount.objects.filter(round=survey_round)
    column = BREAKDOWN_FIELDS.get(breakdown, "")
    keys: list[str] = ["question", "value", *([column] if column else [])]
    counts: dict[tuple[str, str, str], int] = {}
    for row in rows.values(*keys).annotate(total=Sum("count")).order_by():
        overall = (row["question"], row["value"], ALL)
        counts[overall] = counts.get(overall, 0) + int(row["total"])
        group = str(row[column]) if column else ALL
        # Not given (empty, or no area) is counted overall only: "" is the overall column's key.
        if group != ALL and not (breakdown == "area" and group == str(NO_AREA)):
            counts[(row["question"], row["value"], group)] = int(row["total"])
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
            path="/".join([*question.get("group", []), name]),
        )
        per_group: dict[str, dict[str, Cell]] = {}
        raw: dict[tuple[str, str], int] = {}
        for group in groups:
            respondents = counts.get((name, "", group), 0)
            result.respondents[group] = (
                statistics.public_count(respondents) if statistics.is_suppressed(respondents) else respondents
            )
            choice_counts = {
                choice["name"]: counts.get((name, choice["name"], group), 0) for choice in question.get("choices", [])
            }
            per_group[group] = _cells(choice_counts, respondents)
            raw.update({(choice_name, group): count for choice_name, count in choice_counts.items()})
            raw[("", group)] = respondents
        if len(groups) > 1:
            _hide_across_groups(per_group, raw, result)
        for choice in question.get("choices", []):
            label = text_in(choice.get("labels", {}), language, survey.default_language) or choice["name"]
            result.rows.append((label, [per_group[group][choice["name"]] for group in groups]))
        results.append(result)
    shown_total: int | str = (
        total_responses if not statistics.is_suppressed(total_responses) else statistics.public_count(total_responses)
    )
    return shown_total, results


def group_labels(results: list[QuestionResult], *, breakdown: str, language: str) -> dict[str, str]:
    """What each column of a breakdown is called: the area's name for "area", else the value itself."""
    keys = {group for result in results for group in result.groups if group != ALL}
    if breakdown != "area" or not keys:
        return {key: key for key in keys}
    areas = Area.objects.filter(pk__in=[int(key) for key in keys if key.isdigit()]).only("name", "names")
    return {str(area.pk): pick(area.names, language) or area.name for area in areas}


def results_context(survey_round: SurveyRound, *, language: str, breakdown: str) -> dict[str, Any]:
    total, results = round_results(survey_round, language=language, breakdown=breakdown)
    breakdown = breakdown if breakdown in BREAKDOWNS else ALL
    labels = group_labels(results, breakdown=breakdown, language=language)
    return {"total": total, "results": results, "breakdown": breakdown, "group_labels": labels}
