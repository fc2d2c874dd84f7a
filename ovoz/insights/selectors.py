"""Public numbers from the rollups (DESIGN §7): never a scan of the concerns, small counts suppressed."""

from __future__ import annotations

import json
from calendar import monthrange
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from ovoz.concerns.models import (
    ALL_STATUSES,
    ALL_THEMES,
    ConcernAreaRollup,
    ConcernMonthRollup,
    ConcernPublicAreaRollup,
    ConcernPublicMonthRollup,
    ConcernRollup,
    Theme,
)
from ovoz.concerns.selectors import PublicFilters, public_concern_list
from ovoz.concerns.services.rollups import rollups_drain
from ovoz.places.choices import AREA_KIND_DEPTH, AreaKind
from ovoz.places.models import Area

# Counts under this are shown as "<5" in public (DESIGN §3): a small number can point at a person.
SUPPRESS_BELOW = 5
# Restricted and confidential concerns join public figures only as whole groups of at least this many
# concerns of one region (or of a country outside its regions, or of no area), one theme key and one
# completed month: no comparison of public figures can then single one of them out (docs/data.md).
PROTECTED_GROUP_AT_LEAST = 5


@dataclass(frozen=True)
class AreaCount:
    area: Area
    count: int

    @property
    def public_count(self) -> int | str:
        return public_count(self.count)


def public_count(count: int) -> int | str:
    """A count as the public may see it: under SUPPRESS_BELOW only as "<5"."""
    return count if count >= SUPPRESS_BELOW else f"<{SUPPRESS_BELOW}"


def public_rank(count: int) -> int:
    """What public lists sort by: the count, every "<5" alike. Sorted by the exact small counts, the
    order of the "<5" rows would tell what they hide (3 before 1), and a new concern would move a row."""
    return count if count >= SUPPRESS_BELOW else 0


def area_counts(
    *,
    level: AreaKind = AreaKind.REGION,
    theme: Theme | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str = "",
    bbox: tuple[float, float, float, float] | None = None,
) -> list[AreaCount]:
    """Concerns per area of ``level`` (all visibilities counted), each area including everything inside it;
    with ``bbox`` (west, south, east, north), only areas whose representative point lies inside it.
    Largest counts first. See ``area_totals`` for where the numbers come from."""
    totals = area_totals(level=level, theme=theme, since=since, until=until, status=status, bbox=bbox)
    areas = Area.objects.filter(pk__in=list(totals)).select_related("parent")
    return sorted(
        (AreaCount(area, totals[area.pk]) for area in areas),
        key=lambda item: (-item.count, item.area.code or "", item.area.pk),
    )


def public_area_counts(
    *,
    level: AreaKind = AreaKind.REGION,
    theme: Theme | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str = "",
) -> list[AreaCount]:
    """``area_counts`` as the public may see them (``public_area_totals``): whole months only."""
    totals = public_area_totals(level=level, theme=theme, since=since, until=until, status=status)
    areas = Area.objects.filter(pk__in=list(totals)).select_related("parent")
    return sorted(
        (AreaCount(area, totals[area.pk]) for area in areas),
        key=lambda item: (-public_rank(item.count), item.area.code or "", item.area.pk),
    )


class AreaSummary(NamedTuple):
    """What the stats API shows of an area."""

    pk: int
    code: str | None
    name: str  # the source (English) name
    names: dict[str, str]  # names by language code, often none
    kind: str
    parent_id: int | None
    latitude: float | None
    longitude: float | None
    boundary: dict[str, Any] | None


def area_summaries(*, level: AreaKind) -> list[AreaSummary]:
    """Every area of ``level`` with only the columns the stats API shows: no model instances, and the
    JSON columns (names, boundary) read as text and parsed only where an area has them (most synthetic
    or imported districts have neither names in other languages nor a boundary)."""
    rows = _areas_at_level(level, None).values_list(
        "pk",
        "code",
        "name",
        Cast("names", TextField()),
        "kind",
        "parent_id",
        "latitude",
        "longitude",
        Cast("boundary", TextField()),
    )
    return [
        AreaSummary(
            pk,
            code,
            name,
            json.loads(names) if names and names != "{}" else {},
            kind,
            parent_id,
            latitude,
            longitude,
            json.loads(boundary) if boundary and boundary != "null" else None,
        )
        for pk, code, name, names, kind, parent_id, latitude, longitude, boundary in rows
    ]


def areas_version(*, level: AreaKind) -> str:
    """Changes whenever an area of ``level`` is added, changed (saving sets ``updated_at``) or removed:
    a cache key for what is derived from these areas."""
    version = _areas_at_level(level, None).aggregate(number=Count("pk"), last_id=Max("pk"), changed=Max("updated_at"))
    changed = version["changed"].timestamp() if version["changed"] is not None else 0
    return f"{version['number']}.{version['last_id'] or 0}.{changed:.6f}"


