"""Public numbers from the rollups (DESIGN §7): never a scan of the concerns, small counts suppressed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Sum

from ovoz.concerns.models import ConcernRollup, Theme
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
) -> list[AreaCount]:
    """Concerns per area of ``level`` (all visibilities counted), each area including everything inside it.

    Reads the rollups grouped by area; concerns without an area, or above the level, are not placed.
    """
    rows = ConcernRollup.objects.exclude(area_key=0)
    if theme is not None:
        rows = rows.filter(theme_key=theme.pk)
    if since is not None:
        rows = rows.filter(day__gte=since)
    if until is not None:
        rows = rows.filter(day__lte=until)
    if status:
        rows = rows.filter(status=status)
    per_area = {row["area_key"]: row["total"] for row in rows.values("area_key").annotate(total=Sum("count"))}
    if not per_area:
        return []
    depth = AREA_KIND_DEPTH[level]
    paths = dict(Area.objects.filter(pk__in=list(per_area)).values_list("pk", "path"))
    totals: dict[int, int] = defaultdict(int)
    for area_id, total in per_area.items():
        chain = [int(part) for part in paths.get(area_id, "").split("/") if part] + [area_id]
        if len(chain) > depth:  # the area sits at or below the level: count it for its ancestor there
            totals[chain[depth]] += total
    areas = Area.objects.filter(pk__in=list(totals)).select_related("parent")
    return sorted(
        (AreaCount(area, totals[area.pk]) for area in areas if totals[area.pk] > 0),
        key=lambda item: (-item.count, item.area.code or "", item.area.pk),
    )
