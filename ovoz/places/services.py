from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.choices import AREA_KIND_DEPTH, AreaKind
from ovoz.places.errors import BoundaryImportError
from ovoz.places.models import Area
from ovoz.places.selectors import region_choices_forget

SEED_COUNTRIES = ("KZ", "KG", "TJ", "TM", "UZ")
SEED_FILE = Path(__file__).parent / "data" / "areas.json"
COORDINATE_DECIMALS = 6


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0


@transaction.atomic
def areas_seed() -> SeedResult:
    """Create or refresh the five countries and all their ISO 3166-2 regions (idempotent).

    The list of regions comes from pycountry; names in every interface language (and Turkmen for the
    countries and Turkmen regions) and a representative point come from ``data/areas.json``.
    Boundaries already imported and names an administrator set are kept. A handful of queries whatever
    the number of regions: every deployment's first start and many tests run it.
    """
    seed = _seed_entries()
    result = SeedResult()
    plan = [(country_code, _subdivisions_sorted(country_code)) for country_code in SEED_COUNTRIES]
    codes = [code for country_code, subdivisions in plan for code in (country_code, *(s.code for s in subdivisions))]
    existing = {area.code: area for area in Area.objects.filter(code__in=codes)}
    new_regions: list[Area] = []
    for country_code, subdivisions in plan:
        country_record = pycountry.countries.get(alpha_2=country_code)
        country = _seed_one(
            code=country_code,
            kind=AreaKind.COUNTRY,
            parent=None,
            fallback_name=country_record.name if country_record else country_code,
            entry=seed.get(country_code, {}),
            existing=existing.get(country_code),
            result=result,
        )
        for subdivision in subdivisions:
            area = _seed_one(
                code=subdivision.code,
                kind=AreaKind.REGION,
                parent=country,
                fallback_name=subdivision.name,
                entry=seed.get(subdivision.code, {}),
                existing=existing.get(subdivision.code),
                result=result,
            )
            if area._state.adding:
                # bulk_create skips Area.save(), so the path and depth it would set are set here.
                area.path, area.depth = country.own_path, country.depth + 1
                new_regions.append(area)
    Area.objects.bulk_create(new_regions)
    if new_regions:
        region_choices_forget()  # bulk_create sends no post_save
    return result


def _seed_entries() -> dict[str, dict[str, Any]]:
    return {entry["code"]: entry for entry in json.loads(SEED_FILE.read_text(encoding="utf-8"))}


def _subdivisions_sorted(country_code: str) -> list[Any]:
    return sorted((s for s in _subdivisions_of(country_code) if s.parent_code is None), key=lambda s: s.code)


def _seed_one(
    *,
    code: str,
    kind: AreaKind,
    parent: Area | None,
    fallback_name: str,
    entry: Mapping[str, Any],
    existing: Area | None,
    result: SeedResult,
) -> Area:
    """The seeded area ``code``: a country is saved at once, a new region is returned unsaved (the
    caller creates the new regions together); an existing area gets the seeded names it lacks."""
    names: dict[str, str] = dict(entry.get("names") or {"en": fallback_name})
    defaults: dict[str, Any] = {
        "kind": kind,
        "parent": parent,
        "name": names.get("en", fallback_name),
        "latitude": entry.get("lat"),
        "longitude": entry.get("lon"),
    }
    area = existing
    if area is None:
        area = Area(code=code, names=names, **defaults)
        if parent is None:
            area.save()
        result.created += 1
        return area
    changed = False
    # Keep names an administrator added or changed; fill in the seeded ones that are missing and
    # replace the ones Ovoz once shipped and has corrected since (``former_names`` in the data file).
    former: Mapping[str, list[str]] = entry.get("former_names") or {}
    merged = {
        **names,
        **{
            language: name
            for language, name in area.names.items()
            if not (language in names and name in former.get(language, ()))
        },
    }
    if merged != area.names:
        area.names = merged
        changed = True
    if area.latitude is None and defaults["latitude"] is not None:
        area.latitude, area.longitude = defaults["latitude"], defaults["longitude"]
        changed = True
    if changed:
        area.save()
        result.updated += 1
    return area


# --- Boundary import -------------------------------------------------------------------------

