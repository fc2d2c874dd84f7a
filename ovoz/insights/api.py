from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from ovoz.concerns.api import ApiError
from ovoz.concerns.models import Theme
from ovoz.insights.selectors import area_counts, published_point_cells
from ovoz.places.choices import AreaKind

router = Router(tags=["statistics"])


class AreaStatsFilters(Schema):
    theme: str | None = Field(None, description="Theme slug.")
    since: date | None = Field(None, description="Concerns received on or after this day.")
    until: date | None = Field(None, description="Concerns received on or before this day.")
    status: Literal["received", "accepted", "prioritised", "in_action", "resolved", "closed"] | None = None
    level: Literal["country", "region", "district", "community"] = Field("region", description="Areas to count by.")
    bbox: str | None = Field(
        None,
        description="west,south,east,north in degrees: only areas whose representative point is inside "
        "(what a map shows when zoomed in).",
    )


class AreaFeatureCollection(Schema):
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


@router.get("stats/areas", response=AreaFeatureCollection, summary="Concerns per area (GeoJSON)")
def stats_areas(request: HttpRequest, filters: Query[AreaStatsFilters]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one feature per area with concerns, its boundary or representative
    point as geometry, and ``count`` (concerns of every visibility; under 5 shown as "<5")."""
    theme = _theme(filters.theme)
    counts = area_counts(
        level=AreaKind(filters.level),
        theme=theme,
        since=filters.since,
        until=filters.until,
        status=filters.status or "",
        bbox=_bbox(filters.bbox),
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


class PointFilters(Schema):
    theme: str | None = Field(None, description="Theme slug.")
    status: Literal["received", "accepted", "prioritised", "in_action", "resolved", "closed"] | None = None


@router.get("stats/points", response=AreaFeatureCollection, summary="Published concerns per 1 km cell (GeoJSON)")
def stats_points(request: HttpRequest, filters: Query[PointFilters]) -> dict[str, Any]:
    """Published concerns that carry a place, counted per cell of a 0.01° grid (about 1 km): a point is
    the cell's centre, never where a concern was reported. Restricted and confidential concerns never
    appear here."""
    theme = _theme(filters.theme)
    cells = published_point_cells(theme=theme, status=filters.status or "")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [cell.longitude, cell.latitude]},
                "properties": {"count": cell.count},
            }
            for cell in cells
        ],
    }


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        west = south = east = north = float("nan")
    is_valid = -180 <= west <= east <= 180 and -90 <= south <= north <= 90  # NaN fails every comparison
    if not is_valid:
        raise ApiError(400, _("bbox must be west,south,east,north in degrees, west before east."), "invalid_bbox")
    return west, south, east, north


def _theme(slug: str | None) -> Theme | None:
    if not slug:
        return None
    theme = Theme.objects.filter(slug=slug).first() if "\x00" not in slug else None
    if theme is None:
        raise ApiError(400, _("Unknown theme: %(themes)s.") % {"themes": slug}, "unknown_theme")
    return theme
