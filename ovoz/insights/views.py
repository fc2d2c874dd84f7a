"""The public map: counts per area from the rollups, as a map with JavaScript and a table without."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from ovoz.insights.forms import MapFilterForm
from ovoz.insights.selectors import area_counts
from ovoz.places.choices import AreaKind


@dataclass(frozen=True)
class MapRow:
    name: str
    parent: str
    count: int | str
    region_id: int | None


def map_view(request: HttpRequest) -> HttpResponse:
    """Where concerns gather: every visibility counted, small counts shown as "<5", nothing individual."""
    form = MapFilterForm(request.GET or None)
    theme, status, level, since = None, "", AreaKind.REGION, None
    if form.is_valid():
        theme = form.cleaned_data.get("theme")
        status = form.cleaned_data.get("status") or ""
        level = AreaKind(form.cleaned_data.get("level") or AreaKind.REGION)
        since = form.since()
    counts = area_counts(level=level, theme=theme, since=since, status=status)
    language = get_language() or settings.LANGUAGE_CODE
    rows = [
        MapRow(
            name=item.area.name_in(language),
            parent=item.area.parent.name_in(language) if item.area.parent else "",
            count=item.public_count,
            region_id=item.area.pk if level == AreaKind.REGION else item.area.parent_id,
        )
        for item in counts
    ]
    sort = request.GET.get("sort", "count")
    if sort == "name":
        rows.sort(key=lambda row: row.name.casefold())
    # Filters for the map's data and the sort links, without the level (the map picks it by zoom).
    stats_query = {
        key: value
        for key, value in {
            "theme": theme.slug if theme else "",
            "status": status,
            "since": since.isoformat() if since else "",
        }.items()
        if value
    }
    page_query = {key: value for key, value in request.GET.items() if key in form.fields}
    return render(
        request,
        "insights/map.html",
        {
            "form": form,
            "rows": rows,
            "level": level,
            "sort": sort,
            "stats_url": "/api/v1/stats/areas?" + urlencode(stats_query),
            "points_url": "/api/v1/stats/points?"
            + urlencode({key: value for key, value in stats_query.items() if key != "since"}),
            "sort_by_name": "?" + urlencode({**page_query, "sort": "name"}),
            "sort_by_count": "?" + urlencode({**page_query, "sort": "count"}),
            "tile_url": settings.OVOZ_MAP_TILE_URL,
            "tile_attribution": settings.OVOZ_MAP_TILE_ATTRIBUTION,
        },
    )