# Words that only say what kind of unit a name is; dropped before names are compared.
_KIND_WORDS = {
    "region",
    "province",
    "oblast",
    "oblys",
    "oblysy",
    "district",
    "rayon",
    "raion",
    "tuman",
    "tumani",
    "viloyat",
    "viloyati",
    "welayat",
    "welayaty",
    "nohiya",
    "nohiyai",
    "muxofoti",
    "область",
    "обл",
    "район",
    "р-н",
    "облысы",
    "облусу",
    "ауданы",
    "району",
    "вилояти",
    "ноҳияи",
    "велаят",
    "велаяты",
    "уәлаяты",
    "wálayatı",
    "walayatı",
    "walayati",
    "rayonı",
    "rayoni",
}
# Words that mark a city; kept, as one token, because "Tashkent city" and "Tashkent region" differ.
_CITY_WORDS = {"city", "г", "город", "sh", "shahri", "shahar", "шаҳри", "шаары", "қаласы", "qalasy", "qalası", "qalasi"}
_APOSTROPHES = re.compile(r"[\u02bb\u02bc\u2018\u2019'`´]")
_SEPARATORS = re.compile(r"[^\w-]+")


def name_tokens(name: str) -> frozenset[str]:
    """Normalise a place name for matching: case, apostrophes, kind words and city markers."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _APOSTROPHES.sub("", text)
    tokens: set[str] = set()
    for token in _SEPARATORS.split(text):
        token = token.strip("-")
        if not token or token in _KIND_WORDS:
            continue
        tokens.add("<city>" if token in _CITY_WORDS else token)
    return frozenset(tokens)


@dataclass
class BoundaryFeature:
    index: int
    names: dict[str, str]
    code: str | None
    geometry: BaseGeometry
    match: Area | None = None


@dataclass
class ImportResult:
    created: list[Area] = field(default_factory=list)
    updated: list[Area] = field(default_factory=list)


def areas_import_boundaries(
    *,
    data: bytes | str,
    parent: Area,
    kind: AreaKind,
    name_fields: Mapping[str, str],
    code_field: str | None = None,
    actor: Any = None,
) -> ImportResult:
    """Import the features of a GeoJSON FeatureCollection as areas of ``kind`` under ``parent``.

    ``name_fields`` maps a language code to the property holding the name in that language and
    must include ``en``. Features are matched to existing children of ``parent`` by code, then by
    name in any language, so importing the same file twice changes nothing. The whole file is
    checked before anything is written: on any problem a ``BoundaryImportError`` says why and
    nothing is imported.
    """
    kind = AreaKind(kind)
    if "en" not in name_fields:
        raise BoundaryImportError(_("A name field for English is required."), code="name_field_missing")
    if AREA_KIND_DEPTH[kind] <= AREA_KIND_DEPTH[AreaKind(parent.kind)]:
        raise BoundaryImportError(
            _("Areas of level %(kind)s cannot be placed under %(parent)s, which is a %(parent_kind)s.")
            % {"kind": kind.label, "parent": parent.display_name, "parent_kind": AreaKind(parent.kind).label},
            code="level_mismatch",
        )
    features = _parse_features(data, name_fields=name_fields, code_field=code_field)
    _match_existing(features, parent=parent, kind=kind)
    _check_within_parent(features, parent)
    _check_codes_free(features)
    return _write_features(features, parent=parent, kind=kind, actor=actor)


def _parse_features(
    data: bytes | str, *, name_fields: Mapping[str, str], code_field: str | None
) -> list[BoundaryFeature]:
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise BoundaryImportError(
            _("The file is not valid JSON: %(error)s") % {"error": error}, code="invalid_json"
        ) from error
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise BoundaryImportError(_("The file is not a GeoJSON FeatureCollection."), code="not_feature_collection")
    raw_features = document.get("features")
    if not isinstance(raw_features, list) or not raw_features:
        raise BoundaryImportError(_("The file has no features."), code="no_features")

    features: list[BoundaryFeature] = []
    seen_names: dict[str, int] = {}
    seen_codes: dict[str, int] = {}
    for index, raw in enumerate(raw_features, start=1):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            raise BoundaryImportError(
                _("Feature %(number)s is not a GeoJSON Feature.") % {"number": index}, code="invalid_feature"
            )
        properties = raw.get("properties") or {}
        names: dict[str, str] = {}
        for language, field_name in name_fields.items():
            value = properties.get(field_name)
            if not isinstance(value, str) or not value.strip():
                raise BoundaryImportError(
                    _("Feature %(number)s has no value for the name field %(field)s. Fields present: %(present)s.")
                    % {"number": index, "field": field_name, "present": ", ".join(sorted(properties)) or "-"},
                    code="name_missing",
                )
            names[language] = value.strip()
        code = None
        if code_field:
            code_value = properties.get(code_field)
            if code_value in (None, ""):
                raise BoundaryImportError(
                    _("Feature %(number)s has no value for the code field %(field)s.")
                    % {"number": index, "field": code_field},
                    code="code_missing",
                )
            code = str(code_value).strip()
        if code is not None and code in seen_codes:
            raise BoundaryImportError(
                _("Features %(first)s and %(second)s have the same code %(code)s.")
                % {"first": seen_codes[code], "second": index, "code": code},
                code="duplicate_code",
            )
        if code is not None:
            seen_codes[code] = index
        key = names["en"].casefold()
        if key in seen_names:
            raise BoundaryImportError(
                _("Features %(first)s and %(second)s have the same name %(name)s.")
                % {"first": seen_names[key], "second": index, "name": names["en"]},
                code="duplicate_name",
            )
        seen_names[key] = index
        features.append(
            BoundaryFeature(index=index, names=names, code=code, geometry=_polygonal(raw.get("geometry"), index))
        )
    return features


def _polygonal(geometry: Any, index: int) -> MultiPolygon:
    """Turn a Polygon, MultiPolygon or GeometryCollection of them into one valid MultiPolygon."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }:
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        raise BoundaryImportError(
            _("Feature %(number)s has a geometry of type %(type)s; only areas (polygons) can be imported.")
            % {"number": index, "type": kind or "-"},
            code="not_polygon",
        )
    try:
        parsed = shape(geometry)
    except Exception as error:  # shapely raises several kinds for broken coordinates
        raise BoundaryImportError(
            _("Feature %(number)s has a broken geometry: %(error)s") % {"number": index, "error": error},
            code="broken_geometry",
        ) from error
    polygons: list[Polygon] = []
    for part in getattr(parsed, "geoms", [parsed]):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
        else:
            raise BoundaryImportError(
                _("Feature %(number)s contains a %(type)s; only areas (polygons) can be imported.")
                % {"number": index, "type": part.geom_type},
                code="not_polygon",
            )
    if not polygons or all(polygon.is_empty for polygon in polygons):
        raise BoundaryImportError(
            _("Feature %(number)s has an empty geometry.") % {"number": index}, code="empty_geometry"
        )
    merged: BaseGeometry = MultiPolygon(polygons)
    min_x, min_y, max_x, max_y = merged.bounds
    if min_x < -180 or max_x > 180 or min_y < -90 or max_y > 90:
        raise BoundaryImportError(
            _(
                "Feature %(number)s has coordinates outside longitude and latitude ranges; "
                "the file must use WGS 84 (EPSG:4326)."
            )
            % {"number": index},
            code="not_wgs84",
        )
    if not merged.is_valid:
        merged = shapely.make_valid(merged)
        parts = [part for part in getattr(merged, "geoms", [merged]) if isinstance(part, Polygon | MultiPolygon)]
        merged = shapely.union_all(parts) if parts else Polygon()
        if merged.is_empty:
            raise BoundaryImportError(
                _("Feature %(number)s has a geometry that cannot be repaired.") % {"number": index},
                code="broken_geometry",
            )
    if isinstance(merged, Polygon):
        return MultiPolygon([merged])
    if isinstance(merged, MultiPolygon):
        return merged
    raise BoundaryImportError(
        _("Feature %(number)s has a geometry that cannot be repaired.") % {"number": index}, code="broken_geometry"
    )


