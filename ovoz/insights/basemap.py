"""The map's basemap: country borders around Central Asia, built once from Natural Earth and shipped with Ovoz.

A tile server would learn the address of every visitor of the map, so by default the map draws no
tiles: it draws these borders instead. The shipped file is made by this module from the TopoJSON of
the npm package ``world-atlas`` 2.0.2 (Natural Earth 4.1.0, public domain), reproducibly::

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m ovoz.insights.basemap package/countries-50m.json

Each shared border is simplified once, as a TopoJSON arc, so neighbours keep the same line; then the
countries are cut to the region's box and their coordinates rounded to 0.01° (about 1 km). The file
is a GeoJSON FeatureCollection: one feature per country with its ISO 3166-1 alpha-2 code as ``id``
and a ``label`` point (``[longitude, latitude]``) inside its part of the box.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from shapely.geometry import LineString, MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

# west, south, east, north in degrees: the five countries and what lies next to them on the map.
BOUNDS = (44.0, 29.0, 96.0, 57.0)
BASEMAP_FILE = Path(__file__).resolve().parents[1] / "static" / "vendor" / "natural-earth-4.1.0" / "central-asia.json"
TOLERANCE = 0.02  # degrees dropped by Douglas–Peucker: the map is read at zoom 4 to 8
DECIMALS = 2
SMALLEST_PART = 0.001  # square degrees: islets and slivers of the cut smaller than this are left out
# Natural Earth's numbers for places that are not in ISO 3166-1's numeric list.
NUMERIC_CODES = {"-99": ""}

Point = tuple[float, float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The arcs of a quantized TopoJSON topology as longitude/latitude lists."""
    scale_x, scale_y = topology["transform"]["scale"]
    translate_x, translate_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for delta_x, delta_y in arc:
            x += delta_x
            y += delta_y
            points.append((x * scale_x + translate_x, y * scale_y + translate_y))
        arcs.append(points)
    return arcs


def simplify_arc(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker on one arc; its two ends stay, so the arc still meets its neighbours."""
    if len(points) <= 2:
        return points
    simplified = LineString(points).simplify(tolerance, preserve_topology=False)
    coordinates = [(x, y) for x, y in simplified.coords]
    if points[0] == points[-1] and len(coordinates) < 4:
        return points  # a small closed ring (an islet) would collapse: keep it whole, the cut drops it
    return coordinates


def ring(arc_indexes: Sequence[int], arcs: list[list[Point]]) -> list[Point]:
    points: list[Point] = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def country_shape(geometry: dict[str, Any], arcs: list[list[Point]]) -> BaseGeometry | None:
    polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry.get("arcs", [])
    if geometry["type"] not in ("Polygon", "MultiPolygon"):
        return None
    shapes = []
    for rings in polygons:
        outer, *holes = (ring(indexes, arcs) for indexes in rings)
        if len(outer) >= 4:
            shapes.append(Polygon(outer, [hole for hole in holes if len(hole) >= 4]).buffer(0))
    return MultiPolygon([part for shape in shapes for part in getattr(shape, "geoms", [shape])]) if shapes else None


def _rounded(geometry: BaseGeometry) -> dict[str, Any] | None:
    def rounded_ring(coordinates: Any) -> list[list[float]]:
        result: list[list[float]] = []
        for x, y in coordinates:
            point = [round(x, DECIMALS), round(y, DECIMALS)]
            if not result or result[-1] != point:
                result.append(point)
        return result if len(result) >= 4 else []

    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if not isinstance(polygon, Polygon) or polygon.area < SMALLEST_PART:
            continue
        rings = [rounded_ring(polygon.exterior.coords)] + [rounded_ring(hole.coords) for hole in polygon.interiors]
        if rings[0]:
            parts.append([part for part in rings if part])
    if not parts:
        return None
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


def alpha_2(numeric: str | None) -> str:
    if numeric is None:
        return ""
    if numeric in NUMERIC_CODES:
        return NUMERIC_CODES[numeric]
    country = pycountry.countries.get(numeric=numeric.zfill(3))
    return country.alpha_2 if country else ""


def build(topology: dict[str, Any], *, bounds: tuple[float, float, float, float] = BOUNDS) -> dict[str, Any]:
    """The countries of a world-atlas topology that reach into ``bounds``, cut to them and simplified."""
    arcs = [simplify_arc(arc, TOLERANCE) for arc in decode_arcs(topology)]
    frame = box(*bounds)
    features: list[dict[str, Any]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = alpha_2(geometry.get("id"))
        shape = country_shape(geometry, arcs)
        if not code or shape is None or not shape.intersects(frame):
            continue
        cut = shape.intersection(frame)
        rounded = _rounded(cut)
        if rounded is None:
            continue
        largest = max(getattr(cut, "geoms", [cut]), key=lambda part: part.area)
        label = polylabel(largest, tolerance=0.05) if isinstance(largest, Polygon) else largest.representative_point()
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"label": [round(label.x, 1), round(label.y, 1)]},
                "geometry": rounded,
            }
        )
    features.sort(key=lambda feature: str(feature["id"]))
    return {"type": "FeatureCollection", "bbox": list(bounds), "features": features}


@functools.cache
def basemap_country_codes() -> tuple[str, ...]:
    """The countries the shipped basemap draws (read once per process)."""
    collection = json.loads(BASEMAP_FILE.read_text(encoding="utf-8"))
    return tuple(feature["id"] for feature in collection["features"])


def country_names(language: str) -> dict[str, str]:
    """The basemap's countries named in ``language`` (Unicode CLDR, through Babel), English where CLDR has none."""
    english = Locale("en").territories
    try:
        names = Locale.parse(language.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        names = english
    return {code: names.get(code) or english.get(code, code) for code in basemap_country_codes()}


def write(collection: dict[str, Any], path: Path = BASEMAP_FILE) -> int:
    text = json.dumps(collection, separators=(",", ":"), sort_keys=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return len(text)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topology", type=Path, help="countries-50m.json (or -110m) of world-atlas 2.0.2")
    parser.add_argument("--output", type=Path, default=BASEMAP_FILE)
    arguments = parser.parse_args(argv)
    collection = build(json.loads(arguments.topology.read_text(encoding="utf-8")))
    size = write(collection, arguments.output)
    codes = " ".join(feature["id"] for feature in collection["features"])
    sys.stdout.write(f"{arguments.output}: {len(collection['features'])} countries, {size} bytes ({codes})\n")


if __name__ == "__main__":
    main()
