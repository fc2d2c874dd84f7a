"""Reads of working groups, scoped to who asks (CONVENTIONS: every staff read goes through here)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant, User
from ovoz.concerns.choices import Status, Visibility
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.permissions import can_read_original
from ovoz.concerns.selectors import is_publicly_readable, text_matching
from ovoz.core.ids import parse_id
from ovoz.core.scoping import OutOfScope, scoped_get
from ovoz.groups.choices import DEFAULT_CRITERIA, AgeBand, Gender, MeetingStatus, RoundStatus
from ovoz.groups.models import (
    Criterion,
    Institution,
    Invitation,
    Meeting,
    PrioritisationRound,
    Score,
    WorkingGroup,
)
from ovoz.groups.permissions import can_see_group, has_deployment_role
from ovoz.groups.ranking import rank
from ovoz.places.models import Area
from ovoz.places.selectors import areas_within

# --- Groups ------------------------------------------------------------------------------------


def public_group_list() -> QuerySet[WorkingGroup]:
    """Active groups, for everyone."""
    return WorkingGroup.objects.filter(is_active=True).select_related("area").order_by("name")


def public_group_get(*, slug: str) -> WorkingGroup:
    group = public_group_list().filter(slug=slug).first()
    if group is None:
        raise Http404
    return group


def staff_group_list(*, user: User) -> QuerySet[WorkingGroup]:
    """The groups whose staff pages the user may open: all for deployment roles, else their own."""
    groups = WorkingGroup.objects.select_related("area").order_by("name")
    if has_deployment_role(user):
        return groups
    return groups.filter(grants__user=user)


def staff_group_get(*, user: User, slug: str) -> WorkingGroup:
    """One group the user may open; any other group is a 404 (audited), as if it did not exist."""
    group = scoped_get(WorkingGroup.objects.select_related("area"), slug=slug)
    if not can_see_group(user, group):
        raise OutOfScope(group)
    return group


# --- Members -----------------------------------------------------------------------------------


ROLE_ORDER = [role.value for role in GrantRole]


def member_list(*, group: WorkingGroup) -> list[Grant]:
    """The group's members (grants with their users and institutions), by role then name."""
    grants = Grant.objects.filter(working_group=group).select_related("user", "institution")
    return sorted(grants, key=lambda grant: (ROLE_ORDER.index(grant.role), member_name(grant.user).casefold()))


def member_get(*, group: WorkingGroup, grant_id: int) -> Grant:
    """One member (grant) of this group; a grant in another group is a 404 (audited)."""
    return scoped_get(Grant.objects.filter(working_group=group).select_related("user", "institution"), pk=grant_id)


def member_name(user: User) -> str:
    return user.get_full_name() or user.username


@dataclass(frozen=True)
class PublicMember:
    name: str
    role: str
    role_label: str
    institution: str


@dataclass(frozen=True)
class MemberCount:
    role: str
    role_label: str
    count: int


@dataclass(frozen=True)
class PublicMembers:
    """What the public learns about a group's members: names only of those who chose to be named."""

    named: list[PublicMember]
    counts: list[MemberCount]

    @property
    def total(self) -> int:
        return len(self.named) + sum(item.count for item in self.counts)


def public_members(*, group: WorkingGroup) -> PublicMembers:
    """Named members with role and institution; everyone else only as counts by role.

    A member who did not choose to be named is not tied to their institution either: in a small
    community "the police department's member" names the person as surely as their name would.
    """
    named: list[PublicMember] = []
    counter: Counter[str] = Counter()
    for grant in member_list(group=group):
        if grant.is_named_publicly:
            institution = grant.institution.name if grant.institution else ""
            named.append(PublicMember(member_name(grant.user), grant.role, grant.get_role_display(), institution))
        else:
            counter[grant.role] += 1
    counts = [
        MemberCount(role, str(GrantRole(role).label), count)
        for role, count in sorted(counter.items(), key=lambda item: ROLE_ORDER.index(item[0]))
    ]
    return PublicMembers(named, counts)


def invitation_list(*, group: WorkingGroup) -> QuerySet[Invitation]:
    """Invitations not yet accepted, newest first (expired ones included, marked in the page)."""
    return group.invitations.filter(accepted_at__isnull=True).select_related("institution")


# --- Institutions ------------------------------------------------------------------------------


def _area_and_ancestor_ids(area: Area) -> list[int]:
    return [int(pk) for pk in area.path.split("/") if pk] + [area.pk]


def institution_list(*, group: WorkingGroup) -> QuerySet[Institution]:
    """Institutions a group works with: of its area, of the areas above it and of those inside it."""
    areas = Area.objects.filter(Q(pk__in=_area_and_ancestor_ids(group.area)) | Q(path__startswith=group.area.own_path))
    return Institution.objects.filter(area__in=areas.values("pk"), is_active=True).select_related("area")