def _check_within_parent(features: list[BoundaryFeature], parent: Area) -> None:
    """Refuse a file that does not belong under ``parent``.

    With a parent boundary, every feature must lie inside it. Without one, the file must either
    match existing areas of the parent (at least half of its features) or cover the parent's
    representative point (a region's file covers the capital; a district file its region's centre).
    """
    if parent.boundary:
        parent_shape = shape(parent.boundary).buffer(0.05)
        for feature in features:
            if not parent_shape.contains(feature.geometry.representative_point()):
                raise BoundaryImportError(
                    _("Feature %(number)s (%(name)s) lies outside %(parent)s.")
                    % {"number": feature.index, "name": feature.names["en"], "parent": parent.display_name},
                    code="outside_parent",
                )
        return
    matched = sum(1 for feature in features if feature.match is not None)
    if matched * 2 >= len(features) or parent.latitude is None or parent.longitude is None:
        return
    covered = shapely.union_all([feature.geometry for feature in features]).buffer(0.05)
    if not covered.contains(Point(parent.longitude, parent.latitude)):
        raise BoundaryImportError(
            _(
                "The areas in this file neither match the areas of %(parent)s nor cover its centre: "
                "is --parent the right area?"
            )
            % {"parent": parent.display_name},
            code="outside_parent",
        )


