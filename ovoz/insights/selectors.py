"""Public numbers from the rollups (DESIGN §7): never a scan of the concerns, small counts suppressed."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Sum

from ovoz.concerns.models import ALL_STATUSES, ALL_THEMES, ConcernMonthRollup, ConcernRollup, Theme
from ovoz.concerns.selectors import PublicFilters, public_concern_list
from ovoz.places.choices import AREA_KIND_DEPTH, AreaKind
from ovoz.places.models import Area

# Counts under this are shown as "<5" in public (DESIGN §3): a small number can point at a person.
SUPPRESS_BELOW = 5


@dataclass(frozen=True)
class AreaCount:
    area: Area
    count: int

    @property
    def public_count(self) -> int | str:
        return self.count if self.count >= SUPPRESS_BELOW else f"<{SUPPRESS_BELOW}"


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

    Whole months (no dates, or a period from a first to a last day of a month) are read from the
    monthly rollup, which already counts each concern under every area above it: a few rows per
    area, however many concerns. Other periods are summed from the daily rollup. Concerns without an
    area, or placed above the level, are not counted at that level.
    """
    theme_key = theme.pk if theme is not None else ALL_THEMES
    depth = AREA_KIND_DEPTH[level]
    at_level = Area.objects.filter(depth=depth)
    if bbox is not None:
        west, south, east, north = bbox
        at_level = at_level.filter(longitude__gte=west, longitude__lte=east, latitude__gte=south, latitude__lte=north)
    if is_whole_months(since, until):
        monthly = ConcernMonthRollup.objects.filter(
            theme_key=theme_key, status=status or ALL_STATUSES, area_key__in=at_level.values("pk")
        )
        if since is not None:
            monthly = monthly.filter(month__gte=since)
        if until is not None:
            monthly = monthly.filter(month__lte=until)
        totals = _totals(monthly.values("area_key").annotate(total=Sum("count")))
    else:
        daily = ConcernRollup.objects.filter(theme_key=theme_key, area_key__gt=0)
        if since is not None:
            daily = daily.filter(day__gte=since)
        if until is not None:
            daily = daily.filter(day__lte=until)
        if status:
            daily = daily.filter(status=status)
        totals = _at_level(_totals(daily.values("area_key").annotate(total=Sum("count"))), depth)
        if bbox is not None:
            in_view = set(at_level.values_list("pk", flat=True))
            totals = {key: value for key, value in totals.items() if key in in_view}
    areas = Area.objects.filter(pk__in=list(totals)).select_related("parent")
    return sorted(
        (AreaCount(area, totals[area.pk]) for area in areas if totals[area.pk] > 0),
        key=lambda item: (-item.count, item.area.code or "", item.area.pk),
    )


def _totals(rows: Iterable[dict[str, Any]]) -> dict[int, int]:
    return {row["area_key"]: row["total"] for row in rows if row["total"]}


def is_whole_months(since: date | None, until: date | None) -> bool:
    """Whether a period starts on a first and ends on a last day of a month (open ends count as whole)."""
    return (since is None or since.day == 1) and (until is None or (until + timedelta(days=1)).day == 1)


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
