"""Every write to working groups: members, institutions, meetings, prioritisation and actions."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ovoz.accounts import services as account_services
from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.channels.staff_links import staff_message_queue
from ovoz.concerns.choices import Status
from ovoz.concerns.models import Concern
from ovoz.concerns.services import concern_change_status
from ovoz.core.crypto import keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.failures import SanitisedFailure
from ovoz.core.images import CleanImage
from ovoz.core.mail import mail_send
from ovoz.core.services import audit_record
from ovoz.groups import grants
from ovoz.groups.choices import (
    ACTION_TRANSITIONS,
    DEFAULT_CRITERIA,
    MAX_SCORE,
    MAX_WEIGHT,
    MIN_SCORE,
    ActionStatus,
    AgeBand,
    Gender,
    MeetingStatus,
    RoundStatus,
)
from ovoz.groups.errors import GroupError
from ovoz.groups.models import (
    MAX_DECISIONS_LENGTH,
    MAX_MINUTES_LENGTH,
    Action,
    ActionPhoto,
    ActionUpdate,
    AgendaItem,
    AttendanceCount,
    Criterion,
    Institution,
    Invitation,
    Meeting,
    PrioritisationRound,
    Score,
    SentDigest,
    WorkingGroup,
)
from ovoz.groups.selectors import (
    accepted_concern_list,
    concerns_ready_to_resolve,
    digest_for,
    digest_recipients,
    group_concern_list,
    institution_list,
)
from ovoz.places.models import Area

logger = logging.getLogger(__name__)

INVITATION_PURPOSE = "group-invitation"


def _check_institution(group: WorkingGroup, institution: Institution | None) -> None:
    """An institution must belong to the group's area, an area above it or one inside it."""
    if institution is None:
        return
    if not group.may_use_institution(institution):
        raise GroupError(
            _("This institution is not in the group's area."), code="institution_elsewhere", field="institution"
        )


# --- Groups (from the admin) ------------------------------------------------------------------


@transaction.atomic
def working_group_save(*, actor: User, group: WorkingGroup, changed_fields: Sequence[str]) -> WorkingGroup:
    """Create a working group, or save the fields an administrator changed; one audit entry naming
    the fields (not their values)."""
    created = group.pk is None
    if not created and not changed_fields:
        return group
    group.save()
    audit_record(
        action=AuditAction.WORKING_GROUP_CREATED if created else AuditAction.WORKING_GROUP_UPDATED,
        actor=actor,
        target=group,
        data={"fields": sorted(changed_fields)},
    )
    return group


@transaction.atomic
def working_group_delete(*, actor: User, group: WorkingGroup) -> None:
    """Delete a working group: each member's role is audited as removed, then the group itself."""
    for grant in group.grants.select_related("user"):
        grants.grant_remove(actor=actor, user=grant.user, working_group=group)
    audit_record(action=AuditAction.WORKING_GROUP_DELETED, actor=actor, target=group, data={"slug": group.slug})
    group.delete()


# --- Institutions ------------------------------------------------------------------------------


@transaction.atomic
def institution_create(*, actor: User, area: Area, name: str, is_active: bool = True) -> Institution:
    """Add an institution to the directory of an area."""
    name = " ".join(name.split())
    if not name:
        raise GroupError(_("Give the institution's name."), code="name_required", field="name")
    try:
        with transaction.atomic():
            institution = Institution.objects.create(area=area, name=name, is_active=is_active)
    except IntegrityError:
        raise GroupError(
            _("This area already has an institution with this name."), code="institution_exists", field="name"
        ) from None
    audit_record(action=AuditAction.INSTITUTION_CREATED, actor=actor, target=institution)
    return institution


@transaction.atomic
def institution_update(*, actor: User, institution: Institution, changed_fields: Sequence[str]) -> Institution:
    """Save the fields an administrator changed (name, area, whether it is active); one audit entry."""
    if not changed_fields:
        return institution
    institution.name = " ".join(institution.name.split())
    institution.save()
    audit_record(
        action=AuditAction.INSTITUTION_UPDATED,
        actor=actor,
        target=institution,
        data={"fields": sorted(changed_fields)},
    )
    return institution


