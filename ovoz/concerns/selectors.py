from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from ovoz.accounts.models import User
from ovoz.concerns.choices import Audience, Visibility
from ovoz.concerns.models import Concern, ConcernEvent, ConcernKey, Theme
from ovoz.core.crypto import keyed_hash
from ovoz.core.ids import parse_id
from ovoz.core.scoping import scoped_get
from ovoz.places.models import Area
from ovoz.places.selectors import areas_within


def theme_list(*, include_inactive: bool = False) -> QuerySet[Theme]:
    """Themes in their display order (themes are public data)."""
    themes = Theme.objects.all()
    return themes if include_inactive else themes.filter(is_active=True)


# --- Public ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicFilters:
    area: Area | None = None
    theme: Theme | None = None
    status: str = ""
    since: date | None = None


def _within(area: Area) -> Q:
    """Concerns in an area or anywhere inside it."""
    return Q(area__in=areas_within([area]).values("pk"))


def public_concern_list(*, filters: PublicFilters | None = None) -> QuerySet[Concern]:
    """Published concerns, newest first. Only public, published ones: never restricted or confidential."""
    concerns = (
        Concern.objects.filter(is_published=True, visibility=Visibility.PUBLIC)
        .select_related("area")
        .prefetch_related("themes")
        .order_by("-published_at", "-id")
    )
    if filters is not None:
        if filters.area is not None:
            concerns = concerns.filter(_within(filters.area))
        if filters.theme is not None:
            concerns = concerns.filter(themes=filters.theme)
        if filters.status:
            concerns = concerns.filter(status=filters.status)
        if filters.since is not None:
            concerns = concerns.filter(published_at__date__gte=filters.since)
    return concerns


def public_concern_get(*, concern_id: int) -> Concern:
    concern = public_concern_list().filter(pk=concern_id).first()
    if concern is None:
        raise Http404
    return concern


def has_supported(*, concern: Concern, supporter_token: str) -> bool:
    supporter_hash = keyed_hash(f"{concern.pk}:{supporter_token}", purpose="support")
    return concern.supports.filter(supporter_hash=supporter_hash).exists()


def public_events(concern: Concern) -> QuerySet[ConcernEvent]:
    return concern.events.filter(audience=Audience.PUBLIC).order_by("at", "id")


def reporter_events(concern: Concern) -> QuerySet[ConcernEvent]:
    """What the holder of a concern's receipt reads: its public timeline and the messages to and from them.

    For a concern merged into another, that is the original's public timeline plus the messages of
    the reporter's own concern; never the conversation with the original's reporter.
    """
    own = Q(concern=concern, audience__in=[Audience.PUBLIC, Audience.REPORTER])
    if concern.duplicate_of_id is not None:
        own |= Q(concern_id=concern.duplicate_of_id, audience=Audience.PUBLIC)
    return ConcernEvent.objects.filter(own).prefetch_related("attachments").order_by("at", "id")


# --- Staff -------------------------------------------------------------------------------------


def staff_area_scope(user: User) -> Q | None:
    """Which concerns a staff user may see, as a filter; None means all (deployment-wide roles)."""
    if user.role:
        return None
    # Confidential concerns sealed to the user at intake, wherever they are.
    scope = Q(pk__in=ConcernKey.objects.filter(user=user, referral=None).values("concern_id"))
    for grant in user.grants.select_related("working_group__area"):
        scope |= _within(grant.working_group.area)
    return scope


@dataclass(frozen=True)
class StaffFilters:
    status: str = ""
    area: Area | None = None
    theme: Theme | None = None
    language: str = ""
    visibility: str = ""
    channel: str = ""
    search: str = ""


def staff_concern_list(*, user: User, filters: StaffFilters | None = None) -> QuerySet[Concern]:
    """The inbox: concerns of the user's areas, newest first."""
    concerns = Concern.objects.select_related("area").prefetch_related("themes").order_by("-created_at", "-id")
    scope = staff_area_scope(user)
    if scope is not None:
        concerns = concerns.filter(scope)
    if filters is not None:
        lookups: dict[str, Any] = {
            key: value
            for key, value in {
                "status": filters.status,
                "language": filters.language,
                "visibility": filters.visibility,
                "channel": filters.channel,
            }.items()
            if value
        }
        concerns = concerns.filter(**lookups)
        if filters.area is not None:
            concerns = concerns.filter(_within(filters.area))
        if filters.theme is not None:
            concerns = concerns.filter(themes=filters.theme)
        number = parse_id(filters.search)
        if number is not None:
            concerns = concerns.filter(pk=number)
    return concerns


def staff_status_counts(*, user: User) -> dict[str, int]:
    concerns = Concern.objects.all()
    scope = staff_area_scope(user)
    if scope is not None:
        concerns = concerns.filter(scope)
    return {row["status"]: row["total"] for row in concerns.values("status").annotate(total=Count("id"))}


def staff_concern_get(*, user: User, concern_id: int) -> Concern:
    """One concern the user may see; a concern outside their areas is a 404 (audited), not a 403."""
    return scoped_get(
        staff_concern_list(user=user).prefetch_related(
            Prefetch("events", queryset=ConcernEvent.objects.select_related("actor"))
        ),
        pk=concern_id,
    )
