"""Every write to surveys (CONVENTIONS: keyword-only, typed, one transaction, audited)."""

from __future__ import annotations

from pathlib import PurePath
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.models import Area
from ovoz.surveys.errors import FormProblem, FormRefused, SurveyError
from ovoz.surveys.form_checks import form_check
from ovoz.surveys.models import MAX_FORM_BYTES, Response, RoundState, Survey, SurveyRound


def _file_bytes(file: bytes | IO[bytes]) -> bytes:
    data = file if isinstance(file, bytes) else file.read(MAX_FORM_BYTES + 1)
    if len(data) > MAX_FORM_BYTES:
        problem = FormProblem(
            sheet="",
            row=None,
            column=None,
            code="workbook_too_large",
            message=_("The workbook is larger than %(megabytes)d MB.") % {"megabytes": MAX_FORM_BYTES // (1024 * 1024)},
        )
        raise FormRefused([problem])
    return data


def _unique_slug(base: str) -> str:
    base = (slugify(base) or "survey")[:70].strip("-") or "survey"
    slug, number = base, 1
    while Survey.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def survey_import(
    *,
    file: bytes | IO[bytes],
    file_name: str = "",
    area: Area | None = None,
    publish: bool = False,
    user: User | None = None,
) -> Survey:
    """Store an XLSForm Ovoz can run fully, with its workbook and the definition made from it.

    A form with any problem is refused with every problem listed (``FormRefused``); nothing is stored.
    """
    data = _file_bytes(file)
    stem = PurePath(file_name).stem if file_name else ""
    definition = form_check(data, fallback_title=stem)
    titles = definition.pop("titles")
    form_id = definition.pop("form_id")
    version = definition.pop("version")
    survey = Survey.objects.create(
        slug=_unique_slug(form_id or stem or titles.get(definition["default_language"], "")),
        titles=titles,
        default_language=definition["default_language"],
        form_id=form_id[:120],
        version=version[:120],
        source_name=PurePath(file_name).name[:200] if file_name else "",
        source_xlsx=data,
        definition=definition,
        area=area,
        is_published=publish,
        created_by=user,
    )
    audit_record(
        action=AuditAction.SURVEY_IMPORTED,
        actor=user,
        target=survey,
        data={"questions": survey.question_count, "published": publish},
    )
    return survey


@transaction.atomic
def survey_round_open(
    *,
    survey: Survey,
    actor: User | None,
    area: Area | None = None,
    one_answer_per_respondent: bool = False,
) -> SurveyRound:
    """Open a new round of ``survey`` (numbered after the last); a survey has one open round at a time."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.rounds.filter(state=RoundState.OPEN).exists():
        raise SurveyError(_("This survey already has an open round: close it first."), code="round_already_open")
    last = survey.rounds.order_by("-number").values_list("number", flat=True).first() or 0
    survey_round = SurveyRound.objects.create(
        survey=survey,
        number=last + 1,
        state=RoundState.OPEN,
        opens_at=timezone.now(),
        area=area,
        one_answer_per_respondent=one_answer_per_respondent,
    )
    audit_record(
        action=AuditAction.SURVEY_ROUND_OPENED,
        actor=actor,
        target=survey_round,
        data={"survey": survey.pk, "number": survey_round.number},
    )
    return survey_round


@transaction.atomic
def survey_round_close(*, survey_round: SurveyRound, actor: User | None) -> SurveyRound:
    """Close a round: no more answers, and the respondent hashes kept for "one answer per respondent"
    are dropped (issue 16: respondents are anonymous once a round is over)."""
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    if survey_round.state != RoundState.OPEN:
        raise SurveyError(_("This round is not open."), code="round_not_open")
    survey_round.state = RoundState.CLOSED
    survey_round.closes_at = timezone.now()
    survey_round.save(update_fields=["state", "closes_at", "updated_at"])
    Response.objects.filter(round=survey_round, respondent_hash__isnull=False).update(respondent_hash=None)
    audit_record(
        action=AuditAction.SURVEY_ROUND_CLOSED,
        actor=actor,
        target=survey_round,
        data={"survey": survey_round.survey_id, "number": survey_round.number},
    )
    return survey_round