# --- Members -----------------------------------------------------------------------------------


def _invitation_hash(token: str) -> str:
    return keyed_hash(token, purpose=INVITATION_PURPOSE)


@transaction.atomic
def member_invite(
    *,
    actor: User,
    group: WorkingGroup,
    email: str,
    role: GrantRole,
    institution: Institution | None = None,
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its link, which is stored only hashed.

    The e-mail with the link is sent after commit. The link works once, for
    ``OVOZ_INVITATION_DAYS`` days.
    """
    _check_institution(group, institution)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        working_group=group,
        email=email.strip(),
        role=role,
        institution=institution,
        token_hash=_invitation_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.OVOZ_INVITATION_DAYS),
        invited_by=actor,
    )
    audit_record(
        action=AuditAction.MEMBER_INVITED,
        actor=actor,
        target=invitation,
        data={"working_group": group.pk, "role": str(role)},
    )
    link = invitation_link(token)
    # The link is in the message only: a task's arguments are stored, so it is not sent by a task.
    transaction.on_commit(lambda: _send_invitation(invitation, link))
    return invitation, link


def invitation_link(token: str) -> str:
    return f"{settings.OVOZ_PUBLIC_URL}/staff/invitation/{token}/"


def _send_invitation(invitation: Invitation, link: str) -> None:
    with translation.override(translation.get_language() or settings.LANGUAGE_CODE):
        context = {"invitation": invitation, "group": invitation.working_group, "link": link}
        subject = " ".join(render_to_string("groups/email/invitation_subject.txt", context).split())  # one header line
        body = render_to_string("groups/email/invitation_body.txt", context)
    mail_send(subject=subject, body=body, recipient=invitation.email)  # a failure names no address


def invitation_find(token: str) -> Invitation | None:
    """The open invitation a link's token belongs to, or None (unknown, used or expired)."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related("working_group", "institution")
        .filter(token_hash=_invitation_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    is_named_publicly: bool = False,
) -> User:
    """Create the invitee's staff account and grant; the link stops working.

    The new user then signs in like all staff and enrols a second factor at that first login.
    Raises ``django.core.exceptions.ValidationError`` for a weak password.
    """
    found = invitation_find(token)
    if found is None:
        raise GroupError(_("This invitation link is not valid any more."), code="invitation_invalid")
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:  # accepted meanwhile, by a parallel request
        raise GroupError(_("This invitation link is not valid any more."), code="invitation_invalid")
    if User.objects.filter(username__iexact=username).exists():
        raise GroupError(_("This username is taken. Choose another."), code="username_taken", field="username")
    user = account_services.user_create(
        username=username, password=password, email=invitation.email, first_name=first_name, last_name=last_name
    )
    grant = grants.grant_set(
        actor=user, user=user, working_group=invitation.working_group, role=GrantRole(invitation.role)
    )
    grant.institution = invitation.institution
    grant.is_named_publicly = is_named_publicly
    grant.save(update_fields=["institution", "is_named_publicly", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(action=AuditAction.INVITATION_ACCEPTED, actor=user, target=invitation)
    return user


def _keep_a_facilitator(grant: Grant) -> None:
    """Refuse to take away a group's last facilitator: nobody could run it any more."""
    others = Grant.objects.filter(working_group=grant.working_group, role=GrantRole.FACILITATOR).exclude(pk=grant.pk)
    if grant.role == GrantRole.FACILITATOR and not others.exists():
        raise GroupError(_("A group needs at least one facilitator."), code="last_facilitator")


@transaction.atomic
def member_update(*, actor: User, grant: Grant, role: GrantRole, institution: Institution | None) -> Grant:
    """Change a member's role or the institution they speak for."""
    _check_institution(grant.working_group, institution)
    if role != GrantRole.FACILITATOR:
        _keep_a_facilitator(grant)
    return grants.grant_save(
        actor=actor, user=grant.user, working_group=grant.working_group, role=role, institution=institution
    )


@transaction.atomic
def member_remove(*, actor: User, grant: Grant) -> None:
    """Take a member out of the group. A group keeps at least one facilitator."""
    _keep_a_facilitator(grant)
    grants.grant_remove(actor=actor, user=grant.user, working_group=grant.working_group)


@transaction.atomic
def member_set_named(*, user: User, group: WorkingGroup, is_named_publicly: bool) -> Grant:
    """A member chooses whether the public pages show their name; only they decide it."""
    grant = Grant.objects.select_for_update().get(user=user, working_group=group)
    if grant.is_named_publicly != is_named_publicly:
        grant.is_named_publicly = is_named_publicly
        grant.save(update_fields=["is_named_publicly", "updated_at"])
        audit_record(
            action=AuditAction.MEMBER_UPDATED,
            actor=user,
            target=user,
            data={"working_group": group.pk, "is_named_publicly": is_named_publicly},
        )
    return grant


# --- Meetings ----------------------------------------------------------------------------------


def _clean_meeting_place(place: str, online_link: str) -> tuple[str, str]:
    place, online_link = place.strip(), online_link.strip()
    if not place and not online_link:
        raise GroupError(_("Give a place or an online link."), code="place_required", field="place")
    return place, online_link


def _check_meeting_has_come(meeting: Meeting) -> None:
    """One rule for all that happens at a meeting (held, attendance, scores, minutes, decisions):
    not before the meeting's date, in the deployment's time zone. Any time on that day is fine."""
    if not meeting.has_come:
        raise GroupError(
            _("This meeting is on %(date)s: what happens at it can be recorded from that day on.")
            % {"date": meeting.day.isoformat()},
            code="meeting_not_yet",
        )


@transaction.atomic
def meeting_schedule(
    *, actor: User, group: WorkingGroup, starts_at: datetime, place: str = "", online_link: str = ""
) -> Meeting:
    """Schedule a meeting of the group, in a place or online."""
    place, online_link = _clean_meeting_place(place, online_link)
    meeting = Meeting.objects.create(working_group=group, starts_at=starts_at, place=place, online_link=online_link)
    audit_record(action=AuditAction.MEETING_SCHEDULED, actor=actor, target=meeting)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: User,
    meeting: Meeting,
    starts_at: datetime,
    place: str,
    online_link: str,
    status: MeetingStatus,
) -> Meeting:
    """Move, relocate, mark held or cancel a meeting."""
    place, online_link = _clean_meeting_place(place, online_link)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if status == MeetingStatus.HELD and timezone.localdate(starts_at) > timezone.localdate():
        raise GroupError(_("A meeting cannot be held before its date."), code="held_in_future", field="status")
    meeting.starts_at, meeting.place, meeting.online_link, meeting.status = starts_at, place, online_link, status
    meeting.save(update_fields=["starts_at", "place", "online_link", "status", "updated_at"])
    audit_record(action=AuditAction.MEETING_UPDATED, actor=actor, target=meeting, data={"status": str(status)})
    return meeting


@transaction.atomic
def meeting_agenda_add(*, actor: User, meeting: Meeting, concerns: Sequence[Concern]) -> int:
    """Put accepted concerns of the group's area on the agenda; returns how many were added."""
    allowed = set(
        accepted_concern_list(group=meeting.working_group)
        .filter(pk__in=[concern.pk for concern in concerns])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len({concern.pk for concern in concerns}):
        raise GroupError(
            _("Only accepted concerns of the group's area can be put on the agenda."), code="concern_not_eligible"
        )
    position = meeting.agenda_items.count()
    added = 0
    for concern_id in sorted(allowed):
        _item, created = AgendaItem.objects.get_or_create(
            meeting=meeting, concern_id=concern_id, defaults={"position": position + added}
        )
        added += int(created)
    if added:
        audit_record(action=AuditAction.MEETING_AGENDA_CHANGED, actor=actor, target=meeting, data={"added": added})
    return added


@transaction.atomic
def meeting_agenda_remove(*, actor: User, meeting: Meeting, concern_id: int) -> None:
    """Take a concern off the agenda."""
    deleted, _details = AgendaItem.objects.filter(meeting=meeting, concern_id=concern_id).delete()
    if deleted:
        audit_record(
            action=AuditAction.MEETING_AGENDA_CHANGED, actor=actor, target=meeting, data={"removed": concern_id}
        )


@transaction.atomic
def meeting_record_attendance(
    *,
    actor: User,
    meeting: Meeting,
    counts: Mapping[tuple[str, str], int],
    members_present: Sequence[User] = (),
) -> None:
    """Record how many people came, by gender and age band, and which members were there (from the
    meeting's date on)."""
    _check_meeting_has_come(meeting)
    for (gender, age_band), count in counts.items():
        if gender not in Gender.values or age_band not in AgeBand.values:
            raise ValueError((gender, age_band))
        if count < 0:
            raise GroupError(_("A number of people cannot be negative."), code="negative_count")
    member_ids = set(
        Grant.objects.filter(working_group=meeting.working_group, user__in=members_present).values_list(
            "user_id", flat=True
        )
    )
    if member_ids != {user.pk for user in members_present}:
        raise GroupError(_("Only members of the group can be marked present."), code="not_a_member")
    for (gender, age_band), count in counts.items():
        AttendanceCount.objects.update_or_create(
            meeting=meeting, gender=gender, age_band=age_band, defaults={"count": count}
        )
    meeting.members_present.set(members_present)
    audit_record(
        action=AuditAction.MEETING_ATTENDANCE_RECORDED,
        actor=actor,
        target=meeting,
        data={"people": sum(counts.values()), "members": len(member_ids)},
    )


@transaction.atomic
def meeting_record_minutes(*, actor: User, meeting: Meeting, minutes: str, decisions: str) -> Meeting:
    """Keep the minutes (for members) and the decisions (shown publicly once the meeting is held),
    from the meeting's date on."""
    _check_meeting_has_come(meeting)
    if len(minutes) > MAX_MINUTES_LENGTH or len(decisions) > MAX_DECISIONS_LENGTH:
        raise GroupError(_("The text is too long."), code="too_long")
    meeting.minutes, meeting.decisions = minutes.strip(), decisions.strip()
    meeting.save(update_fields=["minutes", "decisions", "updated_at"])
    audit_record(action=AuditAction.MEETING_UPDATED, actor=actor, target=meeting, data={"minutes": True})
    return meeting


# --- Prioritisation ----------------------------------------------------------------------------


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
    for (concern_id, criterion_id), value in scores.items():
        cell = Score.objects.filter(round=round, user=user, concern_id=concern_id, criterion_id=criterion_id)
        if value is None:
            cell.delete()
        else:
            Score.objects.update_or_create(
                round=round, user=user, concern_id=concern_id, criterion_id=criterion_id, defaults={"value": value}
            )
    return Score.objects.filter(round=round, user=user).count()


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


# --- Action plans ------------------------------------------------------------------------------

MAX_PHOTOS_PER_UPDATE = 3
ACTIONABLE_STATUSES = (Status.PRIORITISED, Status.IN_ACTION, Status.RESOLVED)


def _check_action_links(
    group: WorkingGroup, concerns: Sequence[Concern], owner: Institution, responsible: User | None
) -> None:
    if not concerns:
        raise GroupError(_("Link the action to at least one prioritised concern."), code="concern_required")
    allowed = set(
        group_concern_list(group=group)
        .filter(pk__in=[concern.pk for concern in concerns], status__in=ACTIONABLE_STATUSES)
        .values_list("pk", flat=True)
    )
    if allowed != {concern.pk for concern in concerns}:
        raise GroupError(_("Actions are for the group's prioritised concerns."), code="concern_not_prioritised")
    if not institution_list(group=group).filter(pk=owner.pk).exists():
        raise GroupError(_("Choose an institution of the group's area."), code="institution_elsewhere", field="owner")
    if responsible is not None and not Grant.objects.filter(working_group=group, user=responsible).exists():
        raise GroupError(
            _("The responsible person must be a member of the group."), code="not_a_member", field="responsible"
        )


@transaction.atomic
def action_create(
    *,
    actor: User,
    group: WorkingGroup,
    title: str,
    concerns: Sequence[Concern],
    owner: Institution,
    due_on: date,
    responsible: User | None = None,
    description: str = "",
    partners: str = "",
    starts_on: date | None = None,
    is_public: bool = True,
) -> Action:
    """Add an action to the group's plan for one or more prioritised concerns."""
    _check_action_links(group, concerns, owner, responsible)
    if starts_on is not None and starts_on > due_on:
        raise GroupError(_("The due date is before the start date."), code="dates_reversed", field="due_on")
    action = Action.objects.create(
        working_group=group,
        title=title.strip(),
        description=description.strip(),
        owner=owner,
        responsible=responsible,
        partners=partners.strip(),
        starts_on=starts_on,
        due_on=due_on,
        is_public=is_public,
    )
    action.concerns.set(concerns)
    audit_record(action=AuditAction.ACTION_CREATED, actor=actor, target=action)
    return action


@transaction.atomic
def action_update(
    *,
    actor: User,
    action: Action,
    title: str,
    concerns: Sequence[Concern],
    owner: Institution,
    due_on: date,
    responsible: User | None = None,
    description: str = "",
    partners: str = "",
    starts_on: date | None = None,
    is_public: bool = True,
) -> Action:
    """Change what an action is: its text, concerns, owner, responsible member, partners, dates, publicity."""
    group = action.working_group
    _check_action_links(group, concerns, owner, responsible)
    if starts_on is not None and starts_on > due_on:
        raise GroupError(_("The due date is before the start date."), code="dates_reversed", field="due_on")
    action = Action.objects.select_for_update().get(pk=action.pk)
    action.title, action.description, action.partners = title.strip(), description.strip(), partners.strip()
    action.owner, action.responsible = owner, responsible
    action.starts_on, action.due_on, action.is_public = starts_on, due_on, is_public
    action.save()
    action.concerns.set(concerns)
    audit_record(action=AuditAction.ACTION_UPDATED, actor=actor, target=action)
    return action


@transaction.atomic
def action_set_status(*, actor: User, action: Action, status: ActionStatus, reason: str = "") -> Action:
    """Move an action along its plan; its concerns follow.

    Starting an action puts its prioritised concerns ``in_action`` (their reporters are told through
    the concerns' status service). When every action of a concern is done, the concern is proposed
    for ``resolved``; the facilitator confirms it with ``concern_resolve``.
    """
    action = Action.objects.select_for_update().get(pk=action.pk)
    if status not in ACTION_TRANSITIONS[ActionStatus(action.status)]:
        raise GroupError(
            _("An action that is %(current)s cannot become %(new)s.")
            % {"current": action.get_status_display(), "new": status.label},
            code="invalid_transition",
        )
    reason = reason.strip()
    if status == ActionStatus.DROPPED and not reason:
        raise GroupError(_("Say why the action is dropped."), code="reason_required", field="reason")
    previous = action.status
    action.status = status
    action.dropped_reason = reason if status == ActionStatus.DROPPED else ""
    if status == ActionStatus.DONE:
        action.progress = 100
        action.completed_on = timezone.localdate()
    else:
        action.completed_on = None
    if status == ActionStatus.IN_PROGRESS and action.starts_on is None:
        action.starts_on = timezone.localdate()
    action.save(update_fields=["status", "dropped_reason", "progress", "completed_on", "starts_on", "updated_at"])
    if status == ActionStatus.IN_PROGRESS:
        for concern in action.concerns.filter(status=Status.PRIORITISED):
            concern_change_status(actor=actor, concern=concern, status=Status.IN_ACTION)
    audit_record(
        action=AuditAction.ACTION_STATUS_CHANGED,
        actor=actor,
        target=action,
        data={"from": previous, "to": str(status)},
    )
    return action


@transaction.atomic
def concern_resolve(*, actor: User, group: WorkingGroup, concern: Concern) -> Concern:
    """The facilitator confirms that a concern whose actions are all done is resolved; its reporter is told."""
    if concern.pk not in {ready.pk for ready in concerns_ready_to_resolve(group=group)}:
        raise GroupError(_("Not every action for this concern is done yet."), code="actions_open")
    return concern_change_status(actor=actor, concern=concern, status=Status.RESOLVED)


@transaction.atomic
def action_post_update(
    *,
    actor: User,
    action: Action,
    text: str,
    progress: int,
    day: date | None = None,
    photos: Sequence[CleanImage] = (),
) -> ActionUpdate:
    """A dated progress note with up to three photos (already re-encoded without metadata)."""
    text = text.strip()
    if not text:
        raise GroupError(_("Say what happened."), code="text_required", field="text")
    if not 0 <= progress <= 100:
        raise GroupError(_("Progress is from 0 to 100 %."), code="invalid_progress", field="progress")
    if len(photos) > MAX_PHOTOS_PER_UPDATE:
        raise GroupError(
            ngettext(
                "You can attach up to %(count)s photo.", "You can attach up to %(count)s photos.", MAX_PHOTOS_PER_UPDATE
            )
            % {"count": MAX_PHOTOS_PER_UPDATE},
            code="too_many_photos",
        )
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise GroupError(_("An update cannot be dated in the future."), code="future_update", field="day")
    update = ActionUpdate.objects.create(action=action, day=day, text=text, progress=progress, author=actor)
    for photo in photos:
        ActionPhoto.objects.create(
            update=update,
            file=ContentFile(photo.content, name=f"{secrets.token_hex(16)}.{photo.extension}"),
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size=len(photo.content),
        )
    Action.objects.filter(pk=action.pk).update(progress=progress, updated_at=timezone.now())
    audit_record(action=AuditAction.ACTION_UPDATE_POSTED, actor=actor, target=action, data={"progress": progress})
    return update


# --- Reminders ---------------------------------------------------------------------------------


def digest_send(*, user: User, day: date) -> bool:
    """Send a member their reminders for ``day`` in one e-mail (and one Telegram message when they
    linked a chat), once; True if it was sent now.

    The sent-digest row is written in the same transaction as the e-mail is handed over: a second
    run (or a parallel worker) hits the unique key and sends nothing; a failed send rolls the row back
    so the next run tries again. Nothing to remind of, no e-mail.
    """
    if SentDigest.objects.filter(user=user, day=day).exists():
        return False
    digest = digest_for(user=user, day=day)
    if not digest.item_count:
        return False
    try:
        with transaction.atomic():
            SentDigest.objects.create(user=user, day=day, item_count=digest.item_count)
            with translation.override(user.message_language):  # the member's own language
                context = {"user": user, "digest": digest, "day": day, "site": settings.OVOZ_PUBLIC_URL}
                subject = " ".join(
                    render_to_string("groups/email/digest_subject.txt", context).split()
                )  # one header line
                body = render_to_string("groups/email/digest_body.txt", context)
            # Telegram too when the member linked a chat (queued, sent after commit by the channel's task).
            sent_by_telegram = staff_message_queue(user=user, text=f"{subject}\n\n{body}")
            if not user.email and not sent_by_telegram:
                transaction.set_rollback(True)
                return False
            if user.email:
                mail_send(subject=subject, body=body, recipient=user.email)  # a failure names no address
    except IntegrityError:
        return False
    return True


def digests_send(*, day: date) -> int:
    """Send every member's daily reminders for ``day``; returns how many e-mails went out.

    One member's refused address stops nobody else's reminders; theirs is tried again at the next
    run (its sent-record was rolled back), and the log says which member and why, never the address.
    """
    sent = 0
    for user in digest_recipients():
        try:
            sent += digest_send(user=user, day=day)
        except SanitisedFailure as failure:
            logger.warning("Daily reminders for user %s not sent: %s", user.pk, failure)
    return sent
