"""Meetings: scheduling, the agenda, attendance and minutes, from the meeting's local date on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import Grant, User
from ovoz.concerns.models import Concern
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.groups.choices import (
    AgeBand,
    Gender,
    MeetingStatus,
)
from ovoz.groups.errors import GroupError
from ovoz.groups.models import (
    MAX_DECISIONS_LENGTH,
    MAX_MINUTES_LENGTH,
    AgendaItem,
    AttendanceCount,
    Meeting,
    WorkingGroup,
)
from ovoz.groups.selectors import (
    accepted_concern_list,
)


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