def area_totals(
    *,
    level: AreaKind = AreaKind.REGION,
    theme: Theme | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str = "",
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[int, int]:
    """Concerns per area id of ``level`` (areas with none left out), read from the rollups.

    Without a period the all-time rollup answers: one row per area in view. Whole months (a period from
    a first to a last day of a month) are read from the monthly rollup. Both already count each concern
    under every area above it, so the cost grows with the areas and months, never with the concerns.
    Other periods are summed from the daily rollup. Concerns without an area, or placed above the level,
    are not counted at that level.
    """
    rollups_drain()  # the intakes' pending deltas first: the numbers are exact
    theme_key = theme.pk if theme is not None else ALL_THEMES
    at_level = _areas_at_level(level, bbox)
    if since is None and until is None:
        # One row per area of any level for a theme and status: without a box each is checked against
        # its area (SQLite would otherwise look the level's areas up one by one: all 5000 districts);
        # with a box, the few areas in view are looked up in the key.
        in_view = (
            Q(area_key__in=at_level.values("pk"))
            if bbox is not None
            else Q(Exists(Area.objects.filter(pk=OuterRef("area_key"), depth=AREA_KIND_DEPTH[level])))
        )
        all_time = ConcernAreaRollup.objects.filter(in_view, theme_key=theme_key, status=status or ALL_STATUSES)
        return {area_key: count for area_key, count in all_time.values_list("area_key", "count") if count > 0}
    if is_whole_months(since, until):
        # Many rows per area (one per month): the areas of the level are looked up in the key.
        monthly = ConcernMonthRollup.objects.filter(
            theme_key=theme_key, status=status or ALL_STATUSES, area_key__in=at_level.values("pk")
        )
        if since is not None:
            monthly = monthly.filter(month__gte=since)
        if until is not None:
            monthly = monthly.filter(month__lte=until)
        return _totals(monthly.values("area_key").annotate(total=Sum("count")))
    daily = ConcernRollup.objects.filter(theme_key=theme_key, area_key__gt=0)
    if since is not None:
        daily = daily.filter(day__gte=since)
    if until is not None:
        daily = daily.filter(day__lte=until)
    if status:
        daily = daily.filter(status=status)
    totals = _at_level(_totals(daily.values("area_key").annotate(total=Sum("count"))), AREA_KIND_DEPTH[level])
    if bbox is not None:
        shown = set(at_level.values_list("pk", flat=True))
        totals = {key: value for key, value in totals.items() if key in shown}
    return {key: value for key, value in totals.items() if value > 0}


def public_area_totals(
    *,
    level: AreaKind = AreaKind.REGION,
    theme: Theme | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str = "",
    bbox: tuple[float, float, float, float] | None = None,
) -> dict[int, int]:
    """Concerns per area id of ``level`` as every public figure counts them (docs/data.md, "Public figures"):

    - periods are whole calendar months (``since`` a first, ``until`` a last day; ValueError otherwise),
      so no two answers differ by less than a month of concerns;
    - concerns whose visibility is public are counted wherever they are, as soon as they arrive;
    - restricted and confidential concerns are counted only at region level and above, only for every
      status together, only for months that are over, and only as whole groups
      (``protected_groups``): a group below PROTECTED_GROUP_AT_LEAST is left out of every figure, so
      that no total can exceed its visible parts by a hidden few.

    Read from the public-only rollups plus the month rollup's rows of regions and countries: the cost
    grows with areas and months, never with concerns.
    """
    rollups_drain()  # the intakes' pending deltas first: the numbers are exact
    if not is_whole_months(since, until):
        raise ValueError("public figures take whole months only")
    theme_key = theme.pk if theme is not None else ALL_THEMES
    at_level = _areas_at_level(level, bbox)
    if since is None and until is None:
        in_view = (
            Q(area_key__in=at_level.values("pk"))
            if bbox is not None
            else Q(Exists(Area.objects.filter(pk=OuterRef("area_key"), depth=AREA_KIND_DEPTH[level])))
        )
        all_time = ConcernPublicAreaRollup.objects.filter(in_view, theme_key=theme_key, status=status or ALL_STATUSES)
        totals: dict[int, int] = defaultdict(int, all_time.values_list("area_key", "count"))
    else:
        monthly = ConcernPublicMonthRollup.objects.filter(
            theme_key=theme_key, status=status or ALL_STATUSES, area_key__in=at_level.values("pk")
        )
        if since is not None:
            monthly = monthly.filter(month__gte=since)
        if until is not None:
            monthly = monthly.filter(month__lte=until)
        totals = defaultdict(int, _totals(monthly.values("area_key").annotate(total=Sum("count"))))
    depth = AREA_KIND_DEPTH[level]
    if not status and depth <= AREA_KIND_DEPTH[AreaKind.REGION]:
        groups = protected_groups(theme_keys=[theme_key], since=since, until=until)
        in_level = set(at_level.values_list("pk", flat=True))
        above = _release_areas_at(depth)
        for (_theme_key, _month, release_area), count in groups.items():
            target = above.get(release_area)
            if target in in_level:
                totals[target] += count
    return {key: value for key, value in totals.items() if value > 0}


def _release_areas_at(depth: int) -> dict[int, int]:
    """For each area a protected group can belong to (countries and regions), the area at ``depth``
    (country or region) whose figures count it; a country's own group has none at region level."""
    release = Area.objects.filter(depth__lte=AREA_KIND_DEPTH[AreaKind.REGION]).values_list("pk", "parent_id", "depth")
    return {
        pk: (pk if area_depth == depth else parent_id or 0)
        for pk, parent_id, area_depth in release
        if area_depth >= depth
    }


ProtectedGroupKey = tuple[int, date, int]  # theme key, month, release area (region, country or 0)


def protected_groups(
    *, theme_keys: list[int] | None, since: date | None = None, until: date | None = None
) -> dict[ProtectedGroupKey, int]:
    """Restricted and confidential concerns, all statuses together, per theme key, completed month and
    release area, keeping only groups of at least PROTECTED_GROUP_AT_LEAST.

    A release area is the concern's region (for a concern placed in a region or below), the country
    (for one placed on a country itself) or 0 (no area): each such concern is in exactly one group per
    theme key and month, and every public figure adds whole groups or none. ``theme_keys`` None means
    every theme key but ALL_THEMES (the dashboard's lines per theme). The current month is never
    counted: a figure read every day would otherwise date a newcomer to the day.
    """
    rollups_drain()  # the intakes' pending deltas first: the numbers are exact
    this_month = timezone.localdate().replace(day=1)
    release_areas = dict(
        Area.objects.filter(depth__lte=AREA_KIND_DEPTH[AreaKind.REGION]).values_list("pk", "parent_id")
    )
    keys = Q(area_key__in=[*release_areas, 0], status=ALL_STATUSES, month__lt=this_month)
    keys &= Q(theme_key__in=theme_keys) if theme_keys is not None else ~Q(theme_key=ALL_THEMES)
    if since is not None:
        keys &= Q(month__gte=since)
    if until is not None:
        keys &= Q(month__lte=until)
    protected: dict[ProtectedGroupKey, int] = defaultdict(int)
    for model, sign in ((ConcernMonthRollup, 1), (ConcernPublicMonthRollup, -1)):
        for theme_key, month, area_key, count in model.objects.filter(keys).values_list(
            "theme_key", "month", "area_key", "count"
        ):
            protected[(theme_key, month, area_key)] += sign * count
    # A country's row holds its regions' concerns too: its own group is what is left over.
    for (theme_key, month, area_key), count in list(protected.items()):
        country = release_areas.get(area_key)
        if country is not None and count:
            protected[(theme_key, month, country)] -= count
    return {key: count for key, count in protected.items() if count >= PROTECTED_GROUP_AT_LEAST}


def _areas_at_level(level: AreaKind, bbox: tuple[float, float, float, float] | None) -> QuerySet[Area]:
    at_level = Area.objects.filter(depth=AREA_KIND_DEPTH[level])
    if bbox is not None:
        west, south, east, north = bbox
        at_level = at_level.filter(longitude__gte=west, longitude__lte=east, latitude__gte=south, latitude__lte=north)
    return at_level.order_by()


def _totals(rows: Iterable[dict[str, Any]]) -> dict[int, int]:
    return {row["area_key"]: row["total"] for row in rows if row["total"]}


def is_whole_months(since: date | None, until: date | None) -> bool:
    """Whether a period starts on a first and ends on a last day of a month (open ends count as whole)."""
    # monthrange, not until + 1 day: the last day of December 9999 has no next day.
    return (since is None or since.day == 1) and (until is None or until.day == monthrange(until.year, until.month)[1])


def _at_level(per_area: dict[int, int], depth: int) -> dict[int, int]:
    """Counts of areas at any depth, added up for their ancestor at ``depth``."""
    paths = dict(Area.objects.filter(pk__in=list(per_area)).values_list("pk", "path"))
    totals: dict[int, int] = defaultdict(int)
    for area_id, total in per_area.items():
        chain = [int(part) for part in paths.get(area_id, "").split("/") if part] + [area_id]
        if len(chain) > depth:  # the area sits at or below the level: count it for its ancestor there
            totals[chain[depth]] += total
    return totals


# Published points are snapped to a grid of 0.01° (about 1 km) before they leave the server.
POINT_GRID_DEGREES = 0.01


@dataclass(frozen=True)
class PointCell:
    latitude: float
    longitude: float
    count: int


def published_point_cells(*, theme: Theme | None = None, status: str = "") -> list[PointCell]:
    """Published (public) concerns that carry a point, counted per grid cell; never one exact point."""
    concerns = public_concern_list(filters=PublicFilters(theme=theme, status=status)).exclude(latitude=None)
    cells: Counter[tuple[float, float]] = Counter()
    places = concerns.exclude(longitude=None).values_list("latitude", "longitude")
    for latitude, longitude in places.iterator(chunk_size=2000):
        if latitude is not None and longitude is not None:
            cells[(snap_to_grid(latitude), snap_to_grid(longitude))] += 1
    return [PointCell(latitude, longitude, count) for (latitude, longitude), count in sorted(cells.items())]


def snap_to_grid(value: float) -> float:
    """A coordinate moved to the 0.01° grid (about 1 km)."""
    return round(round(value / POINT_GRID_DEGREES) * POINT_GRID_DEGREES, 2)
