"""Published survey results in the API (issue 16): which surveys publish their results, and a round's
results overall or by gender, age band or area. Read-only and public; the same figures as the public
results page: counts under 5 as "<5", their complement "hidden", sensitive questions overall only.
Individual answers are never served."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from django.conf import settings
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from ovoz.core.api_schemas import ApiError, ErrorOut
from ovoz.surveys import publishing, results, statistics
from ovoz.surveys.choices import RoundState
from ovoz.surveys.models import ResultCount, Survey

router = Router(tags=["surveys"])

Count = int | str


class SurveyRoundOut(Schema):
    number: int
    state: str = Field(description="open or closed.")
    opened_at: datetime | None
    closed_at: datetime | None
    responses: Count = Field(description='Completed responses; under 5 as "<5".')


class SurveyOut(Schema):
    slug: str
    title: str = Field(description="In the request's language, else the form's default language.")
    titles: dict[str, str] = Field(description="The title by language code.")
    default_language: str
    rounds: list[SurveyRoundOut]


class SurveyGroupOut(Schema):
    key: str = Field(
        description='"" for everyone; else the gender, the age band or the area\'s id; by two dimensions, '
        'both, in the order of `by`, joined by a comma ("woman,18-24").'
    )
    label: str
    respondents: Count = Field(description='Who answered the question; "<5" or "hidden" when suppressed.')


class SurveyCellOut(Schema):
    count: Count = Field(description='"<5" when small, "hidden" when hidden so a small one cannot be worked out.')
    share: float | None = Field(description="Of the group's respondents; null when suppressed.")
    share_low: float | None = Field(description="95% Wilson interval, lower bound.")
    share_high: float | None = Field(description="95% Wilson interval, upper bound.")


class SurveyChoiceOut(Schema):
    name: str
    label: str
    cells: list[SurveyCellOut] = Field(description="One per group, in the order of the question's groups.")


class SurveyQuestionOut(Schema):
    name: str
    path: str = Field(description="The KoboToolbox column name: group/question.")
    label: str
    sensitive: bool = Field(description="Sensitive questions are only ever given overall.")
    groups: list[SurveyGroupOut]
    choices: list[SurveyChoiceOut]
    withheld: bool | None = Field(
        None,
        description="By two dimensions only: true when the crossing is not shown for this question (too few "
        "answers in some group, or a figure next to it hidden), so only everyone's column is given.",
    )


class SurveyResultsOut(Schema):
    survey: str
    round: int
    breakdown: str
    responses: Count
    questions: list[SurveyQuestionOut]


class SurveyResultsFilters(Schema):
    round: int | None = Field(None, ge=1, le=32767, description="The round's number (the latest by default).")
    by: Literal["gender", "age_band", "area", "gender,age_band", "gender,area", "age_band,area"] | None = Field(
        None, description="Break the results down by one dimension, or by two at once."
    )
    area: int | None = Field(
        None,
        ge=1,
        description="With a breakdown by area (`by` naming area): only this area's groups, after everyone's.",
    )


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def _rounds(surveys: list[Survey]) -> dict[int, list[SurveyRoundOut]]:
    counts = dict(
        ResultCount.objects.filter(round__survey__in=surveys, question="", value="")
        .values("round")
        .annotate(total=Sum("count"))
        .values_list("round", "total")
    )
    rounds: dict[int, list[SurveyRoundOut]] = {survey.pk: [] for survey in surveys}
    for survey in surveys:
        # Closed rounds only, as on the results pages (publishing.published_rounds).
        shown = (survey_round for survey_round in survey.rounds.all() if survey_round.state == RoundState.CLOSED)
        for survey_round in sorted(shown, key=lambda survey_round: survey_round.number):
            rounds[survey.pk].append(
                SurveyRoundOut(
                    number=survey_round.number,
                    state=survey_round.state,
                    opened_at=survey_round.opens_at,
                    closed_at=survey_round.closes_at,
                    responses=statistics.public_count(int(counts.get(survey_round.pk) or 0)),
                )
            )
    return rounds


@router.get("surveys", response=list[SurveyOut], summary="Surveys with published results")
def list_surveys(request: HttpRequest) -> object:
    """The surveys whose organisation publishes their results, with their rounds and how many
    completed responses each has."""
    surveys = list(publishing.published_surveys().prefetch_related("rounds"))
    rounds = _rounds(surveys)
    language = _language()
    return [
        SurveyOut(
            slug=survey.slug,
            title=survey.title(language),
            titles=survey.titles,
            default_language=survey.default_language,
            rounds=rounds[survey.pk],
        )
        for survey in surveys
    ]


@router.get(
    "surveys/{slug}/results",
    response={200: SurveyResultsOut, 400: ErrorOut, 404: ErrorOut},
    summary="A round's published results",
)
def survey_results(request: HttpRequest, slug: str, filters: Query[SurveyResultsFilters]) -> object:
    """Each choice question's counts and shares (with 95% Wilson intervals) of those who answered it,
    overall and, with ``by``, per gender, age band or area, or per pair of them (``by=gender,area``:
    gender within each area), where counts allow; with ``area`` (and a breakdown by area) only that area's
    groups. Small counts are suppressed as on the public results page; sensitive questions are only given
    overall."""
    try:
        survey = publishing.published_survey_get(slug=slug)
        survey_round = publishing.published_round(survey, filters.round)
    except Http404:
        raise ApiError(404, _("No published survey results here."), "not_found") from None
    language = _language()
    breakdown = filters.by or ""
    if filters.area is not None and "area" not in results.dimensions(breakdown):
        raise ApiError(400, _("Choose one area only with a breakdown by area."), "area_needs_breakdown")
    total, question_results = results.round_results(survey_round, language=language, breakdown=breakdown)
    if filters.area is not None:  # a crossed question is whole or withheld: a slice shows nothing more
        question_results = results.one_area(question_results, breakdown=breakdown, area_key=str(filters.area))
    labels = results.group_labels(question_results, breakdown=breakdown, language=language, survey=survey)
    questions = []
    for result in question_results:
        question = next(q for q in survey.questions if q["name"] == result.name)
        choices = [
            {
                "name": choice["name"],
                "label": label,
                "cells": [
                    {
                        "count": cell.count,
                        "share": None if cell.share is None else round(cell.share.share, 4),
                        "share_low": None if cell.share is None else round(cell.share.low, 4),
                        "share_high": None if cell.share is None else round(cell.share.high, 4),
                    }
                    for cell in cells
                ],
            }
            for choice, (label, cells) in zip(question.get("choices", []), result.rows, strict=True)
        ]
        groups = [
            {
                "key": group,
                "label": _("Everyone") if group == results.ALL else labels.get(group, group),
                "respondents": result.respondents[group],
            }
            for group in result.groups
        ]
        item: dict[str, object] = {
            "name": result.name,
            "path": result.path,
            "label": result.label,
            "sensitive": result.is_sensitive,
            "groups": groups,
            "choices": choices,
        }
        if breakdown in results.CROSSINGS:  # the answers by one dimension stay as they were
            item["withheld"] = result.withheld
        questions.append(item)
    # Written out as JSON directly: thousands of cells for a large form by area, which validating
    # through the schema (SurveyResultsOut, still the documented shape) would take most of the time to check.
    body = {"survey": survey.slug, "round": survey_round.number, "breakdown": breakdown, "responses": total}
    return HttpResponse(
        json.dumps({**body, "questions": questions}, ensure_ascii=False, cls=NinjaJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
