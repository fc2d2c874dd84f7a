"""Every write to surveys (CONVENTIONS: keyword-only, typed, one transaction, audited)."""

from __future__ import annotations

import datetime
from pathlib import PurePath
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.core.counting import counts_add
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.models import Area
from ovoz.places.selectors import area_get_by_reference
from ovoz.surveys import statistics
from ovoz.surveys.choices import ANSWERED_TYPES, Mark, QuestionType, ResponseChannel
from ovoz.surveys.errors import FormProblem, FormRefused, SurveyError
from ovoz.surveys.form_checks import form_check
from ovoz.surveys.models import (
    MAX_FORM_BYTES,
    NO_AREA,
    Answer,
    Response,
    ResultCount,
    RoundState,
    Survey,
    SurveyDraft,
    SurveyRound,
)


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
    are dropped (issue 16: respondents are anonymous once a round is over), and so are the drafts of
    half-answered forms."""
    survey_round = SurveyRound.objects.select_for_update().get(pk=survey_round.pk)
    if survey_round.state != RoundState.OPEN:
        raise SurveyError(_("This round is not open."), code="round_not_open")
    survey_round.state = RoundState.CLOSED
    survey_round.closes_at = timezone.now()
    survey_round.save(update_fields=["state", "closes_at", "updated_at"])
    Response.objects.filter(round=survey_round, respondent_hash__isnull=False).update(respondent_hash=None)
    SurveyDraft.objects.filter(round=survey_round).delete()  # half-answered forms go with the round
    audit_record(
        action=AuditAction.SURVEY_ROUND_CLOSED,
        actor=actor,
        target=survey_round,
        data={"survey": survey_round.survey_id, "number": survey_round.number},
    )
    return survey_round


def _respondent_profile(
    survey: Survey, survey_round: SurveyRound, answers: dict[str, Any]
) -> tuple[str, str, Area | None]:
    """Gender, age band and area from the marked questions (age bands from an age in years, or the
    chosen band's name when the form asks for a band)."""
    gender = str(answers.get(survey.question_named(Mark.GENDER) or "") or "")[:16]
    age = answers.get(survey.question_named(Mark.AGE) or "")
    age_band_name = ""
    if age not in (None, ""):
        try:
            age_band_name = statistics.age_band(int(str(age)))
        except ValueError:
            age_band_name = str(age)[:16]
    area = survey_round.area or survey.area
    answered_area = answers.get(survey.question_named(Mark.AREA) or "")
    if answered_area:
        area = area_get_by_reference(str(answered_area)) or area
    return gender, age_band_name, area


def _result_keys(survey: Survey, answers: dict[str, Any]) -> list[tuple[str, str]]:
    """(question, value) rows a completed response counts under: ("", "") once for the response,
    (question, "") for each question answered, and (question, choice) for each choice chosen."""
    keys = [("", "")]
    for question in survey.questions:
        name = question["name"]
        value = answers.get(name)
        if question["type"] not in ANSWERED_TYPES or value in (None, "", []):
            continue
        keys.append((name, ""))
        if question["type"] == QuestionType.SELECT_MULTIPLE and isinstance(value, list):
            keys += [(name, str(choice)[:200]) for choice in value]
        elif question["type"] in (QuestionType.SELECT_ONE, QuestionType.INTEGER, QuestionType.CALCULATE):
            keys.append((name, str(value)[:200]))
    return keys


def _result_counts_add(
    *, survey_round: SurveyRound, keys: list[tuple[str, str]], gender: str, age_band: str, area_key: int
) -> None:
    """One upsert for all of a response's counts (a 40-question form: about 60 rows), not a statement
    or two per row."""
    counts_add(
        ResultCount,
        ["round_id", "question", "value", "gender", "age_band", "area_key"],
        [((survey_round.pk, question, value, gender, age_band, area_key), 1) for question, value in keys],
    )


@transaction.atomic
def response_submit(
    *,
    survey_round: SurveyRound,
    channel: ResponseChannel,
    submission_key: str,
    answers: dict[str, Any],
    language: str = "",
    started_at: datetime.datetime | None = None,
    respondent_hash: str | None = None,
) -> Response:
    """Store a completed response and count it in the round's results, in one transaction.

    Idempotent: the same ``submission_key`` in the same round returns the response it made the first
    time and counts nothing again (a double click, a redelivered message, an enumerator's second sync).
    ``answers`` are the kept answers (``answering.final_answers``); no contact detail is ever stored.
    """
    existing = Response.objects.filter(round=survey_round, submission_key=submission_key).first()
    if existing is not None:
        return existing
    # The round's row is locked until this response is stored and counted: a close
    # (``survey_round_close`` locks it too) waits for the submits under way, and a submit that comes
    # after the close sees it closed. No response lands in a closed round.
    locked = SurveyRound.objects.select_for_update().filter(pk=survey_round.pk).only("state").first()
    if locked is None or locked.state != RoundState.OPEN:
        raise SurveyError(_("This survey is not open for answers at the moment."), code="round_not_open")
    survey = survey_round.survey
    gender, age_band_name, area = _respondent_profile(survey, survey_round, answers)
    now = timezone.now()
    try:
        with transaction.atomic():
            response = Response.objects.create(
                round=survey_round,
                channel=channel,
                submission_key=submission_key[:64],
                respondent_hash=respondent_hash if survey_round.one_answer_per_respondent else None,
                language=language[:8],
                started_at=started_at or now,
                completed_at=now,
                gender=gender,
                age_band=age_band_name,
                area=area,
            )
    except IntegrityError:
        again = Response.objects.filter(round=survey_round, submission_key=submission_key[:64]).first()
        if again is not None:
            return again
        raise SurveyError(_("You have already answered this survey."), code="already_answered") from None
    Answer.objects.bulk_create(
        [
            Answer(response=response, question=name, value=value)
            for name, value in answers.items()
            if value not in (None, "", [])
        ]
    )
    _result_counts_add(
        survey_round=survey_round,
        keys=_result_keys(survey, answers),
        gender=gender,
        age_band=age_band_name,
        area_key=area.pk if area is not None else NO_AREA,
    )
    return response
