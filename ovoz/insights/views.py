"""The public map and the dashboards (counts from the rollups, as pictures with tables and CSV beside
them), and accepting a theme suggestion in triage."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import can_export_restricted, staff_user
from ovoz.concerns.choices import Visibility
from ovoz.concerns.models import Theme
from ovoz.concerns.permissions import can_act_on, can_read_channels_in_own_areas
from ovoz.concerns.selectors import staff_concern_get, staff_concern_list
from ovoz.core.collation import sorted_by_name
from ovoz.core.errors import DomainError
from ovoz.core.events import AuditAction
from ovoz.core.scoping import access_denied_record
from ovoz.core.services import audit_record
from ovoz.insights import basemap, exports, suggestions
from ovoz.insights.charts import bar_chart, line_chart
from ovoz.insights.dashboard import Dashboard, public_dashboard, staff_dashboard
from ovoz.insights.dictionary import dictionary_html
from ovoz.insights.forms import MapFilterForm
from ovoz.insights.selectors import SUPPRESS_BELOW, public_area_counts
from ovoz.insights.suggestions import SuggestionError
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.selectors import area_label_points, areas_with_boundaries


@dataclass(frozen=True)
class MapRow:
    name: str
    parent: str
    count: int | str
    region_id: int | None


def map_view(request: HttpRequest) -> HttpResponse:
    """Where concerns gather, as every public figure counts them (``public_area_totals``): whole months,
    small counts shown as "<5", nothing individual."""
    form = MapFilterForm(request.GET or None)
    theme, status, level, since = None, "", AreaKind.REGION, None
    if form.is_valid():
        theme = form.cleaned_data.get("theme")
        status = form.cleaned_data.get("status") or ""
        level = AreaKind(form.cleaned_data.get("level") or AreaKind.REGION)
        since = form.since()
    counts = public_area_counts(level=level, theme=theme, since=since, status=status)
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
        rows = sorted_by_name(rows, name=lambda row: row.name, language=language)
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
            "basemap_url": static("vendor/natural-earth-4.1.0/central-asia.json"),
            "outlines_url": "/api/v1/areas/outlines?kind=region" if areas_with_boundaries(kind=AreaKind.REGION) else "",
            "map_texts": _map_texts(language),
        },
    )


def _map_texts(language: str) -> dict[str, Any]:
    """What the map writes, in the page's language: place names and Leaflet's own controls."""
    west, south, east, north = basemap.BOUNDS
    return {
        "bounds": [[south, west], [north, east]],
        "countries": basemap.country_names(language),
        "regions": [
            [point.name, point.latitude, point.longitude]
            for point in area_label_points(kind=AreaKind.REGION, language=language)
        ],
        "zoomIn": _("Zoom in"),
        "zoomOut": _("Zoom out"),
        # Translators: the title of the link to Leaflet in the map's corner.
        "leaflet": _("Leaflet, a JavaScript library for interactive maps"),
        # Translators: the source of the country borders, in the map's corner.
        "borders": _("Borders: Natural Earth"),
    }


# --- Dashboards --------------------------------------------------------------------------------

CSV_CHARTS = ("themes", "areas", "steps", "promises", "channels")


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The public dashboard: trends by theme, busiest areas, days per step; each chart also as a table and CSV."""
    return _dashboard_page(request, public_dashboard(), base_template="base.html", csv_base="")


def dashboard_csv_view(request: HttpRequest, chart: str) -> HttpResponse:
    return _dashboard_csv(public_dashboard(), chart)


@staff_required
def staff_dashboard_view(request: HttpRequest) -> HttpResponse:
    """The same for staff, exact, limited to the areas of their groups, with a view per channel."""
    dashboard = staff_dashboard(
        areas=_staff_areas(request), with_channels=can_read_channels_in_own_areas(staff_user(request))
    )
    return _dashboard_page(request, dashboard, base_template="staff/base.html", csv_base="")


@staff_required
def staff_dashboard_csv_view(request: HttpRequest, chart: str) -> HttpResponse:
    user = staff_user(request)
    audit_record(action=AuditAction.DATA_EXPORTED, actor=user, data={"export": f"dashboard/{chart}"})
    return _dashboard_csv(
        staff_dashboard(areas=_staff_areas(request), with_channels=can_read_channels_in_own_areas(staff_user(request))),
        chart,
    )


def _staff_dashboard(request: HttpRequest) -> Dashboard:
    user = staff_user(request)
    return staff_dashboard(areas=_staff_areas(request), with_channels=can_read_channels_in_own_areas(user))


def _staff_areas(request: HttpRequest) -> list[Area] | None:
    user = staff_user(request)
    if user.role:  # administrators and coordinators see the whole deployment
        return None
    return [grant.working_group.area for grant in user.grants.select_related("working_group__area")]


def _dashboard_page(request: HttpRequest, dashboard: Dashboard, *, base_template: str, csv_base: str) -> HttpResponse:
    suppress = 0 if dashboard.is_exact else SUPPRESS_BELOW
    rows = [
        {"label": line.label, "values": [_shown(value, suppress) for value in line.values]}
        for line in dashboard.by_theme
    ]
    return render(
        request,
        "insights/dashboard.html",
        {
            "base_template": base_template,
            "dashboard": dashboard,
            "theme_rows": rows,
            "theme_chart": line_chart(dashboard.months, dashboard.by_theme, suppress_below=suppress),
            "channel_chart": line_chart(dashboard.months, dashboard.by_channel),
            "area_chart": bar_chart(dashboard.top_areas),
            "step_chart": bar_chart(dashboard.steps),
            "csv_base": csv_base,
            "promise_tables": [
                (dashboard.by_group, _("Public actions per working group")),
                (dashboard.by_institution, _("Public actions per institution")),
            ],
        },
    )


