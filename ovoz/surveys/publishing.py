"""Publishing a survey's results: the flag staff set, and the public reads it gates (issue 16).

Only results are published, and only as counts read from ``ResultCount`` with small counts
suppressed: individual answers are never shown or exported in public.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from ovoz.accounts.models import User
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.surveys.models import RoundState, Survey, SurveyRound


@transaction.atomic
def survey_results_publish(*, survey: Survey, actor: User | None, published: bool) -> Survey:
    """Publish (or withdraw) a survey's results; audited as ``survey.results_published``."""
    survey = Survey.objects.select_for_update().defer("source_xlsx").get(pk=survey.pk)
    if survey.results_published == published:
        return survey
    survey.results_published = published
    survey.save(update_fields=["results_published", "updated_at"])
    audit_record(
        action=AuditAction.SURVEY_RESULTS_PUBLISHED,
        actor=actor,
        target=survey,
        data={"survey": survey.pk, "published": published},
    )
    return survey


def published_surveys() -> QuerySet[Survey]:
    """Surveys whose results the organisation publishes."""
    return Survey.objects.defer("source_xlsx").filter(results_published=True).order_by("slug")


def public_survey_index() -> tuple[list[Survey], list[Survey]]:
    """What the public survey page lists: the published surveys open for answers now, and the surveys
    whose results the organisation publishes."""
    surveys = list(
        Survey.objects.defer("source_xlsx", "definition")
        .filter(Q(is_published=True) | Q(results_published=True))
        .annotate(is_open=Exists(SurveyRound.objects.filter(state=RoundState.OPEN, survey=OuterRef("pk"))))
        .order_by("slug")
    )
    open_ids = {survey.pk for survey in surveys if survey.is_published and survey.__dict__["is_open"]}
    closed_ids = set(
        SurveyRound.objects.filter(survey__in=surveys, state=RoundState.CLOSED).values_list("survey_id", flat=True)
    )
    return [survey for survey in surveys if survey.pk in open_ids], [
        survey for survey in surveys if survey.results_published and survey.pk in closed_ids
    ]


def published_survey_get(*, slug: str) -> Survey:
    """A survey with published results; any other (unknown, unpublished) is a 404."""
    survey = published_surveys().filter(slug=slug).first()
    if survey is None:
        raise Http404
    return survey


def published_rounds(survey: Survey) -> QuerySet[SurveyRound]:
    """The rounds whose results the public sees: closed ones only. An open round's figures change with
    each response, so reading them before and after someone answers would tell that person's gender,
    age band and answers, sensitive ones included; staff follow an open round on their own pages."""
    return survey.rounds.filter(state=RoundState.CLOSED)


def published_round(survey: Survey, number: int | None) -> SurveyRound:
    """Closed round ``number`` of a survey (the latest when not given); any other is a 404."""
    rounds = published_rounds(survey).order_by("-number")
    survey_round = rounds.filter(number=number).first() if number is not None else rounds.first()
    if survey_round is None:
        raise Http404
    return survey_round
