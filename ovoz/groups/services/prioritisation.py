"""Prioritisation: criteria and their weights, rounds, scores and the group's decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.concerns.choices import Status
from ovoz.concerns.models import Concern
from ovoz.concerns.services import concern_change_status
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.groups.choices import (
    DEFAULT_CRITERIA,
    MAX_SCORE,
    MAX_WEIGHT,
    MIN_SCORE,
    MeetingStatus,
    RoundStatus,
)
from ovoz.groups.errors import GroupError
from ovoz.groups.models import (
    MAX_DECISIONS_LENGTH,
    Criterion,
    Meeting,
    PrioritisationRound,
    Score,
    WorkingGroup,
)
from ovoz.groups.services.meetings import _check_meeting_has_come


def criteria_ensure(*, group: WorkingGroup) -> list[Criterion]:
    """Give a group the default criteria (weight 1) if it has none yet; returns its criteria."""
    if not group.criteria.exists():
        Criterion.objects.bulk_create(
            [Criterion(working_group=group, slug=slug, position=index) for index, slug in enumerate(DEFAULT_CRITERIA)],
            ignore_conflicts=True,  # a parallel request created them first
        )
    return list(group.criteria.all())


@transaction.atomic
def criteria_set_weights(*, actor: User, group: WorkingGroup, weights: Mapping[str, int]) -> list[Criterion]:
    """Change the weights of the group's criteria (0 to 10; 0 leaves a criterion out of the ranking)."""
    criteria = criteria_ensure(group=group)
    if any(not 0 <= weight <= MAX_WEIGHT for weight in weights.values()):
        raise GroupError(
            _("A weight is a whole number from 0 to %(maximum)s.") % {"maximum": MAX_WEIGHT}, code="invalid_weight"
        )
    if weights and not any(weights.get(criterion.slug, criterion.weight) for criterion in criteria):
        raise GroupError(_("At least one criterion needs a weight above 0."), code="all_weights_zero")
    for criterion in criteria:
        if criterion.slug in weights and weights[criterion.slug] != criterion.weight:
            criterion.weight = weights[criterion.slug]
            criterion.save(update_fields=["weight"])
    audit_record(
        action=AuditAction.CRITERIA_CHANGED,
        actor=actor,
        target=group,
        data={criterion.slug: criterion.weight for criterion in criteria},
    )
    return criteria


@transaction.atomic
def round_open(*, actor: User, meeting: Meeting) -> PrioritisationRound:
    """Open scoring on the meeting's agenda, from the meeting's date on; one round per meeting."""
    _check_meeting_has_come(meeting)
    if not meeting.agenda_items.exists():
        raise GroupError(_("Put concerns on the agenda before opening a round."), code="empty_agenda")
    if meeting.status == MeetingStatus.CANCELLED:
        raise GroupError(_("This meeting was cancelled."), code="meeting_cancelled")
    criteria_ensure(group=meeting.working_group)
    try:
        with transaction.atomic():
            round_ = PrioritisationRound.objects.create(meeting=meeting)
    except IntegrityError:
        raise GroupError(_("This meeting already has a prioritisation round."), code="round_exists") from None
    audit_record(action=AuditAction.ROUND_OPENED, actor=actor, target=round_)
    return round_


