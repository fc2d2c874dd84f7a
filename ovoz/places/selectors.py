from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from shapely.geometry import mapping, shape

from ovoz.core.collation import collation_language, sorted_by_name
from ovoz.core.ids import parse_id
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area


def area_list(*, kind: str | None = None, parent_id: int | None = None, country: str | None = None) -> QuerySet[Area]:
    """Public list of areas (areas are public data), without their boundaries."""
    areas = (
        Area.objects.defer("boundary")
        .annotate(boundary_present=ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField()))
        .order_by("depth", "code", "name")
    )
    if kind:
        areas = areas.filter(kind=kind)
    if parent_id is not None:
        areas = areas.filter(parent_id=parent_id)
    if country:
        root = Area.objects.filter(code=country.upper(), parent__isnull=True).first()
        if root is None:
            return areas.none()
        areas = areas.filter(path__startswith=root.own_path)
    return areas


def areas_by_name(areas: Iterable[Area], *, language: str | None = None) -> list[Area]:
    """``areas`` in the alphabetical order of ``language`` (the active one by default), by their names in it.

    Every list of areas shown to people goes through here: ``ORDER BY name`` would sort English
    names by code point, which is neither the reader's language nor the reader's alphabet.
    """
    language = collation_language(language)
    return sorted_by_name(areas, name=lambda area: area.name_in(language), language=language)


RegionChoices = list[tuple[str, list[tuple[int, str]]]]
# A safety net only: saving or deleting an area forgets the choices at once (``region_choices_forget``).
REGION_CHOICES_SECONDS = 60 * 60


def _region_choices_key(language: str) -> str:
    return f"ovoz:region-choices:{language}"


def region_choices() -> RegionChoices:
    """Regions grouped by country, for a select that works without JavaScript; countries and regions
    in the alphabetical order of the reader's language.

    Every report form shows them (and checks a POST against them), so they are kept in the cache per
    language (issue 13.5) and forgotten whenever an area is saved or deleted.
    """
    language = get_language() or settings.LANGUAGE_CODE
    if language not in {code for code, _name in settings.LANGUAGES}:
        return _region_choices_build()
    key = _region_choices_key(language)
    choices: RegionChoices | None = cache.get(key)
    if choices is None:
        choices = _region_choices_build()
        cache.set(key, choices, REGION_CHOICES_SECONDS)
    return choices


def _region_choices_build() -> RegionChoices:
    regions = Area.objects.filter(kind=AreaKind.REGION).select_related("parent").defer("boundary", "parent__boundary")
    grouped: dict[Area | None, list[Area]] = {}
    for region in regions:
        grouped.setdefault(region.parent, []).append(region)
    countries: list[Area | None] = [*areas_by_name(country for country in grouped if country is not None)]
    if None in grouped:
        countries.append(None)
    return [
        (
            country.display_name if country else "",
            [(region.pk, region.display_name) for region in areas_by_name(grouped[country])],
        )
        for country in countries
    ]


def region_choices_forget(**_kwargs: object) -> None:
    """An area was saved or deleted: the cached region choices go, now and again when the change commits
    (a request that read the areas meanwhile may have cached the old ones)."""
    keys = [_region_choices_key(code) for code, _name in settings.LANGUAGES]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def areas_within(areas: Iterable[Area]) -> QuerySet[Area]:
    """The given areas and every area inside any of them (materialised-path prefixes)."""
    scope = Q(pk__in=[])
    for area in areas:
        scope |= Q(pk=area.pk) | Q(path__startswith=area.own_path)
    return Area.objects.filter(scope)


def area_get_by_reference(reference: str) -> Area | None:
    """Find an area by its code (e.g. "UZ-JI") or its numeric id."""
    reference = reference.strip()
    if not reference or "\x00" in reference:
        return None
    area = Area.objects.filter(code__iexact=reference).first()
    area_id = parse_id(reference)
    if area is None and area_id is not None:
        area = Area.objects.filter(pk=area_id).first()
    return area


def area_get(*, area_id: int) -> Area:
    area = Area.objects.defer("boundary").filter(pk=area_id).first()
    if area is None:
        raise Http404
    return area


def area_children_with_counts(*, parent: Area | None) -> QuerySet[Area]:
    """The areas directly inside ``parent`` (countries for None), with how many areas and boundaries each holds."""
    return (
        Area.objects.filter(parent=parent)
        .defer("boundary")
        .annotate(
            child_count=Count("children", distinct=True),
            bounded_children=Count("children", filter=Q(children__boundary__isnull=False), distinct=True),
        )
        .order_by("code", "name")
    )


def area_ancestors(area: Area) -> list[Area]:
    """From the country down to the area's parent."""
    ids = [int(pk) for pk in area.path.split("/") if pk]
    return list(Area.objects.defer("boundary").filter(pk__in=ids).order_by("depth"))


@dataclass(frozen=True)
class LabelPoint:
    name: str
    latitude: float
    longitude: float


def area_label_points(*, kind: str, language: str) -> list[LabelPoint]:
    """Where the map writes the name of each area of ``kind`` (its representative point), in ``language``."""
    areas = Area.objects.filter(kind=kind, latitude__isnull=False, longitude__isnull=False).defer("boundary")
    return [
        LabelPoint(area.name_in(language), area.latitude, area.longitude)
        for area in areas.order_by("code", "pk")
        if area.latitude is not None and area.longitude is not None
    ]


def areas_with_boundaries(*, kind: str) -> bool:
    return Area.objects.filter(kind=kind, boundary__isnull=False).exists()


# Outlines are simplified as the shipped basemap is (ovoz.insights.basemap): the map reads them at zoom 4 to 8.
OUTLINE_TOLERANCE = 0.01
OUTLINE_DECIMALS = 3


@dataclass
class _Outlines:
    version: str
    text: str


_OUTLINES: dict[str, _Outlines] = {}


def area_outlines_json(*, kind: str) -> str:
    """The boundaries of the areas of ``kind`` that have one, simplified for a map, as GeoJSON text (a
    FeatureCollection with the area's id and code). Kept in this process while those areas stay the same."""
    areas = Area.objects.filter(kind=kind, boundary__isnull=False)
    version = areas.aggregate(number=Count("pk"), last_id=Max("pk"), changed=Max("updated_at"))
    key = f"{version['number']}.{version['last_id']}.{version['changed']}"
    kept = _OUTLINES.get(kind)
    if kept is not None and kept.version == key:
        return kept.text
    features = []
    for pk, code, boundary in areas.order_by("code", "pk").values_list("pk", "code", "boundary"):
        if not isinstance(boundary, dict):
            continue
        try:
            outline = shape(boundary).simplify(OUTLINE_TOLERANCE, preserve_topology=True)
        except (AttributeError, KeyError, TypeError, ValueError):  # a boundary that is not a geometry
            continue
        if outline.is_empty:
            continue
        geometry = mapping(shapely.set_precision(outline, 10**-OUTLINE_DECIMALS))
        features.append({"type": "Feature", "id": pk, "properties": {"code": code}, "geometry": geometry})
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    _OUTLINES[kind] = _Outlines(key, text)
    return text