def _shown(value: int, suppress_below: int) -> str:
    return str(value) if value >= suppress_below else f"<{suppress_below}"


def _dashboard_csv(dashboard: Dashboard, chart: str) -> HttpResponse:
    if chart not in CSV_CHARTS or (chart == "channels" and not dashboard.has_channels):
        raise Http404
    suppress = 0 if dashboard.is_exact else SUPPRESS_BELOW
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ovoz-{chart}.csv"'
    writer = SpreadsheetSafeWriter(response)
    if chart in ("themes", "channels"):
        writer.writerow(["month", "theme" if chart == "themes" else "channel", "concerns"])
        for line in dashboard.by_theme if chart == "themes" else dashboard.by_channel:
            for month, value in zip(dashboard.months, line.values, strict=True):
                writer.writerow([month.strftime("%Y-%m"), line.label, _shown(value, suppress)])
    elif chart == "promises":
        writer.writerow(["kind", "name", "done_on_time", "done_late", "overdue", "open"])
        for kind, records in (("group", dashboard.by_group), ("institution", dashboard.by_institution)):
            writer.writerows(
                [kind, record.name, record.done_on_time, record.done_late, record.overdue, record.open]
                for record in records
            )
    elif chart == "areas":
        writer.writerow(["area", "concerns"])
        writer.writerows([bar.label, bar.display] for bar in dashboard.top_areas)
    else:
        writer.writerow(["step", "median_days"])
        writer.writerows([bar.label, bar.value if bar.display != "–" else ""] for bar in dashboard.steps)
    return response


class SpreadsheetSafeWriter:
    """``csv.writer`` whose text cells never start like a formula (``exports.spreadsheet_text``)."""

    def __init__(self, response: HttpResponse) -> None:
        self.writer = csv.writer(response)

    def writerow(self, row: Iterable[Any]) -> None:
        self.writer.writerow([exports.spreadsheet_text(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


# --- Open data ---------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "geojson", "xlsx")


def data_view(request: HttpRequest) -> HttpResponse:
    """What can be downloaded, under which licence, and where the columns are described."""
    return render(request, "insights/data.html", {"licence": settings.OVOZ_DATA_LICENCE, "formats": EXPORT_FORMATS})


def data_dictionary_view(request: HttpRequest) -> HttpResponse:
    """The data dictionary (docs/data.md), in English as it is written."""
    return render(request, "insights/dictionary.html", {"dictionary": dictionary_html()})


def export_concerns_view(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """Published concerns: redacted text, day, area, themes, status, a point on the 1 km grid."""
    rows = exports.concern_rows(exports.published_concerns())
    return _export(request, fmt, "concerns", exports.CONCERN_COLUMNS, rows, exports.concern_geometry)


def export_areas_view(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """Concerns per region (or ``?level=district``) as every public figure counts them, under 5 as "<5"."""
    level = AreaKind.DISTRICT if request.GET.get("level") == AreaKind.DISTRICT else AreaKind.REGION
    rows = exports.area_rows(level=level)
    return _export(request, fmt, f"{level}s", exports.AREA_COLUMNS, rows, exports.area_geometry)


@staff_required(permission=can_export_restricted)
def staff_export_concerns_view(request: HttpRequest) -> HttpResponseBase:
    """Public and restricted concerns with their original text, for coordinators; never contacts or
    confidential text. Every export is in the audit log."""
    user = staff_user(request)
    concerns = staff_concern_list(user=user).exclude(visibility=Visibility.CONFIDENTIAL).order_by("pk")
    audit_record(action=AuditAction.DATA_EXPORTED, actor=user, data={"export": "concerns", "rows": concerns.count()})
    lines = exports.csv_lines(exports.STAFF_CONCERN_COLUMNS, exports.staff_concern_rows(concerns), with_hxl=False)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="ovoz-concerns-restricted.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _export(
    request: HttpRequest,
    fmt: str,
    name: str,
    columns: list[exports.Column],
    rows: Iterable[dict[str, Any]],
    geometry_of: Callable[[dict[str, Any]], dict[str, Any] | None],
) -> HttpResponseBase:
    response: HttpResponseBase
    if fmt == "csv":
        with_hxl = request.GET.get("hxl") == "1"
        lines = exports.csv_lines(columns, rows, with_hxl=with_hxl)
        if request.GET.get("excel") == "1":
            # Excel on Windows reads a CSV without a byte order mark in the system's code page (mojibake).
            lines = exports.with_byte_order_mark(lines)
            name += "-excel"
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    elif fmt == "geojson":
        response = StreamingHttpResponse(
            exports.geojson_chunks(columns, rows, geometry_of=geometry_of), content_type="application/geo+json"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(columns, rows, sheet=name),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="ovoz-{name}.{fmt}"'
    return response


@staff_required
@require_POST
def staff_suggestion_accept_view(request: HttpRequest, concern_id: int) -> HttpResponse:
    """One click in triage: add a suggested theme to the concern (through the triage service)."""
    user = staff_user(request)
    concern = staff_concern_get(user=user, concern_id=concern_id)
    if not can_act_on(user, concern):
        access_denied_record(request, target=concern)
        return render(request, "staff/forbidden.html", status=403)
    theme_id = request.POST.get("theme", "")
    theme = Theme.objects.filter(pk=int(theme_id)).first() if theme_id.isdigit() else None
    try:
        if theme is None:
            raise SuggestionError(_("Choose one of the suggested themes."), code="theme_required")
        suggestions.theme_suggestion_accept(actor=user, concern=concern, theme=theme)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Theme added: %(theme)s.") % {"theme": theme.label})
    return redirect("staff:concern", concern_id=concern.pk)
