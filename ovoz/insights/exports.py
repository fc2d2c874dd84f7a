"""Open data: published concerns and counts per area as CSV (optionally with HXL hashtags), GeoJSON and
XLSX. The columns are described in docs/data.md; change both together.

Public exports hold only what is public already: the redacted text of published concerns, their day,
area, themes and status, a point snapped to the 1 km grid, and counts per area as every public figure
counts them (restricted and confidential concerns only in whole groups, small counts shown as "<5").
Staff exports of restricted concerns are separate (``staff_concern_rows``), need a permission, and are
audited by the view.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ovoz.concerns.choices import Visibility
from ovoz.concerns.models import Concern
from ovoz.concerns.selectors import PublicFilters, public_concern_list
from ovoz.insights.selectors import public_area_counts, snap_to_grid
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area

XLSX_MAX_ROWS = 200_000  # an XLSX is built whole; beyond this, use CSV or GeoJSON


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str


CONCERN_COLUMNS = [
    Column("id", "#id"),
    Column("day", "#date+reported"),
    Column("published", "#date+published"),
    Column("country", "#country+code"),
    Column("region_code", "#adm1+code"),
    Column("region", "#adm1+name"),
    Column("area_code", "#loc+code"),
    Column("area", "#loc+name"),
    Column("themes", "#sector"),
    Column("status", "#status"),
    Column("supporters", "#affected+supporters"),
    Column("latitude", "#geo+lat"),
    Column("longitude", "#geo+lon"),
    Column("text", "#description"),
]
AREA_COLUMNS = [
    Column("area_code", "#adm+code"),
    Column("area", "#adm+name"),
    Column("level", "#adm+level"),
    Column("parent", "#adm+parent+name"),
    Column("concerns", "#affected+concerns"),
]


def area_code(area: Area) -> str:
    """The area's own code (ISO 3166-2, or from the imported file), else ``ovoz-<id>``: its number in this
    deployment, as the API and the map name it. Districts made by hand or imported without codes have none."""
    return area.code or f"ovoz-{area.pk}"


def published_concerns(*, filters: PublicFilters | None = None) -> QuerySet[Concern]:
    return public_concern_list(filters=filters).select_related("area__parent__parent").order_by("pk")


def concern_rows(concerns: QuerySet[Concern]) -> Iterator[dict[str, Any]]:
    """One row per published concern: public fields only, the point snapped to the grid."""
    for concern in concerns.iterator(chunk_size=2000):
        chain = _ancestors(concern)
        country = next((area for area in chain if area.kind == AreaKind.COUNTRY), None)
        region = next((area for area in chain if area.kind == AreaKind.REGION), None)
        yield {
            "id": concern.pk,
            "day": timezone.localdate(concern.created_at).isoformat(),
            "published": timezone.localdate(concern.published_at).isoformat() if concern.published_at else "",
            "country": country.code if country else "",
            "region_code": region.code or "" if region else "",
            "region": region.name if region else "",
            "area_code": area_code(concern.area) if concern.area else "",
            "area": concern.area.name if concern.area else "",
            "themes": " ".join(theme.slug for theme in concern.themes.all()),
            "status": concern.status,
            "supporters": concern.support_count,
            "latitude": snap_to_grid(concern.latitude) if concern.latitude is not None else "",
            "longitude": snap_to_grid(concern.longitude) if concern.longitude is not None else "",
            "text": concern.public_text,
        }


def area_rows(*, level: AreaKind) -> list[dict[str, Any]]:
    """Counts per area of ``level`` as every public figure counts them (``public_area_totals``), under 5
    as "<5"."""
    return [
        {
            "area_code": area_code(item.area),
            "area": item.area.name,
            "level": item.area.kind,
            "parent": item.area.parent.name if item.area.parent else "",
            "concerns": item.public_count,
            "_area": item.area,
        }
        for item in public_area_counts(level=level)
    ]


# --- Formats -----------------------------------------------------------------------------------

# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), =WEBSERVICE(...), @SUM(...)|cmd...): "CSV injection".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell that no spreadsheet runs: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(columns: list[Column], rows: Iterable[dict[str, Any]], *, with_hxl: bool) -> Iterator[str]:
    """CSV text line by line (for streaming), with an HXL hashtag row under the header if asked."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([spreadsheet_text(value) for value in values])
        return buffer.getvalue()

    yield line([column.name for column in columns])
    if with_hxl:
        yield line([column.hxl for column in columns])
    for row in rows:
        yield line([row[column.name] for column in columns])