# --- Concerns of a group -----------------------------------------------------------------------


def _within(area: Area) -> Q:
    return Q(area__in=areas_within([area]).values("pk"))


@dataclass(frozen=True)
class ConcernFilters:
    status: str = ""
    theme: Theme | None = None
    visibility: str = ""
    search: str = ""


def group_concern_list(
    *, group: WorkingGroup, filters: ConcernFilters | None = None, user: User | None = None
) -> QuerySet[Concern]:
    """Concerns of the group's area and every area inside it, newest first.

    Search matches a concern number, or text as ``user`` may read it (``concerns.selectors.text_matching``:
    the published public text for members, the reporter's words only for those who may read them). A
    search without a user matches published public text only.
    """
    concerns = (
        Concern.objects.filter(_within(group.area))
        .select_related("area")
        .prefetch_related("themes")
        .order_by("-created_at", "-id")
    )
    if filters is None:
        return concerns
    lookups: dict[str, Any] = {"status": filters.status, "visibility": filters.visibility}
    concerns = concerns.filter(**{key: value for key, value in lookups.items() if value})
    if filters.theme is not None:
        concerns = concerns.filter(themes=filters.theme)
    search = filters.search.strip()
    if search:
        number = parse_id(search.lstrip("#"))
        if number is not None:
            concerns = concerns.filter(pk=number)
        else:
            concerns = concerns.filter(text_matching(user=user, search=search))
    return concerns


def accepted_concern_list(
    *, group: WorkingGroup, filters: ConcernFilters | None = None, user: User | None = None
) -> QuerySet[Concern]:
    """The group's accepted concerns: what agendas are built from (searched as ``user`` may read them)."""
    filters = filters or ConcernFilters()
    return group_concern_list(
        group=group,
        filters=ConcernFilters(
            status=Status.ACCEPTED, theme=filters.theme, visibility=filters.visibility, search=filters.search
        ),
        user=user,
    )


@dataclass(frozen=True)
class ConcernReading:
    """A concern as one staff member may read it: never the reporter's contact."""

    concern: Concern
    text: str
    is_original: bool

    @property
    def themes(self) -> str:
        return theme_labels(self.concern)


def concern_reading(*, user: User, concern: Concern) -> ConcernReading:
    """The reporter's words for those who may read them (concerns.permissions), else the published
    public text, else nothing: restricted and confidential concerns are metadata only for members."""
    if can_read_original(user, concern):
        return ConcernReading(concern, concern.text, True)
    if is_publicly_readable(concern):
        return ConcernReading(concern, concern.public_text, False)
    return ConcernReading(concern, "", False)


def group_reading(concern: Concern) -> ConcernReading:
    """A concern as the group sees it together (meeting page, agenda, print, scores, action plan):
    the published, redacted public text, whoever looks; without one, no words at all, only its area,
    themes, date and status. The reporter's own words stay on the concern's own page, for those who
    may read them (a projected or printed agenda must not carry a phone number from them)."""
    if is_publicly_readable(concern) and concern.public_text:
        return ConcernReading(concern, concern.public_text, False)
    return ConcernReading(concern, "", False)


def theme_labels(concern: Concern) -> str:
    return ", ".join(theme.label for theme in concern.themes.all())


def public_topics(concerns: Iterable[Concern]) -> list[str]:
    """How concerns appear on public pages (a meeting's agenda, an action's topics): a public concern by
    its published public text, or its themes until it is published; a restricted or confidential one not
    at all, not even by its themes or as a count (docs/data.md: a protected concern is never seen below
    a region, and a group's agenda is a district's)."""
    topics = []
    for concern in concerns:
        if is_publicly_readable(concern) and concern.public_text:
            topics.append(concern.public_text)
        elif concern.visibility == Visibility.PUBLIC:
            topics.append(theme_labels(concern))
    return topics


# --- Meetings ----------------------------------------------------------------------------------


def meeting_list(*, group: WorkingGroup) -> QuerySet[Meeting]:
    """All the group's meetings, newest first (staff)."""
    return group.meetings.all()


def meeting_get(*, group: WorkingGroup, meeting_id: int) -> Meeting:
    """One meeting of this group; a meeting of another group is a 404 (audited)."""
    return scoped_get(group.meetings.all(), pk=meeting_id)


def agenda(meeting: Meeting) -> list[Concern]:
    """The concerns on a meeting's agenda, in agenda order."""
    items = meeting.agenda_items.select_related("concern__area").prefetch_related("concern__themes")
    return [item.concern for item in items]


def public_meeting_list(*, group: WorkingGroup) -> QuerySet[Meeting]:
    """Meetings the group held, newest first: the only ones shown in public."""
    return group.meetings.filter(status=MeetingStatus.HELD)


