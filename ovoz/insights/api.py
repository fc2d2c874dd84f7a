import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from ovoz.concerns.models import Theme
from ovoz.core.api_schemas import ApiError
from ovoz.core.translated import pick
from ovoz.insights.selectors import (
    AreaSummary,
    area_summaries,
    areas_version,
    is_whole_months,
    public_area_totals,
    public_count,
    public_rank,
    published_point_cells,
)
from ovoz.places.choices import AreaKind

router = Router(tags=["statistics"])


class AreaStatsFilters(Schema):
    theme: str | None = Field(None, description="Theme slug.")
    since: date | None = Field(
        None,
        description="Concerns received from this day on: the first day of a month (public figures are whole months).",
    )
    until: date | None = Field(
        None, description="Concerns received up to this day: the last day of a month (public figures are whole months)."
    )
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
    point as geometry, and ``count`` (under 5 shown as "<5"). Periods are whole months; restricted and
    confidential concerns are counted only as docs/data.md ("Public figures") says."""
    theme = _theme(filters.theme)
    level = AreaKind(filters.level)
    if not is_whole_months(filters.since, filters.until):
        raise ApiError(
            400,
            _("Public figures cover whole months: since must be the first day of a month, until the last."),
            "whole_months_only",
        )
    totals = public_area_totals(
        level=level,
        theme=theme,
        since=filters.since,
        until=filters.until,
        status=filters.status or "",
        bbox=_bbox(filters.bbox),
    )
    features = _level_features(level)
    names = features.names_in(get_language() or settings.LANGUAGE_CODE)
    parts = features.parts
    # An area added since the parts were read is left out until the next request.
    shown = sorted((pk for pk in totals if pk in parts), key=lambda pk: (-public_rank(totals[pk]), parts[pk][0], pk))
    # Written out as text: the same bytes as the API's JSON renderer would give for the dictionaries
    # (a test compares), without building and validating every district's feature on every request.
    body = ", ".join(f"{parts[pk][1]}{names[pk]}{parts[pk][2]}{_count_json(totals[pk])}}}}}" for pk in shown)
    return HttpResponse(
        '{"type": "FeatureCollection", "features": [' + body + "]}", content_type="application/json; charset=utf-8"
    )


@dataclass
class _LevelFeatures:
    """The GeoJSON features of a level's areas as JSON text, but for the name and the count: a map of
    every district spent most of its time reading and writing out the areas. Kept in this process
    while the areas' version stays the same (each process builds its own: nothing is shared)."""

    version: str
    # Area id -> (code, for ordering; the feature up to its name; from after the name up to the count).
    parts: dict[int, tuple[str, str, str]]
    # Area id -> (names by language, source name).
    name_sources: dict[int, tuple[dict[str, str], str]]
    # Language -> area id -> name as JSON text: names are small, geometries are not, so a boundary is
    # kept once whatever the number of languages.
    names: dict[str, dict[int, str]] = field(default_factory=dict)

    def names_in(self, language: str) -> dict[int, str]:
        if language not in self.names:
            self.names[language] = {
                pk: _json_value(pick(names, language, default=name)) for pk, (names, name) in self.name_sources.items()
            }
        return self.names[language]


_LEVEL_FEATURES: dict[str, _LevelFeatures] = {}


def _level_features(level: AreaKind) -> _LevelFeatures:
    version = areas_version(level=level)
    kept = _LEVEL_FEATURES.get(level)
    if kept is not None and kept.version == version:
        return kept
    areas = area_summaries(level=level)
    kept = _LevelFeatures(
        version=version,
        parts={area.pk: _feature_parts(area) for area in areas},
        name_sources={area.pk: (area.names, area.name) for area in areas},
    )
    _LEVEL_FEATURES[level] = kept
    return kept


def _feature_parts(area: AreaSummary) -> tuple[str, str, str]:
    geometry: dict[str, Any] | None = area.boundary
    if geometry is None and area.latitude is not None and area.longitude is not None:
        geometry = {"type": "Point", "coordinates": [area.longitude, area.latitude]}
    # The keys in the order a dictionary {"type", "id", "geometry", "properties": {"id", "code", "name",
    # "kind", "parent", "count"}} is written, with json.dumps's default separators.
    before_name = (
        f'{{"type": "Feature", "id": {area.pk}, "geometry": {_json_value(geometry)}, '
        f'"properties": {{"id": {area.pk}, "code": {_json_value(area.code)}, "name": '
    )
    after_name = f', "kind": {_json_value(area.kind)}, "parent": {_json_value(area.parent_id)}, "count": '
    return area.code or "", before_name, after_name


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
