from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from ovoz.concerns.api import ApiError
from ovoz.concerns.models import Theme
from ovoz.insights.selectors import area_counts
from ovoz.places.choices import AreaKind

router = Router(tags=["statistics"])


class AreaStatsFilters(Schema):
    theme: str | None = Field(None, description="Theme slug.")
    since: date | None = Field(None, description="Concerns received on or after this day.")
    until: date | None = Field(None, description="Concerns received on or before this day.")
    status: Literal["received", "accepted", "prioritised", "in_action", "resolved", "closed"] | None = None
    level: Literal["country", "region", "district", "community"] = Field("region", description="Areas to count by.")


class AreaFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


@router.get("stats/areas", response=AreaFeatureCollection, summary="Concerns per area (GeoJSON)")
def stats_areas(request: HttpRequest, filters: Query[AreaStatsFilters]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one feature per area with concerns, its boundary or representative
    point as geometry, and ``count`` (concerns of every visibility; under 5 shown as "<5")."""
    theme = None
    if filters.theme:
        theme = Theme.objects.filter(slug=filters.theme).first() if "\x00" not in filters.theme else None
        if theme is None:
            raise ApiError(400, _("Unknown theme: %(themes)s.") % {"themes": filters.theme}, "unknown_theme")
    counts = area_counts(
        level=AreaKind(filters.level),
        theme=theme,
        since=filters.since,
        until=filters.until,
        status=filters.status or "",
    )
    features = []
    for item in counts:
        area = item.area
        geometry: dict[str, Any] | None = area.boundary
        if geometry is None and area.latitude is not None and area.longitude is not None:
            geometry = {"type": "Point", "coordinates": [area.longitude, area.latitude]}
        features.append(
            {
                "type": "Feature",
                "id": area.pk,
                "geometry": geometry,
                "properties": {
                    "id": area.pk,
                    "code": area.code,
                    "name": area.display_name,
                    "kind": area.kind,
                    "parent": area.parent_id,
                    "count": item.public_count,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