def public_meeting_get(*, group: WorkingGroup, meeting_id: int) -> Meeting:
    meeting = public_meeting_list(group=group).filter(pk=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


@dataclass(frozen=True)
class Attendance:
    total: int
    by_gender: list[tuple[str, str, int]]
    by_age_band: list[tuple[str, str, int]]
    cells: dict[tuple[str, str], int]


def attendance(meeting: Meeting) -> Attendance:
    """Participants counted by gender and by age band (never by name)."""
    cells = {(row.gender, row.age_band): row.count for row in meeting.attendance.all()}
    by_gender = [
        (gender.value, str(gender.label), sum(count for (g, _a), count in cells.items() if g == gender))
        for gender in Gender
    ]
    by_age_band = [
        (band.value, str(band.label), sum(count for (_g, a), count in cells.items() if a == band)) for band in AgeBand
    ]
    return Attendance(sum(cells.values()), by_gender, by_age_band, cells)


@dataclass(frozen=True)
class PublicMeeting:
    """What the public learns about a held meeting."""

    meeting: Meeting
    topics: list[str]
    attendance: Attendance
    named_present: list[PublicMember]
    unnamed_present: int
    priorities: list[str]
    priorities_note: str


def public_meeting_summary(meeting: Meeting) -> PublicMeeting:
    """Date, agenda topics (``public_topics``: no restricted or confidential concern),
    participants by gender and age band, and the members present who chose to be named."""
    topics = public_topics(agenda(meeting))
    present = set(meeting.members_present.values_list("pk", flat=True))
    named: list[PublicMember] = []
    unnamed = 0
    for grant in member_list(group=meeting.working_group):
        if grant.user_id not in present:
            continue
        if grant.is_named_publicly:
            institution = grant.institution.name if grant.institution else ""
            named.append(PublicMember(member_name(grant.user), grant.role, grant.get_role_display(), institution))
        else:
            unnamed += 1
    round_ = round_of(meeting)
    priorities: list[str] = []
    note = ""
    if round_ is not None and round_.status == RoundStatus.DECIDED:
        chosen = set(round_.chosen.values_list("pk", flat=True))
        priorities = public_topics(concern for concern in agenda(meeting) if concern.pk in chosen)
        note = round_.decision_note
    return PublicMeeting(meeting, topics, attendance(meeting), named, unnamed, priorities, note)


# --- Prioritisation ----------------------------------------------------------------------------


def criterion_list(*, group: WorkingGroup) -> list[Criterion]:
    """The group's criteria; the defaults (weight 1, not yet saved) while it has none of its own."""
    criteria = list(group.criteria.all())
    if criteria:
        return criteria
    return [
        Criterion(working_group=group, slug=slug, weight=1, position=position)
        for position, slug in enumerate(DEFAULT_CRITERIA)
    ]


def round_of(meeting: Meeting) -> PrioritisationRound | None:
    return PrioritisationRound.objects.filter(meeting=meeting).first()


def own_scores(*, round: PrioritisationRound, user: User) -> dict[tuple[int, int], int]:
    """A member's own scores in a round, by (concern id, criterion id): all they may see while it is open."""
    rows = Score.objects.filter(round=round, user=user).values_list("concern_id", "criterion_id", "value")
    return {(concern_id, criterion_id): value for concern_id, criterion_id, value in rows}


def scorer_count(*, round: PrioritisationRound) -> int:
    """How many members have scored so far (never what they scored, while the round is open)."""
    return Score.objects.filter(round=round).values("user").distinct().count()


@dataclass(frozen=True)
class RankingRow:
    concern: Concern
    score: float | None
    spread: float | None
    scorers: int
    criterion_means: list[tuple[str, float | None]]
    is_chosen: bool


def round_ranking(*, round: PrioritisationRound) -> list[RankingRow]:
    """The ranking of a closed round, with the weights it closed with; nothing while it is open."""
    if round.status == RoundStatus.OPEN:
        return []
    concerns = {concern.pk: concern for concern in agenda(round.meeting)}
    criteria = list(round.meeting.working_group.criteria.all())
    weights = {int(key): int(value) for key, value in round.weights.items()}
    rows = Score.objects.filter(round=round).values_list("user_id", "concern_id", "criterion_id", "value")
    chosen = set(round.chosen.values_list("pk", flat=True))
    result = []
    for item in rank(scores=rows, weights=weights, concern_ids=list(concerns)):
        concern = concerns.get(item.concern_id)
        if concern is None:  # taken off the agenda after scoring
            continue
        means = [(criterion.display_label, item.criterion_means.get(criterion.pk)) for criterion in criteria]
        result.append(RankingRow(concern, item.score, item.spread, item.scorers, means, concern.pk in chosen))
    return result
