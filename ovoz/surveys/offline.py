"""Collecting answers offline: the form as JSON for the enumerator's phone, and the sync of the interviews
it kept while it had no signal (docs/surveys.md "Enumerators", docs/adr/0013-offline-collection.md).

The phone runs the same relevant / required / constraint rules as the server (``static/ovoz/xlsform.js``
over the trees ``expressions.tree_json`` makes), but only to guide the enumerator: every interview that
comes back is read again here, page by page, with ``answering.page_read``, exactly as the online form
reads a POST. Nothing the browser says about an answer is trusted.

Idempotency: each interview carries a UUID made on the phone. Its submission key is a keyed hash of the
user and that UUID, so a batch sent twice (a lost reply, a second tap) stores each interview once, and
another user's UUID can never collide with or probe this one's.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ovoz.accounts.models import User
from ovoz.core.crypto import keyed_hash
from ovoz.surveys import answering, collection, services
from ovoz.surveys.choices import ResponseChannel
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.expressions import ExpressionError, parse, tree_json
from ovoz.surveys.models import Enumerator, Response, Survey, SurveyRound
from ovoz.surveys.permissions import can_manage_surveys

MAX_BATCH = 50  # interviews in one sync request
MAX_ANSWERS = 500  # answers in one interview
_EXPRESSIONS = ("relevant", "constraint", "calculation", "required_source")
_QUESTION_KEYS = ("name", "type", "labels", "hints", "choices", "required", "required_messages", "constraint_messages")


def _tree(source: str) -> dict[str, object] | None:
    """The expression's tree; ``{"bad": 1}`` (evaluates to nothing, as on the server) if it does not parse."""
    if not source:
        return None
    try:
        return tree_json(parse(source).tree)
    except ExpressionError:
        return {"bad": 1}


def form_definition(survey: Survey) -> dict[str, Any]:
    """The form as the offline page runs it: questions with their expressions as trees, and the pages
    (``answering.pages``) as lists of question positions. No answer and nothing about the user."""
    questions: list[dict[str, Any]] = []
    for question in survey.questions:
        entry = {key: question[key] for key in _QUESTION_KEYS if key in question}
        entry["trees"] = {key: _tree(question.get(key, "")) for key in _EXPRESSIONS if question.get(key)}
        questions.append(entry)
    position = {id(question): number for number, question in enumerate(survey.questions)}
    pages = [
        {
            "group": position[id(page.group)] if page.group is not None else None,
            "questions": [position[id(question)] for question in page.questions],
        }
        for page in answering.pages(survey)
    ]
    return {
        "languages": survey.languages,
        "default_language": survey.default_language,
        "titles": {language: survey.title(language) for language in survey.languages},
        "questions": questions,
        "pages": pages,
    }


def submission_key(*, user: User, interview_id: str) -> str:
    """The interview's submission key: 64 hex characters, the width of ``Response.submission_key``."""
    return keyed_hash(f"{user.pk}:{interview_id}", purpose="survey-offline-interview")


def device_key(*, user: User) -> str:
    """The user's key for the interviews kept on a phone (AES-256-GCM, hex). Derived from the data key,
    so it is the same at every sign-in (interviews kept yesterday can still be read) and never stored."""
    return keyed_hash(str(user.pk), purpose="survey-offline-device-key")


def device_key_id(*, user: User) -> str:
    """A name for the key that tells one user's kept interviews from another's on a shared phone."""
    return keyed_hash(str(user.pk), purpose="survey-offline-device-key-id")[:16]


def answers_read(survey: Survey, submitted: dict[str, Any], language: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a whole interview as the online form would, page by page in the order the respondent saw
    them: the kept answers (``answering.final_answers``) and no errors, or the first page's errors."""
    stored: dict[str, Any] = {}
    index = 0
    for _step in range(len(answering.pages(survey)) + 1):
        shown = answering.shown_pages(survey, stored)
        if index >= len(shown):
            break
        page = shown[index]
        stored, errors = answering.page_read(survey, page, submitted, stored, language)
        if errors:
            return stored, errors
        shown = answering.shown_pages(survey, stored)
        position = next(
            (
                number
                for number, candidate in enumerate(shown)
                if candidate.group == page.group and candidate.questions == page.questions
            ),
            index,
        )
        index = position + 1
    return answering.final_answers(survey, stored), {}


@dataclass(frozen=True)
class SyncResult:
    """What became of one interview: ``stored``, ``duplicate`` (stored before) or ``refused``, with the
    reason (``message``) and, for answers to correct, the messages by question name."""

    id: str
    status: str
    message: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "message": self.message, "errors": self.errors}


def _answers_of(raw: object) -> dict[str, str | list[str]] | None:
    """The interview's answers if they have the shape the page sends (text, or a list of texts)."""
    if not isinstance(raw, dict) or len(raw) > MAX_ANSWERS:
        return None
    answers: dict[str, str | list[str]] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            answers[str(name)] = value
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            answers[str(name)] = list(value)
        elif value is not None:
            return None
    return answers


def _started_at(raw: object) -> datetime.datetime | None:
    """When the phone says the interview started, if that is a plausible moment (not in the future)."""
    try:
        moment = datetime.datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    if timezone.is_naive(moment) or moment > timezone.now():
        return None
    return moment


def interview_sync(*, user: User, interview: object) -> SyncResult:
    """Store one interview kept offline, at most once, after reading every answer again."""
    if not isinstance(interview, dict):
        return SyncResult("", "refused", _("This interview could not be read."))
    try:
        interview_id = str(uuid.UUID(str(interview.get("id", ""))))
    except ValueError:
        return SyncResult("", "refused", _("This interview could not be read."))
    round_id = interview.get("round")
    survey_round: SurveyRound | None = (
        collection.collectable_rounds().filter(pk=round_id).first()
        if isinstance(round_id, int) and not isinstance(round_id, bool)
        else None
    )
    if survey_round is None:
        return SyncResult(interview_id, "refused", _("This survey is not open for answers at the moment."))
    key = submission_key(user=user, interview_id=interview_id)
    if Response.objects.filter(round=survey_round, submission_key=key).exists():
        return SyncResult(interview_id, "duplicate")
    answers = _answers_of(interview.get("answers"))
    if answers is None:
        return SyncResult(interview_id, "refused", _("This interview could not be read."))
    survey = survey_round.survey
    language = str(interview.get("language", ""))
    if language not in survey.languages:
        language = survey.default_language
    kept, errors = answers_read(survey, answers, language)
    if errors:
        return SyncResult(interview_id, "refused", _("Some answers need another look"), errors)
    try:
        services.response_submit(
            survey_round=survey_round,
            channel=ResponseChannel.ENUMERATOR,
            submission_key=key,
            answers=kept,
            language=language,
            started_at=_started_at(interview.get("started_at")),
        )
    except SurveyError as error:
        return SyncResult(interview_id, "refused", str(error.message))
    return SyncResult(interview_id, "stored")


def interviews_sync(*, user: User, interviews: list[object]) -> list[SyncResult]:
    """Store a batch of interviews kept offline; one result per interview, in the same order. Each is
    its own transaction (``response_submit``), so one refusal never loses the others."""
    if not (can_manage_surveys(user) or Enumerator.objects.filter(user=user).exists()):
        raise SurveyError(
            _("Only enumerators, administrators and coordinators can collect answers."), code="not_allowed"
        )
    return [interview_sync(user=user, interview=interview) for interview in interviews[:MAX_BATCH]]
