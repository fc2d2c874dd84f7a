"""Reads of a group's action plan (staff and public) and of the members' reminders, scoped to who asks
like every read in ``ovoz.groups.selectors``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.concerns.choices import Status
from ovoz.concerns.models import Concern
from ovoz.core.scoping import scoped_get
from ovoz.groups.choices import ActionStatus, MeetingStatus, RoundStatus
from ovoz.groups.models import (
    Action,
    ActionPhoto,
    ActionUpdate,
    Meeting,
    PrioritisationRound,
    WorkingGroup,
)
from ovoz.groups.selectors import group_concern_list, member_name, public_topics

# --- Action plans ------------------------------------------------------------------------------


def action_list(*, group: WorkingGroup) -> QuerySet[Action]:
    """Every action of the group (staff), by due date."""
    return (
        group.actions.select_related("owner", "responsible")
        .prefetch_related("concerns__themes")
        .order_by("due_on", "id")
    )


def action_get(*, group: WorkingGroup, action_id: int) -> Action:
    """One action of this group; an action of another group is a 404 (audited)."""
    return scoped_get(action_list(group=group), pk=action_id)


def public_action_list(*, group: WorkingGroup) -> QuerySet[Action]:
    """The public plan: the group's public actions."""
    return action_list(group=group).filter(is_public=True)


def actionable_concern_list(*, group: WorkingGroup) -> QuerySet[Concern]:
    """Concerns an action can be for: the group's prioritised (or already in action) concerns."""
    return group_concern_list(group=group).filter(status__in=[Status.PRIORITISED, Status.IN_ACTION])


def concerns_ready_to_resolve(*, group: WorkingGroup) -> list[Concern]:
    """Concerns in action whose actions (dropped ones aside) are all done: proposed for ``resolved``."""
    concerns = (
        Concern.objects.filter(actions__working_group=group, status=Status.IN_ACTION)
        .distinct()
        .prefetch_related("actions", "themes")
    )
    ready = []
    for concern in concerns:
        statuses = [action.status for action in concern.actions.all() if action.status != ActionStatus.DROPPED]
        if statuses and all(status == ActionStatus.DONE for status in statuses):
            ready.append(concern)
    return ready


@dataclass(frozen=True)
class PublicAction:
    action: Action
    topics: list[str]
    is_overdue: bool
    updates: list[ActionUpdate]
    responsible_name: str


def public_plan(*, group: WorkingGroup, today: date | None = None) -> list[PublicAction]:
    """The public plan with progress, overdue actions marked, public updates and linked topics."""
    today = today or timezone.localdate()
    actions = public_action_list(group=group).prefetch_related("updates__photos")
    named = {
        grant.user_id: member_name(grant.user)
        for grant in Grant.objects.filter(working_group=group, is_named_publicly=True).select_related("user")
    }
    return [
        PublicAction(
            action,
            public_topics(action.concerns.all()),
            action.is_overdue(today),
            list(action.updates.all()),
            # The responsible member by name only if they chose to be named.
            named.get(action.responsible_id or 0, ""),
        )
        for action in actions
    ]


@dataclass(frozen=True)
class InstitutionRecord:
    """How an institution keeps its promises: of its actions that are done or past due (dropped
    ones aside), how many were done by their due date."""

    name: str
    done_on_time: int
    due: int
    open: int

    @property
    def share(self) -> int | None:
        return round(100 * self.done_on_time / self.due) if self.due else None


def institution_records(*, group: WorkingGroup, today: date | None = None) -> list[InstitutionRecord]:
    today = today or timezone.localdate()
    records: dict[str, list[int]] = {}
    for action in public_action_list(group=group):
        if action.status == ActionStatus.DROPPED:
            continue
        row = records.setdefault(action.owner.name, [0, 0, 0])
        if action.is_done_on_time():
            row[0] += 1
        if action.status == ActionStatus.DONE or action.due_on < today:
            row[1] += 1
        if action.is_open:
            row[2] += 1
    return [InstitutionRecord(name, *row) for name, row in sorted(records.items())]


def public_update_list(*, group: WorkingGroup) -> QuerySet[ActionUpdate]:
    """Updates of the group's public actions, newest first (for the feed)."""
    return (
        ActionUpdate.objects.filter(action__working_group=group, action__is_public=True)
        .select_related("action", "action__owner")
        .prefetch_related("photos")
        .order_by("-day", "-id")
    )


def public_photo_get(*, group: WorkingGroup, photo_id: int) -> ActionPhoto:
    """A photo, only if it belongs to an update of one of this group's public actions."""
    photo = ActionPhoto.objects.filter(
        pk=photo_id, update__action__working_group=group, update__action__is_public=True
    ).first()
    if photo is None:
        raise Http404
    return photo


def staff_photo_get(*, action: Action, photo_id: int) -> ActionPhoto:
    """A photo of one of this action's updates; another action's photo is a 404 (audited)."""
    return scoped_get(ActionPhoto.objects.filter(update__action=action), pk=photo_id)


# --- Reminders ---------------------------------------------------------------------------------

REMINDER_DAYS = 7


@dataclass(frozen=True)
class Digest:
    """What one member is reminded of on one day."""

    meetings: list[Meeting]
    rounds: list[PrioritisationRound]
    actions: list[tuple[Action, bool]]  # (action, is overdue)

    @property
    def item_count(self) -> int:
        return len(self.meetings) + len(self.rounds) + len(self.actions)


def digest_for(*, user: User, day: date) -> Digest:
    """Meetings in the next 7 days, rounds the member can still score, and actions due within 7 days
    or overdue: the ones they are responsible for, and all of them in groups they facilitate."""
    grants = list(user.grants.filter(working_group__is_active=True).select_related("working_group"))
    group_ids = [grant.working_group_id for grant in grants]
    scoring_group_ids = [grant.working_group_id for grant in grants if grant.role != GrantRole.OBSERVER]
    facilitated = [grant.working_group_id for grant in grants if grant.role == GrantRole.FACILITATOR]
    start = timezone.make_aware(datetime.combine(day, time.min))
    meetings = list(
        Meeting.objects.filter(
            working_group_id__in=group_ids,
            status=MeetingStatus.SCHEDULED,
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=REMINDER_DAYS),
        )
        .select_related("working_group")
        .order_by("starts_at")
    )
    rounds = list(
        PrioritisationRound.objects.filter(
            meeting__working_group_id__in=scoring_group_ids, status=RoundStatus.OPEN
        ).select_related("meeting__working_group")
    )
    actions = (
        Action.objects.filter(
            Q(responsible=user, working_group_id__in=group_ids) | Q(working_group_id__in=facilitated),
            status__in=[ActionStatus.PLANNED, ActionStatus.IN_PROGRESS],
            due_on__lt=day + timedelta(days=REMINDER_DAYS + 1),
        )
        .select_related("working_group", "owner")
        .order_by("due_on", "id")
    )
    return Digest(meetings, rounds, [(action, action.due_on < day) for action in actions])


def digest_recipients() -> QuerySet[User]:
    """Active members of active groups who have an e-mail address or a linked Telegram chat."""
    return (
        User.objects.filter(is_active=True, grants__working_group__is_active=True)
        .filter(~Q(email="") | Q(telegram_link__isnull=False))
        .distinct()
        .order_by("pk")
    )
