"""Reads of surveys that need scoping (CONVENTIONS: ``<entity>_list``/``<entity>_get``, 404 for a foreign object)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from ovoz.accounts.models import User
from ovoz.core.scoping import scoped_get
from ovoz.surveys.models import Indicator, RoundState, Survey, SurveyRound
from ovoz.surveys.permissions import can_manage_surveys


def survey_list(*, user: User) -> QuerySet[Survey]:
    """The surveys a user manages (every survey for administrators and coordinators, none for others),
    each with its number of rounds and whether one is open."""
    if not can_manage_surveys(user):
        return Survey.objects.none()
    return (
        Survey.objects.select_related("area")
        .defer("source_xlsx")
        .annotate(round_count=Count("rounds"), open_rounds=Count("rounds", filter=Q(rounds__state=RoundState.OPEN)))
        .order_by("-created_at")
    )


def survey_get(*, user: User, survey_id: int) -> Survey:
    """A survey the user manages; any other is a 404 (audited by ``staff_required``)."""
    return scoped_get(survey_list(user=user), pk=survey_id)


def survey_round_get(*, user: User, survey: Survey, number: int) -> SurveyRound:
    return scoped_get(SurveyRound.objects.filter(survey__in=survey_list(user=user), survey=survey), number=number)


def indicator_get(*, user: User, survey: Survey, indicator_id: int) -> Indicator:
    """An indicator of a survey the user manages; any other is a 404."""
    return scoped_get(Indicator.objects.filter(survey__in=survey_list(user=user), survey=survey), pk=indicator_id)


def survey_preview(survey: Survey, language: str) -> list[dict[str, Any]]:
    """The form question by question in ``language`` (falling back to the form's default language),
    as the staff preview shows it: group headings, questions with their hint and choices, notes."""
    default = survey.default_language

    def text(texts: dict[str, str]) -> str:
        return texts.get(language) or texts.get(default) or next(iter(texts.values()), "")

    items = []
    for question in survey.questions:
        if question["type"] in ("end_group", "end_repeat"):
            continue
        items.append(
            {
                "name": question["name"],
                "type": question["type"],
                "depth": len(question.get("group", [])),
                "label": text(question.get("labels", {})),
                "is_translated": language in question.get("labels", {}) or not question.get("labels"),
                "hint": text(question.get("hints", {})),
                "choices": [text(choice["labels"]) or choice["name"] for choice in question.get("choices", [])],
                "required": question.get("required", False),
                "relevant": question.get("relevant", ""),
                "constraint": question.get("constraint", ""),
                "constraint_message": text(question.get("constraint_messages", {})),
                "calculation": question.get("calculation", ""),
                "mark": question.get("mark", ""),
            }
        )
    return items


def public_survey_round(*, slug: str) -> tuple[Survey, SurveyRound | None]:
    """A published survey and its open round (None when no round is open); an unpublished or
    unknown survey is a 404."""
    survey = Survey.objects.defer("source_xlsx").filter(slug=slug, is_published=True).first()
    if survey is None:
        raise Http404
    survey_round = survey.rounds.filter(state=RoundState.OPEN).order_by("-number").first()
    return survey, survey_round
