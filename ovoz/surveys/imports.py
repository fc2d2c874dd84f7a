"""Answers collected elsewhere (a KoboToolbox CSV or XLSX export, or its data API) stored in a round.

Each submission is read with the form's own types and checked with the same code as the web form
(``answering.page_read``: choices, numbers, dates, geopoints rounded like concerns, ``relevant``,
``required`` and ``constraint`` with the form's messages), then stored with ``response_submit`` on the
``import`` channel, its submission key being Kobo's ``_uuid``: importing the same export twice stores
nothing new, and an export that grew since the last import adds only the new submissions.

All or nothing: when any submission not yet in the round is invalid, every problem is listed (row,
uuid, question, reason) and nothing is stored. A survey's results are read as one set; a file half
imported would give a working group figures from an arbitrary part of its respondents, and the list
lets the organisation fix every row in one go (in KoboToolbox or in the file) and import again.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import get_language, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.surveys.answering import Page, final_answers, page_read
from ovoz.surveys.choices import QuestionType, ResponseChannel
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.kobo import KoboSubmission
from ovoz.surveys.models import ASKED_TYPES, Response, RoundState, Survey, SurveyRound
from ovoz.surveys.services import response_submit

MAX_KEY = 64


@dataclass(frozen=True)
class ImportProblem:
    """Why one submission cannot be stored: its row in the file (or place in the API's results), its
    uuid, the question (empty for the whole submission) and the reason."""

    row: int | None
    uuid: str
    question: str
    message: str | Promise
    code: str = "answer_invalid"

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "uuid": self.uuid,
            "question": self.question,
            "code": self.code,
            "message": str(self.message),
        }


class AnswersRefused(SurveyError):
    """Submissions that cannot be stored as they are: every problem, and nothing stored."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(
            ngettext_lazy(
                "Nothing was imported: %(count)d problem to fix.",
                "Nothing was imported: %(count)d problems to fix.",
                "count",
            )
            % {"count": len(problems)},
            code="answers_refused",
        )
        self.problems = problems


@dataclass(frozen=True)
class AnswersImported:
    stored: int  # new responses
    already: int  # submissions already in the round (same uuid), left as they were


def submission_key(uuid: str) -> str:
    """The response's submission key: Kobo's uuid (36 characters), or its SHA-256 when longer than a key."""
    uuid = uuid.strip()
    return uuid if len(uuid) <= MAX_KEY else hashlib.sha256(uuid.encode()).hexdigest()


def _whole_form(survey: Survey) -> Page:
    """The whole form as one page: every answer read, then relevance decided on all of them."""
    return Page(group=None, questions=[question for question in survey.questions if question["type"] in ASKED_TYPES])


def submission_answers(
    survey: Survey, submission: KoboSubmission, language: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers to keep from one submission (as ``answering.final_answers`` gives them) and the
    errors by question name. A select_multiple is Kobo's space-separated choice names; columns that
    are not questions (Kobo's metadata, calculations, which Ovoz works out itself) are ignored."""
    submitted: dict[str, Any] = {}
    for question in survey.questions:
        raw = submission.values.get(question["name"])
        if raw is None or question["type"] not in ASKED_TYPES:
            continue
        submitted[question["name"]] = raw.split() if question["type"] == QuestionType.SELECT_MULTIPLE else raw
    stored, errors = page_read(survey, _whole_form(survey), submitted, {}, language)
    return final_answers(survey, stored), errors


def _started_at(submission: KoboSubmission) -> datetime.datetime | None:
    """Kobo's ``start`` (when the enumerator opened the form), when it is a full timestamp."""
    try:
        started = datetime.datetime.fromisoformat(submission.values.get("start", "").strip())
    except ValueError:
        return None
    return started if started.tzinfo is not None else None


def _check_columns(survey: Survey, submissions: list[KoboSubmission]) -> None:
    """An export with labels for headers (Kobo's "labels" option) names no question: refuse it rather
    than store empty responses."""
    names = {question["name"] for question in survey.questions if question["type"] in ASKED_TYPES}
    if submissions and not any(names & submission.values.keys() for submission in submissions):
        raise AnswersRefused(
            [
                ImportProblem(
                    row=1,
                    uuid="",
                    question="",
                    code="columns_unknown",
                    message=_(
                        "No column is named after a question of this survey: export from KoboToolbox with "
                        "“XML values and headers”, not labels."
                    ),
                )
            ]
        )


@transaction.atomic
def survey_answers_import(
    *,
    survey_round: SurveyRound,
    submissions: list[KoboSubmission],
    actor: User | None,
    source: str = "",
    language: str = "",
) -> AnswersImported:
    """Store the submissions not yet in ``survey_round`` (an open round) as responses on the import
    channel, all or none (``AnswersRefused`` lists every invalid submission)."""
    survey_round = SurveyRound.objects.select_for_update().select_related("survey").get(pk=survey_round.pk)
    if survey_round.state != RoundState.OPEN:
        raise SurveyError(
            _("This round is not open: answers can only be imported into an open round."), code="round_not_open"
        )
    survey = survey_round.survey
    _check_columns(survey, submissions)
    language = language or get_language() or survey.default_language
    present = set(
        Response.objects.filter(
            round=survey_round, submission_key__in=[submission_key(item.uuid) for item in submissions]
        ).values_list("submission_key", flat=True)
    )
    problems: list[ImportProblem] = []
    ready: list[tuple[KoboSubmission, dict[str, Any]]] = []
    for submission in submissions:
        if submission_key(submission.uuid) in present:
            continue
        answers, errors = submission_answers(survey, submission, language)
        problems += [
            ImportProblem(row=submission.row, uuid=submission.uuid, question=name, message=message)
            for name, message in errors.items()
        ]
        ready.append((submission, answers))
    if problems:
        raise AnswersRefused(problems)
    for submission, answers in ready:
        response_submit(
            survey_round=survey_round,
            channel=ResponseChannel.IMPORT,
            submission_key=submission_key(submission.uuid),
            answers=answers,
            started_at=_started_at(submission),
        )
    result = AnswersImported(stored=len(ready), already=len(submissions) - len(ready))
    audit_record(
        action=AuditAction.SURVEY_ANSWERS_IMPORTED,
        actor=actor,
        target=survey_round,
        data={
            "survey": survey.pk,
            "number": survey_round.number,
            "stored": result.stored,
            "already": result.already,
            "source": source[:40],
        },
    )
    return result