def with_byte_order_mark(lines: Iterable[str]) -> Iterator[str]:
    """``lines`` after a UTF-8 byte order mark, which tells Excel the file's encoding."""
    yield "\ufeff"
    yield from lines


def geojson_chunks(columns: list[Column], rows: Iterable[dict[str, Any]], *, geometry_of: Any) -> Iterator[str]:
    """A GeoJSON FeatureCollection, streamed feature by feature."""
    yield '{"type": "FeatureCollection", "license": ' + json.dumps(settings.OVOZ_DATA_LICENCE) + ', "features": ['
    separator = ""
    for row in rows:
        feature = {
            "type": "Feature",
            "geometry": geometry_of(row),
            "properties": {column.name: row[column.name] for column in columns},
        }
        yield separator + json.dumps(feature, ensure_ascii=False)
        separator = ", "
    yield "]}"


def xlsx_bytes(columns: list[Column], rows: Iterable[dict[str, Any]], *, sheet: str) -> bytes:
    """An XLSX workbook with the rows and a second sheet naming the licence and the source."""
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet)

    def cell(value: Any) -> Any:
        # openpyxl stores text starting with "=" as a formula; every text is stored as text.
        if not isinstance(value, str) or not value.startswith("="):
            return value
        text = WriteOnlyCell(data, value=value)
        text.data_type = "s"
        return text

    data.append([column.name for column in columns])
    for count, row in enumerate(rows):
        if count >= XLSX_MAX_ROWS:
            break
        data.append([cell(row[column.name]) for column in columns])
    about = workbook.create_sheet("about")
    about.append(["source", settings.OVOZ_PUBLIC_URL + "/"])
    about.append(["licence", settings.OVOZ_DATA_LICENCE])
    about.append(["exported", timezone.now().isoformat(timespec="seconds")])
    about.append(["dictionary", settings.OVOZ_PUBLIC_URL + reverse("data_dictionary")])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def concern_geometry(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["latitude"] == "" or row["longitude"] == "":
        return None
    return {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]}


def area_geometry(row: dict[str, Any]) -> dict[str, Any] | None:
    area = row["_area"]
    if area.boundary:
        return dict(area.boundary)
    if area.latitude is not None and area.longitude is not None:
        return {"type": "Point", "coordinates": [area.longitude, area.latitude]}
    return None


# --- Staff -------------------------------------------------------------------------------------

STAFF_CONCERN_COLUMNS = [
    Column("id", "#id"),
    Column("day", "#date+reported"),
    Column("area_code", "#loc+code"),
    Column("area", "#loc+name"),
    Column("themes", "#sector"),
    Column("visibility", "#meta+visibility"),
    Column("channel", "#meta+channel"),
    Column("status", "#status"),
    Column("language", "#meta+lang"),
    Column("text", "#description"),
]


def staff_concern_rows(concerns: QuerySet[Concern]) -> Iterator[dict[str, Any]]:
    """Concerns a staff user may act on, original text included; never a contact, never confidential text."""
    for concern in concerns.prefetch_related("themes").select_related("area").iterator(chunk_size=2000):
        yield {
            "id": concern.pk,
            "day": timezone.localdate(concern.created_at).isoformat(),
            "area_code": area_code(concern.area) if concern.area else "",
            "area": concern.area.name if concern.area else "",
            "themes": " ".join(theme.slug for theme in concern.themes.all()),
            "visibility": concern.visibility,
            "channel": concern.channel,
            "status": concern.status,
            "language": concern.language,
            "text": "" if concern.visibility == Visibility.CONFIDENTIAL else concern.text,
        }


def _ancestors(concern: Concern) -> list[Any]:
    chain = []
    area = concern.area
    while area is not None:
        chain.append(area)
        area = area.parent
    return chain
