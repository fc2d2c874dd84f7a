"""Public API of working groups: ``/api/v1/groups`` and what each group has made public."""

import datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from ovoz.concerns.selectors import is_publicly_readable
from ovoz.core.api_schemas import ApiError, ErrorOut
from ovoz.core.pagination import Pagination
from ovoz.groups import plan_selectors, selectors
from ovoz.groups.models import Action, Meeting, WorkingGroup
from ovoz.places.api import AreaRef

router = Router(tags=["working groups"])


def _group(slug: str) -> WorkingGroup:
    try:
        return selectors.public_group_get(slug=slug)
    except Http404:
        raise ApiError(404, _("There is no working group with this slug."), "not_found") from None


class GroupOut(Schema):
    slug: str
    name: str
    area: AreaRef


class NamedMemberOut(Schema):
    name: str
    role: str
    institution: str


class MemberCountOut(Schema):
    role: str
    count: int


class GroupDetailOut(Schema):
    slug: str
    name: str
    description: str
    area: AreaRef
    member_count: int
    members: list[NamedMemberOut]
    member_counts: list[MemberCountOut]


@router.get("groups", response=list[GroupOut], summary="List working groups")
@paginate(Pagination)
def list_groups(request: HttpRequest) -> object:
    """Active working groups, by name; each group's ``slug`` opens its details."""
    return selectors.public_group_list()


@router.get("groups/{slug}", response={200: GroupDetailOut, 404: ErrorOut}, summary="A working group")
def get_group(request: HttpRequest, slug: str) -> object:
    """A group with its members. Members who chose to be named appear with their name, role and
    institution; the others only as counts by role (never tied to an institution). No contacts, ever."""
    group = _group(slug)
    members = selectors.public_members(group=group)
    return {
        "slug": group.slug,
        "name": group.name,
        "description": group.description,
        "area": group.area,
        "member_count": members.total,
        "members": [
            {"name": member.name, "role": member.role, "institution": member.institution} for member in members.named
        ],
        "member_counts": [{"role": count.role, "count": count.count} for count in members.counts],
    }


class CountOut(Schema):
    key: str
    count: int


class ParticipantsOut(Schema):
    total: int
    by_gender: list[CountOut]
    by_age_band: list[CountOut]
    named_members: list[NamedMemberOut]
    other_members: int


class MeetingOut(Schema):
    id: int
    date: datetime.date
    topics: list[str]
    participants: ParticipantsOut
    decisions: str

    @staticmethod
    def resolve_date(meeting: Meeting) -> datetime.date:
        return timezone.localdate(meeting.starts_at)

    @staticmethod
    def resolve_topics(meeting: Meeting) -> list[str]:
        return selectors.public_topics(selectors.agenda(meeting))

    @staticmethod
    def resolve_participants(meeting: Meeting) -> dict[str, object]:
        summary = selectors.public_meeting_summary(meeting)
        return {
            "total": summary.attendance.total,
            "by_gender": [{"key": key, "count": count} for key, _label, count in summary.attendance.by_gender],
            "by_age_band": [{"key": key, "count": count} for key, _label, count in summary.attendance.by_age_band],
            "named_members": [
                {"name": member.name, "role": member.role, "institution": member.institution}
                for member in summary.named_present
            ],
            "other_members": summary.unnamed_present,
        }


@router.get(
    "groups/{slug}/meetings",
    response={200: list[MeetingOut], 404: ErrorOut},
    summary="Meetings a working group held",
)
@paginate(Pagination)
def list_meetings(request: HttpRequest, slug: str) -> object:
    """Held meetings, newest first: the date, agenda topics (the public text of published concerns,
    otherwise only their themes), participants by gender (`women`, `men`, `other`) and age band
    (`under_18`, `18_29`, `30_59`, `60_plus`), and the decisions (Markdown). No minutes, and no names
    but those of members who chose to be named."""
    return selectors.public_meeting_list(group=_group(slug))


class ActionOut(Schema):
    id: int
    title: str
    status: Literal["planned", "in_progress", "done", "dropped"]
    dropped_reason: str
    due: datetime.date = Field(alias="due_on")
    starts: datetime.date | None = Field(alias="starts_on")
    completed: datetime.date | None = Field(alias="completed_on")
    progress: int
    overdue: bool
    owner: str
    partners: str
    concerns: list[int] = Field(description="Ids of the linked concerns that are published; others are left out.")

    @staticmethod
    def resolve_overdue(action: Action) -> bool:
        return action.is_overdue(timezone.localdate())

    @staticmethod
    def resolve_owner(action: Action) -> str:
        return action.owner.name

    @staticmethod
    def resolve_concerns(action: Action) -> list[int]:
        return sorted(concern.pk for concern in action.concerns.all() if is_publicly_readable(concern))


class ActionFilters(Schema):
    status: Literal["planned", "in_progress", "done", "dropped"] | None = None


@router.get(
    "groups/{slug}/actions",
    response={200: list[ActionOut], 404: ErrorOut},
    summary="A working group's action plan",
)
@paginate(Pagination)
def list_actions(request: HttpRequest, slug: str, filters: Query[ActionFilters]) -> object:
    """The group's public actions by due date: `status` (`planned`, `in_progress`, `done` or
    `dropped`), `due` as an ISO date, `progress` in percent, whether it is `overdue`, the owner
    institution, and the ids of linked concerns that are published (public concerns only)."""
    actions = plan_selectors.public_action_list(group=_group(slug))
    if filters.status:
        actions = actions.filter(status=filters.status)
    return actions
