"""Point-to-area lookup: the deepest area whose boundary contains a point.

The boundaries are loaded once per process into a shapely STRtree of prepared geometries. The
index is rebuilt when the set of boundaries changes, which one cheap aggregate query detects, so
an import in another process is seen without a restart and nothing is shared between processes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, cast

import shapely
from django.db.models import Count, Max
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from ovoz.places.models import Area


@dataclass(frozen=True)
class _Index:
    version: tuple[object, ...]
    tree: STRtree | None
    geometries: tuple[BaseGeometry, ...]
    area_ids: tuple[int, ...]
    depths: tuple[int, ...]


_lock = threading.Lock()
_index: _Index | None = None


def _boundary_version() -> tuple[object, ...]:
    aggregate = Area.objects.filter(boundary__isnull=False).aggregate(count=Count("id"), changed=Max("updated_at"))
    return (aggregate["count"], aggregate["changed"])


def _build(version: tuple[object, ...]) -> _Index:
    geometries: list[BaseGeometry] = []
    area_ids: list[int] = []
    depths: list[int] = []
    for area_id, depth, boundary in Area.objects.filter(boundary__isnull=False).values_list("id", "depth", "boundary"):
        geometry = shape(cast(dict[str, Any], boundary))
        shapely.prepare(geometry)
        geometries.append(geometry)
        area_ids.append(area_id)
        depths.append(depth)
    tree = STRtree(geometries) if geometries else None
    return _Index(version, tree, tuple(geometries), tuple(area_ids), tuple(depths))


def _current_index() -> _Index:
    global _index
    version = _boundary_version()
    index = _index
    if index is None or index.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = _build(version)
            index = _index
    return index


def area_id_at_point(*, latitude: float, longitude: float) -> int | None:
    """Return the id of the deepest area whose boundary contains the point, or None."""
    index = _current_index()
    if index.tree is None:
        return None
    point = Point(longitude, latitude)
    best: tuple[int, int] | None = None
    for position in index.tree.query(point, predicate="intersects"):
        depth = index.depths[int(position)]
        if best is None or depth > best[0]:
            best = (depth, index.area_ids[int(position)])
    return best[1] if best else None


def area_at_point(*, latitude: float, longitude: float) -> Area | None:
    """Return the deepest area whose boundary contains the point, or None."""
    area_id = area_id_at_point(latitude=latitude, longitude=longitude)
    return Area.objects.filter(pk=area_id).first() if area_id is not None else None
