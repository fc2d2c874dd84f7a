"""Surveys and working groups: a group opens a round of a published survey for its area, and puts a
round's result on a meeting's agenda next to its concerns.

``groups`` sits below ``surveys`` and may not import it: the meeting page shows survey results through
``ovoz.groups.agenda_parts``, which this module fills at start-up (``SurveysConfig.ready``). Who may do
what follows the group's own rule: its facilitators, and the deployment-wide administrators and
coordinators (``groups.permissions.can_manage_group``), signed in with the second factor.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ovoz.accounts.models import User
from ovoz.accounts.permissions import is_verified_staff
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.groups import agenda_parts
from ovoz.groups.models import Meeting, WorkingGroup
from ovoz.groups.permissions import can_manage_group
from ovoz.insights.selectors import SUPPRESS_BELOW
from ovoz.surveys import statistics
from ovoz.surveys.answering import text_in
from ovoz.surveys.choices import QuestionType
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import MeetingResult, ResultCount, Survey, SurveyRound
from ovoz.surveys.services import survey_round_open

KIND = "survey_result"
_SELECT_TYPES = (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)


def can_use_surveys_for(user: Any, group: WorkingGroup) -> bool:
    """Open rounds for the group's area and put results on its agenda: whoever manages the group."""
    return is_verified_staff(user) and isinstance(user, User) and can_manage_group(user, group)


def _refuse_unless_allowed(user: User, group: WorkingGroup) -> None:
    if not can_use_surveys_for(user, group):
        raise SurveyError(_("Only this group's facilitators can do this."), code="not_group_facilitator")


def surveys_openable(group: WorkingGroup) -> QuerySet[Survey]:
    """Published surveys a group can open a round of: its own and those no other group owns."""
    return Survey.objects.filter(is_published=True).filter(Q(group__isnull=True) | Q(group=group))


def group_rounds(group: WorkingGroup) -> QuerySet[SurveyRound]:
    """Rounds whose results concern the group: opened by it, or asked in its area."""
    area_rounds = Q(area=group.area) | Q(area__isnull=True, survey__area=group.area)
    return (
        SurveyRound.objects.filter(Q(group=group) | area_rounds).select_related("survey").order_by("-opens_at", "-pk")
    )


@transaction.atomic
def survey_round_open_for_group(*, actor: User, survey: Survey, group: WorkingGroup) -> SurveyRound:
    """Open a round of a published survey for the group's area, in the group's name."""
    _refuse_unless_allowed(actor, group)
    if not surveys_openable(group).filter(pk=survey.pk).exists():
        raise SurveyError(_("This survey cannot be opened by this group."), code="survey_not_openable")
    survey_round = survey_round_open(survey=survey, actor=actor, area=group.area)
    survey_round.group = group
    survey_round.save(update_fields=["group", "updated_at"])
    return survey_round


def _question(survey: Survey, name: str) -> dict[str, Any] | None:
    return next((q for q in survey.questions if q["name"] == name and q["type"] in _SELECT_TYPES), None)


@transaction.atomic
def meeting_result_add(
    *, actor: User, meeting: Meeting, survey_round: SurveyRound, question: str, value: str
) -> MeetingResult:
    """Put the share who chose ``value`` for ``question`` in ``survey_round`` on ``meeting``'s agenda."""
    group = meeting.working_group
    _refuse_unless_allowed(actor, group)
    if not group_rounds(group).filter(pk=survey_round.pk).exists():
        raise SurveyError(_("This round was not asked in this group's area."), code="round_not_of_group")
    found = _question(survey_round.survey, question)
    if found is None or value not in {choice["name"] for choice in found.get("choices", [])}:
        raise SurveyError(_("Choose an answer of a choice question."), code="result_unknown")
    try:
        with transaction.atomic():
            item = MeetingResult.objects.create(
                meeting=meeting, round=survey_round, question=question, value=value, added_by=actor
            )
    except IntegrityError:
        raise SurveyError(_("This result is already on the agenda."), code="result_on_agenda") from None
    audit_record(
        action=AuditAction.SURVEY_RESULT_ON_AGENDA,
        actor=actor,
        target=meeting,
        data={"round": survey_round.pk, "question": question, "value": value},
    )
    return item