@transaction.atomic
def scores_submit(*, user: User, round: PrioritisationRound, scores: Mapping[tuple[int, int], int | None]) -> int:
    """Store a member's scores by (concern id, criterion id); a None clears one.

    Scoring again replaces the member's own earlier scores, so a repeated form changes nothing more.
    Returns how many scores the member now has in the round.
    """
    round = PrioritisationRound.objects.select_for_update().select_related("meeting__working_group").get(pk=round.pk)
    group = round.meeting.working_group
    if round.status != RoundStatus.OPEN:
        raise GroupError(_("This round is closed: scores cannot change any more."), code="round_closed")
    _check_meeting_has_come(round.meeting)
    role = user.grants.filter(working_group=group).values_list("role", flat=True).first()
    if role is None or role == GrantRole.OBSERVER:
        raise GroupError(_("Only members of the group who are not observers score."), code="not_a_scorer")
    concern_ids = set(round.meeting.agenda_items.values_list("concern_id", flat=True))
    criterion_ids = set(group.criteria.values_list("pk", flat=True))
    for (concern_id, criterion_id), value in scores.items():
        if concern_id not in concern_ids or criterion_id not in criterion_ids:
            raise GroupError(_("Score only the concerns on the agenda."), code="not_on_agenda")
        if value is not None and not MIN_SCORE <= value <= MAX_SCORE:
            raise GroupError(
                _("A score is from %(low)s to %(high)s.") % {"low": MIN_SCORE, "high": MAX_SCORE}, code="invalid_score"
            )
    existing = {(score.concern_id, score.criterion_id): score for score in Score.objects.filter(round=round, user=user)}
    cleared = [existing[key].pk for key, value in scores.items() if value is None and key in existing]
    changed, added = [], []
    for (concern_id, criterion_id), value in scores.items():
        if value is None:
            continue
        score = existing.get((concern_id, criterion_id))
        if score is None:
            added.append(Score(round=round, user=user, concern_id=concern_id, criterion_id=criterion_id, value=value))
        elif score.value != value:
            score.value = value
            changed.append(score)
    if cleared:
        Score.objects.filter(pk__in=cleared).delete()
    Score.objects.bulk_update(changed, ["value"])
    Score.objects.bulk_create(added)
    return len(existing) - len(cleared) + len(added)


@transaction.atomic
def round_close(*, actor: User, round: PrioritisationRound) -> PrioritisationRound:
    """Close scoring and show the ranking, computed with the weights as they are now."""
    round = PrioritisationRound.objects.select_for_update().select_related("meeting").get(pk=round.pk)
    if round.status != RoundStatus.OPEN:
        raise GroupError(_("This round is already closed."), code="round_closed")
    _check_meeting_has_come(round.meeting)
    group = round.meeting.working_group
    round.weights = {str(criterion.pk): criterion.weight for criterion in group.criteria.all()}
    round.status = RoundStatus.CLOSED
    round.closed_at = timezone.now()
    round.save(update_fields=["weights", "status", "closed_at", "updated_at"])
    audit_record(action=AuditAction.ROUND_CLOSED, actor=actor, target=round)
    return round


@transaction.atomic
def round_decide(
    *, actor: User, round: PrioritisationRound, concerns: Sequence[Concern], note: str = ""
) -> PrioritisationRound:
    """Record the group's decision: the chosen concerns become ``prioritised`` and their reporters are
    told, through the concerns' own status service."""
    round = PrioritisationRound.objects.select_for_update().select_related("meeting").get(pk=round.pk)
    if round.status != RoundStatus.CLOSED:
        raise GroupError(_("Close the round before recording the decision."), code="round_not_closed")
    _check_meeting_has_come(round.meeting)
    on_agenda = set(round.meeting.agenda_items.values_list("concern_id", flat=True))
    if not concerns or any(concern.pk not in on_agenda for concern in concerns):
        raise GroupError(_("Choose concerns from this round's agenda."), code="not_on_agenda")
    if len(note) > MAX_DECISIONS_LENGTH:
        raise GroupError(_("The text is too long."), code="too_long")
    # Concerns already further on (prioritised earlier, in action) keep their status.
    for concern in Concern.objects.filter(pk__in=[concern.pk for concern in concerns], status=Status.ACCEPTED):
        concern_change_status(actor=actor, concern=concern, status=Status.PRIORITISED)
    round.chosen.set(concerns)
    round.status = RoundStatus.DECIDED
    round.decided_at = timezone.now()
    round.decision_note = note.strip()
    round.save(update_fields=["status", "decided_at", "decision_note", "updated_at"])
    audit_record(
        action=AuditAction.ROUND_DECIDED,
        actor=actor,
        target=round,
        data={"concerns": sorted(concern.pk for concern in concerns)},
    )
    return round