def _check_codes_free(features: list[BoundaryFeature]) -> None:
    """A new area's code must not belong to another area already."""
    new_codes = {feature.code: feature for feature in features if feature.code and feature.match is None}
    taken = Area.objects.filter(code__in=list(new_codes)).values_list("code", flat=True).first()
    if taken:
        raise BoundaryImportError(
            _("Feature %(number)s has the code %(code)s, which another area already has.")
            % {"number": new_codes[taken].index, "code": taken},
            code="code_taken",
        )


def _match_existing(features: list[BoundaryFeature], *, parent: Area, kind: AreaKind) -> None:
    candidates = list(Area.objects.filter(parent=parent, kind=kind))
    by_code = {area.code: area for area in candidates if area.code}
    candidate_tokens = {
        area.pk: {name_tokens(name) for name in [area.name, *area.names.values()] if name} for area in candidates
    }
    claimed: dict[int, BoundaryFeature] = {}
    for feature in features:
        match = by_code.get(feature.code) if feature.code else None
        if match is None:
            feature_tokens = {name_tokens(name) for name in feature.names.values()}
            scores = {
                area.pk: sum(1 for tokens in feature_tokens if tokens in candidate_tokens[area.pk])
                for area in candidates
            }
            best = max(scores.values(), default=0)
            if best:
                winners = [area for area in candidates if scores[area.pk] == best]
                if len(winners) > 1:
                    raise BoundaryImportError(
                        _("Feature %(number)s (%(name)s) matches several existing areas: %(areas)s.")
                        % {
                            "number": feature.index,
                            "name": feature.names["en"],
                            "areas": ", ".join(area.name for area in winners),
                        },
                        code="ambiguous_match",
                    )
                match = winners[0]
        if match is not None:
            if match.pk in claimed:
                raise BoundaryImportError(
                    _("Features %(first)s and %(second)s both match the existing area %(area)s.")
                    % {"first": claimed[match.pk].index, "second": feature.index, "area": match.name},
                    code="ambiguous_match",
                )
            claimed[match.pk] = feature
        feature.match = match


@transaction.atomic
def _write_features(features: list[BoundaryFeature], *, parent: Area, kind: AreaKind, actor: Any) -> ImportResult:
    result = ImportResult()
    for feature in features:
        boundary = mapping(shapely.set_precision(feature.geometry, 10**-COORDINATE_DECIMALS))
        boundary = json.loads(json.dumps(boundary))  # tuples to lists, as stored JSON reads back
        area = feature.match
        if area is None:
            inside = feature.geometry.representative_point()
            area = Area.objects.create(
                parent=parent,
                kind=kind,
                code=feature.code,
                name=feature.names["en"],
                names=feature.names,
                boundary=boundary,
                latitude=round(inside.y, COORDINATE_DECIMALS),
                longitude=round(inside.x, COORDINATE_DECIMALS),
            )
            result.created.append(area)
            continue
        changed = area.boundary != boundary
        area.boundary = boundary
        names = {**feature.names, **area.names}  # names set by hand win over the file's
        if names != area.names:
            area.names, changed = names, True
        has_point_inside = (
            area.latitude is not None
            and area.longitude is not None
            and (feature.geometry.contains(Point(area.longitude, area.latitude)))
        )
        if not has_point_inside:
            inside = feature.geometry.representative_point()
            area.latitude = round(inside.y, COORDINATE_DECIMALS)
            area.longitude = round(inside.x, COORDINATE_DECIMALS)
            changed = True
        if changed:
            area.save()
            result.updated.append(area)
    audit_record(
        action=AuditAction.AREAS_IMPORTED,
        actor=actor,
        target=parent,
        data={"kind": str(kind), "created": len(result.created), "updated": len(result.updated)},
    )
    return result


def _subdivisions_of(country_code: str) -> list[Any]:
    return list(pycountry.subdivisions.get(country_code=country_code) or [])  # type: ignore[no-untyped-call]