def meeting_result_remove(user: User, meeting: Meeting, key: str) -> bool:
    """Take a survey result off the agenda (the ``agenda_parts`` remover; ``key`` is its id)."""
    if not can_use_surveys_for(user, meeting.working_group) or not key.isdigit():
        return False
    return MeetingResult.objects.filter(meeting=meeting, pk=int(key)).delete()[0] > 0


def result_share(survey_round: SurveyRound, question: dict[str, Any], value: str) -> tuple[statistics.Share, bool]:
    """The share of the question's respondents in the round who chose ``value``, from the counts, and
    whether it may be shown: not where the results table hides it (a small answer, or a large one
    beside a small one, which would give the small one away)."""
    rows = ResultCount.objects.filter(round=survey_round, question=question.get("name", ""))
    totals = {row["value"]: int(row["total"]) for row in rows.values("value").annotate(total=Sum("count"))}
    choice_counts = {choice["name"]: totals.get(choice["name"], 0) for choice in question.get("choices", [])}
    share = statistics.share_of(totals.get(value, 0), totals.get("", 0))
    return share, statistics.shown_share(choice_counts, share.total, value) is not None


def result_lines(item: MeetingResult, language: str) -> tuple[str, list[str]]:
    """The heading (survey, question, answer) and lines (share with its interval, round) of an item."""
    survey = item.round.survey
    question = _question(survey, item.question) or {"labels": {}, "choices": []}
    choice: dict[str, Any] = next((c for c in question.get("choices", []) if c["name"] == item.value), {"labels": {}})
    question_label = text_in(question.get("labels", {}), language, survey.default_language) or item.question
    choice_label = text_in(choice.get("labels", {}), language, survey.default_language) or item.value
    heading = _("Survey “%(survey)s”: %(question)s — %(answer)s") % {
        "survey": survey.title(language),
        "question": question_label,
        "answer": choice_label,
    }
    share, is_shown = result_share(item.round, question, item.value)
    if share.suppressed:
        figure = _("Too few answers to show (fewer than %(minimum)d).") % {"minimum": SUPPRESS_BELOW}
    elif not is_shown:
        figure = _(
            "Not shown: another answer to this question was given by fewer than %(minimum)d people, "
            "and this figure would give it away."
        ) % {"minimum": SUPPRESS_BELOW}
    else:
        figure = _("%(percent).0f%% (95%% interval %(low).0f–%(high).0f%%), %(count)d of %(total)d who answered") % {
            "percent": 100 * share.share,
            "low": 100 * share.low,
            "high": 100 * share.high,
            "count": share.count,
            "total": share.total,
        }
    opened = item.round.opens_at.date().isoformat() if item.round.opens_at else ""
    area = str(item.round.area or survey.area or "")
    where = f", {area}" if area else ""
    round_line = _("Round %(number)d%(where)s, opened %(date)s") % {
        "number": item.round.number,
        "where": where,
        "date": opened or "—",
    }
    return heading, [figure, round_line]


def _parts(meeting: Meeting) -> list[agenda_parts.AgendaPart]:
    language = get_language() or "en"
    items = MeetingResult.objects.filter(meeting=meeting).select_related("round__survey", "round__area")
    parts = []
    for item in items:
        heading, lines = result_lines(item, language)
        parts.append(agenda_parts.AgendaPart(kind=KIND, key=str(item.pk), heading=heading, lines=lines))
    return parts


def _add_url(meeting: Meeting) -> str:
    url = reverse("staff:survey_group", kwargs={"slug": meeting.working_group.slug})
    return f"{url}?meeting={meeting.pk}"


def register() -> None:
    """Called once from ``SurveysConfig.ready``."""
    agenda_parts.agenda_source_add(
        agenda_parts.AgendaSource(
            kind=KIND,
            parts=_parts,
            remove=meeting_result_remove,
            add_url=_add_url,
            add_label=gettext_lazy("Add a survey result to the agenda"),
        )
    )
