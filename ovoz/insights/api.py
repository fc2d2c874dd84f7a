import json
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from ovoz.concerns.api import ApiError
from ovoz.concerns.models import Theme
from ovoz.insights.selectors import (
    AreaSummary,
    area_summaries,
    area_totals,
    areas_version,
    public_count,
    published_point_cells,
)
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
def stats_areas(request: HttpRequest, filters: Query[AreaStatsFilters]) -> HttpResponse:
    """A GeoJSON FeatureCollection: one feature per area with concerns, its boundary or representative
    point as geometry, and ``count`` (concerns of every visibility; under 5 shown as "<5")."""
    theme = _theme(filters.theme)
    level = AreaKind(filters.level)
    totals = area_totals(
        level=level,
        theme=theme,
        since=filters.since,
        until=filters.until,
        status=filters.status or "",
        bbox=_bbox(filters.bbox),
    )
    heads = _feature_heads(level)
    # An area added since the heads were read is left out until the next request.
    shown = sorted((pk for pk in totals if pk in heads), key=lambda pk: (-totals[pk], heads[pk][0], pk))
    # Written out as text: the same bytes as the API's JSON renderer would give for the dictionaries
    # (a test compares), without building and validating every district's feature on every request.
    features = ", ".join(f"{heads[pk][1]}{_count_json(totals[pk])}}}}}" for pk in shown)
    return HttpResponse(
        '{"type": "FeatureCollection", "features": [' + features + "]}",
        content_type="application/json; charset=utf-8",
    )


def _feature_heads(level: AreaKind) -> dict[int, tuple[str, str]]:
    """For each area of ``level``, its code (for ordering) and its GeoJSON feature in the active language
    as JSON text up to the count: a map of every district spent most of its time reading and writing
    out the areas. Kept in this process while the areas' version stays the same; any process builds
    its own, so nothing is shared between processes."""
    language = get_language() or settings.LANGUAGE_CODE
    version = areas_version(level=level)
    kept = _FEATURE_HEADS.get((level, language))
    if kept is not None and kept[0] == version:
        return kept[1]
    heads = {area.pk: (area.code or "", _feature_head(area)) for area in area_summaries(level=level)}
    _FEATURE_HEADS[(level, language)] = (version, heads)
    return heads


# (level, language) -> (areas' version, feature heads): one entry per level and language at most.
_FEATURE_HEADS: dict[tuple[str, str], tuple[str, dict[int, tuple[str, str]]]] = {}


def _feature_head(area: AreaSummary) -> str:
    geometry: dict[str, Any] | None = area.boundary
    if geometry is None and area.latitude is not None and area.longitude is not None:
        geometry = {"type": "Point", "coordinates": [area.longitude, area.latitude]}
    feature = {
        "type": "Feature",
        "id": area.pk,
        "geometry": geometry,
        "properties": {
            "id": area.pk,
            "code": area.code,
            "name": area.name,
            "kind": area.kind,
            "parent": area.parent_id,
            "count": None,
        },
    }
    text = _json_value(feature)
    tail = "null}}"
    assert text.endswith(tail)  # noqa: S101 (the count is the last property)
    return text[: -len(tail)]


def _count_json(count: int) -> str:
    value = public_count(count)
    return str(value) if isinstance(value, int) else f'"{value}"'  # "<5": nothing to escape


def _json_value(value: Any) -> str:
    return json.dumps(value, cls=NinjaJSONEncoder)


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
