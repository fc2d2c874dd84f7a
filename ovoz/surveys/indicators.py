"""Indicators across rounds (issue 16): the share of a question's respondents who gave one answer, per
round, read from ``ResultCount`` (one query for every indicator and round of a survey), with the 95%
Wilson interval; a round where the count or its denominator is under 5 shows no share. Drawn as an
SVG chart by the server ("Bokhtar 2027: 84%")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from ovoz.accounts.models import User
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.core.translated import pick
from ovoz.surveys import statistics
from ovoz.surveys.answering import text_in
from ovoz.surveys.choices import QuestionType, RoundState
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import Indicator, ResultCount, Survey

CHART_WIDTH = 360
CHART_HEIGHT = 160
PLOT_TOP = 16
PLOT_HEIGHT = 110


@transaction.atomic
def indicator_add(*, survey: Survey, question: str, value: str, label: str, actor: User | None) -> Indicator:
    """Follow the share who answered ``value`` to the select question ``question`` across rounds."""
    asked = next((q for q in survey.questions if q["name"] == question), None)
    if asked is None or asked["type"] not in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE):
        raise SurveyError(_("Choose a question with choices."), code="indicator_question_unknown")
    if value not in {choice["name"] for choice in asked.get("choices", [])}:
        raise SurveyError(_("This question has no such answer."), code="indicator_value_unknown")
    if Indicator.objects.filter(survey=survey, question=question, value=value).exists():
        raise SurveyError(_("This indicator is already followed."), code="indicator_duplicate")
    indicator = Indicator.objects.create(
        survey=survey,
        question=question,
        value=value,
        labels={survey.default_language: label.strip()} if label.strip() else {},
        created_by=actor,
    )
    audit_record(
        action=AuditAction.SURVEY_INDICATOR_ADDED,
        actor=actor,
        target=indicator,
        data={"survey": survey.pk, "question": question, "value": value},
    )
    return indicator


@transaction.atomic
def indicator_remove(*, indicator: Indicator, actor: User | None) -> None:
    """Stop following an indicator: it leaves the survey's charts (staff and public) at once. Results put
    on meeting agendas are their own rows (``MeetingResult``) and stay where they are."""
    audit_record(
        action=AuditAction.SURVEY_INDICATOR_REMOVED,
        actor=actor,
        target=indicator,
        data={"survey": indicator.survey_id, "question": indicator.question, "value": indicator.value},
    )
    indicator.delete()


@dataclass(frozen=True)
class Point:
    number: int
    label: str  # "Bokhtar 2027" (the round's area and year), or "Round 2"
    share: statistics.Share | None  # None when suppressed or not asked
    # SVG geometry, as text (never localized)
    x: str
    y: str
    low_y: str
    high_y: str
    percent: str
    interval: str  # "76–90%"


@dataclass(frozen=True)
class Series:
    indicator: Indicator
    label: str
    points: list[Point]
    path: str  # the SVG polyline through the shown points
    width: str
    height: str


def _n(value: float) -> str:
    return f"{value:.1f}"


def _round_label(survey_round: object, language: str) -> str:
    area = getattr(survey_round, "area", None) or getattr(getattr(survey_round, "survey", None), "area", None)
    opened = getattr(survey_round, "opens_at", None)
    parts = [pick(area.names, language) or area.name] if area is not None else []
    if opened is not None:
        parts.append(str(opened.year))
    return " ".join(parts) or _("Round %(number)d") % {"number": getattr(survey_round, "number", 0)}


def indicator_label(survey: Survey, indicator: Indicator, language: str) -> str:
    """The indicator's own name, else "<question>: <answer>" in the page's language."""
    if indicator.labels:
        return indicator.label(language)
    question: dict[str, Any] = next((q for q in survey.questions if q["name"] == indicator.question), {})
    choice: dict[str, Any] = next((c for c in question.get("choices", []) if c["name"] == indicator.value), {})
    default = survey.default_language
    return _("%(question)s: %(answer)s") % {
        "question": text_in(question.get("labels", {}), language, default) or indicator.question,
        "answer": text_in(choice.get("labels", {}), language, default) or indicator.value,
    }


def survey_indicators(survey: Survey, *, language: str, closed_only: bool = False) -> list[Series]:
    """Every indicator of ``survey`` with its share per open or closed round (``closed_only`` in public:
    an open round's share moves with each response and would tell a respondent's answer)."""
    indicators = list(survey.indicators.all())
    if not indicators:
        return []
    shown = [RoundState.CLOSED] if closed_only else [RoundState.OPEN, RoundState.CLOSED]
    rounds = list(survey.rounds.filter(state__in=shown).select_related("area", "survey__area").order_by("number"))
    questions = {indicator.question for indicator in indicators}
    totals: dict[tuple[int, str, str], int] = {
        (row["round"], row["question"], row["value"]): int(row["total"])
        for row in ResultCount.objects.filter(round__in=rounds, question__in=questions)
        .values("round", "question", "value")
        .annotate(total=Sum("count"))
        .order_by()
    }
    step = (CHART_WIDTH - 60) / max(1, len(rounds) - 1) if len(rounds) > 1 else 0
    series = []
    for indicator in indicators:
        question: dict[str, Any] = next((q for q in survey.questions if q["name"] == indicator.question), {})
        points = []
        for index, survey_round in enumerate(rounds):
            choice_counts = {
                choice["name"]: totals.get((survey_round.pk, indicator.question, choice["name"]), 0)
                for choice in question.get("choices", [])
            }
            total = totals.get((survey_round.pk, indicator.question, ""), 0)
            # Shown only where the results table shows the answer: beside a small answer a share is hidden.
            share = statistics.shown_share(choice_counts, total, indicator.value)
            x = 30 + index * step if len(rounds) > 1 else CHART_WIDTH / 2

            def y(fraction: float) -> float:
                return PLOT_TOP + PLOT_HEIGHT * (1 - fraction)

            points.append(
                Point(
                    number=survey_round.number,
                    label=_round_label(survey_round, language),
                    share=share,
                    x=_n(x),
                    y=_n(y(share.share)) if share else "",
                    low_y=_n(y(share.low)) if share else "",
                    high_y=_n(y(share.high)) if share else "",
                    percent=f"{round(100 * share.share):d}%" if share else "",
                    interval=f"{round(100 * share.low):d}–{round(100 * share.high):d}%" if share else "",
                )
            )
        path = " ".join(f"{point.x},{point.y}" for point in points if point.share is not None)
        series.append(
            Series(
                indicator=indicator,
                label=indicator_label(survey, indicator, language),
                points=points,
                path=path,
                width=str(CHART_WIDTH),
                height=str(CHART_HEIGHT),
            )
        )
    return series
