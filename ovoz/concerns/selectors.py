from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.concerns.choices import Audience, Visibility
from ovoz.concerns.models import Concern, ConcernEvent, ConcernKey, DuplicateProposal, Theme
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


def publicly_readable() -> Q:
    """The one definition of what the public may read: concerns both published and public.

    ``is_published`` alone is not enough: a concern published while restricted or confidential (a
    triage that went wrong, a row changed by hand) must stay off every public surface."""
    return Q(is_published=True, visibility=Visibility.PUBLIC)


def is_publicly_readable(concern: Concern) -> bool:
    """``publicly_readable`` for one concern already loaded."""
    return concern.is_published and concern.visibility == Visibility.PUBLIC


def public_concern_list(*, filters: PublicFilters | None = None) -> QuerySet[Concern]:
    """Published concerns, newest first. Only public, published ones: never restricted or confidential.
    Every public surface (pages, map, downloads, API, Open311, group pages) reads concerns through here."""
    concerns = (
        Concern.objects.filter(publicly_readable())
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


# --- What a user may search, filter, sort and count by (issue 12) ----------------------------------
#
# A filter on a field the user may not read is an oracle: asking "does the text contain 'a'?",
# then "'ab'?"... spells out the text one character at a time. Every staff list filters, searches
# and counts through these, so a query touches only what its user may read.


def original_readable(user: User) -> Q:
    """Concerns whose reporter's words ``user`` may read (text, contact, photos, the conversation):
    ``permissions.can_read_original`` as a filter, for the lists that search or filter by them."""
    sealed = Q(content_public_key__isnull=False)
    sealed_to_user = Q(pk__in=ConcernKey.objects.filter(user=user, referral=None).values("concern_id"))
    not_confidential = ~Q(visibility=Visibility.CONFIDENTIAL)
    if user.is_administrator:
        unsealed = Q()  # confidential ones made so before they could be sealed included
    elif user.is_coordinator:
        unsealed = not_confidential
    else:
        facilitated = Q(pk__in=[])
        for grant in user.grants.filter(role=GrantRole.FACILITATOR).select_related("working_group__area"):
            facilitated |= _within(grant.working_group.area)
        unsealed = not_confidential & facilitated
    return (sealed & sealed_to_user) | (~sealed & unsealed)


def original_readable_ids(user: User, concerns: Iterable[Concern]) -> set[int]:
    """Which of ``concerns`` (a page of a list) ``user`` may read the original of, in one query:
    ``permissions.can_read_original`` for each, without a query or two per row."""
    ids = [concern.pk for concern in concerns]
    return set(Concern.objects.filter(original_readable(user), pk__in=ids).values_list("pk", flat=True))


def text_matching(*, user: User | None, search: str) -> Q:
    """Concerns whose text, as ``user`` may read it, contains ``search``: the published public text of
    public concerns for everyone (``user`` None is the public), and the reporter's words and the draft
    public text only of the concerns whose original the user may read."""
    matches = publicly_readable() & Q(public_text__icontains=search)
    if user is not None:
        matches |= original_readable(user) & (Q(text__icontains=search) | Q(public_text__icontains=search))
    return matches


def reporter_metadata_matching(*, user: User, language: str = "", channel: str = "") -> Q:
    """The language and channel filters, over the concerns whose original ``user`` may read: like the
    staff page of a concern, the inbox shows the language and channel the reporter used only to them."""
    lookups = {key: value for key, value in {"language": language, "channel": channel}.items() if value}
    if not lookups:
        return Q()
    return Q(**lookups) & original_readable(user)


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
            key: value for key, value in {"status": filters.status, "visibility": filters.visibility}.items() if value
        }
        concerns = concerns.filter(**lookups)
        concerns = concerns.filter(
            reporter_metadata_matching(user=user, language=filters.language, channel=filters.channel)
        )
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


# --- Possible duplicates (issue 15) -------------------------------------------------------------------


def _comparable() -> Q:
    """Concerns whose words may be compared: not confidential (sealed or about to be), not merged."""
    return Q(content_public_key__isnull=True, duplicate_of__isnull=True) & ~Q(visibility=Visibility.CONFIDENTIAL)


def concerns_followup_pending(*, limit: int) -> list[int]:
    """The ids of concerns whose follow-up in the task worker has not run yet, oldest first (a system
    read for that work: theme suggestions and duplicate proposals)."""
    return list(Concern.objects.filter(is_followup_pending=True).order_by("pk").values_list("pk", flat=True)[:limit])


def duplicate_candidates(*, concern: Concern, days: int, limit: int) -> QuerySet[Concern]:
    """Concerns of the same area received up to ``days`` before or after ``concern``, newest first: what
    a new concern is compared with. A system read (the proposal task), not scoped to a user: who sees
    a proposal is decided by ``duplicate_proposal_list``."""
    if concern.area_id is None:
        return Concern.objects.none()
    window = timedelta(days=days)
    return (
        Concern.objects.filter(
            _comparable(),
            area_id=concern.area_id,
            created_at__gte=concern.created_at - window,
            created_at__lte=concern.created_at + window,
        )
        .exclude(pk=concern.pk)
        .only("pk", "text", "area_id", "created_at")
        .order_by("-created_at", "-id")[:limit]
    )


def duplicate_proposal_list(*, user: User, concern: Concern) -> list[tuple[DuplicateProposal, Concern]]:
    """Open proposals naming ``concern``, each with the other concern, for a user who may read the words
    of both (a proposal says something about both texts) and act on them; none for anyone else."""
    if not Concern.objects.filter(_comparable() & original_readable(user), pk=concern.pk).exists():
        return []
    others = Concern.objects.filter(_comparable() & original_readable(user))
    scope = staff_area_scope(user)
    if scope is not None:
        others = others.filter(scope)
    proposals = DuplicateProposal.objects.filter(
        Q(concern=concern, candidate__in=others.values("pk")) | Q(candidate=concern, concern__in=others.values("pk")),
        dismissed_at__isnull=True,
    ).select_related("concern", "candidate")
    return [
        (proposal, proposal.candidate if proposal.concern_id == concern.pk else proposal.concern)
        for proposal in proposals.order_by("-score", "id")
    ]


def duplicate_proposal_get(*, user: User, concern: Concern, proposal_id: int) -> DuplicateProposal:
    """One open proposal of ``concern`` the user may see (``duplicate_proposal_list``); otherwise a 404."""
    for proposal, _other in duplicate_proposal_list(user=user, concern=concern):
        if proposal.pk == proposal_id:
            return proposal
    raise Http404
