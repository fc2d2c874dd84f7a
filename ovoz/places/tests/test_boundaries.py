import json

import pytest
from django.core.management import CommandError, call_command

from ovoz.core.models import AuditEntry
from ovoz.places.choices import AreaKind
from ovoz.places.errors import BoundaryImportError
from ovoz.places.lookup import area_at_point
from ovoz.places.models import Area
from ovoz.places.services import areas_import_boundaries, name_tokens

pytestmark = pytest.mark.django_db

REGION_FIELDS = {"en": "ADM1_EN", "ru": "ADM1_RU", "uz": "ADM1_UZ"}
DISTRICT_FIELDS = {"en": "ADM2_EN", "ru": "ADM2_RU", "uz": "ADM2_UZ"}

# Known places (latitude, longitude) and where they must land.
SAMARKAND = (39.6542, 66.9597)
NUKUS = (42.4600, 59.6100)
JIZZAKH_CITY = (40.1158, 67.8422)
ZOMIN = (39.9600, 68.3950)


def import_regions(boundaries_dir):
    return areas_import_boundaries(
        data=(boundaries_dir / "uz-regions.geojson").read_bytes(),
        parent=Area.objects.get(code="UZ"),
        kind=AreaKind.REGION,
        name_fields=REGION_FIELDS,
    )


def import_jizzakh_districts(boundaries_dir):
    return areas_import_boundaries(
        data=(boundaries_dir / "uz-jizzakh-districts.geojson").read_bytes(),
        parent=Area.objects.get(code="UZ-JI"),
        kind=AreaKind.DISTRICT,
        name_fields=DISTRICT_FIELDS,
    )


def test_uzbek_regions_match_the_seeded_regions_instead_of_duplicating_them(seeded, boundaries_dir):
    count_before = Area.objects.count()
    result = import_regions(boundaries_dir)
    assert result.created == []
    assert len(result.updated) == 14
    assert Area.objects.count() == count_before
    assert Area.objects.filter(parent__code="UZ", boundary__isnull=False).count() == 14
    # Tashkent city and Tashkent region are told apart.
    assert Area.objects.get(code="UZ-TK").names["ru"] == "город Ташкент"
    tashkent_city = Area.objects.get(code="UZ-TK")
    assert area_at_point(latitude=tashkent_city.latitude, longitude=tashkent_city.longitude).code == "UZ-TK"


def test_importing_the_same_file_twice_changes_nothing(seeded, boundaries_dir):
    import_regions(boundaries_dir)
    import_jizzakh_districts(boundaries_dir)
    snapshot = list(Area.objects.order_by("pk").values_list("pk", "updated_at"))
    assert import_regions(boundaries_dir).updated == []
    assert import_jizzakh_districts(boundaries_dir).created == []
    assert list(Area.objects.order_by("pk").values_list("pk", "updated_at")) == snapshot


@pytest.mark.parametrize(
    ("point", "region_code", "district_name"),
    [
        (SAMARKAND, "UZ-SA", None),
        (NUKUS, "UZ-QR", None),
        (JIZZAKH_CITY, "UZ-JI", "Jizzakh city"),
        (ZOMIN, "UZ-JI", "Zomin district"),
    ],
)
def test_known_places_land_in_the_right_region_and_district(seeded, boundaries_dir, point, region_code, district_name):
    import_regions(boundaries_dir)
    result = import_jizzakh_districts(boundaries_dir)
    assert len(result.created) == 13
    area = area_at_point(latitude=point[0], longitude=point[1])
    if district_name is None:
        assert area.code == region_code
    else:
        assert area.kind == "district"
        assert area.name == district_name
        assert area.parent.code == region_code
        assert area.path == f"{area.parent.parent_id}/{area.parent_id}/"


def test_a_point_outside_every_boundary_has_no_area(seeded, boundaries_dir):
    import_regions(boundaries_dir)
    bishkek = (42.8746, 74.5698)
    assert area_at_point(latitude=bishkek[0], longitude=bishkek[1]) is None


def test_lookup_sees_a_new_import_without_a_restart(seeded, boundaries_dir):
    import_regions(boundaries_dir)
    assert area_at_point(latitude=ZOMIN[0], longitude=ZOMIN[1]).code == "UZ-JI"
    import_jizzakh_districts(boundaries_dir)
    assert area_at_point(latitude=ZOMIN[0], longitude=ZOMIN[1]).name == "Zomin district"


def test_imported_districts_get_names_and_a_point_inside(seeded, boundaries_dir):
    import_regions(boundaries_dir)
    import_jizzakh_districts(boundaries_dir)
    zomin = Area.objects.get(name="Zomin district")
    assert zomin.names == {"en": "Zomin district", "ru": "Зааминский район", "uz": "Zomin tumani"}
    assert area_at_point(latitude=zomin.latitude, longitude=zomin.longitude) == zomin


def test_districts_placed_under_the_wrong_region_are_refused(seeded, boundaries_dir):
    import_regions(boundaries_dir)
    count_before = Area.objects.count()
    with pytest.raises(BoundaryImportError) as error:
        areas_import_boundaries(
            data=(boundaries_dir / "uz-jizzakh-districts.geojson").read_bytes(),
            parent=Area.objects.get(code="UZ-XO"),
            kind=AreaKind.DISTRICT,
            name_fields=DISTRICT_FIELDS,
        )
    assert error.value.code == "outside_parent"
    assert Area.objects.count() == count_before


def _feature(name, geometry):
    return {"type": "Feature", "properties": {"NAME": name}, "geometry": geometry}


# Around Jizzakh city, the centre of the UZ-JI region these synthetic files are imported under.
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[67.8, 40.05], [67.9, 40.05], [67.9, 40.15], [67.8, 40.15], [67.8, 40.05]]],
}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"type": "FeatureCollection", "features": [', "invalid_json"),
        (json.dumps({"type": "Feature", "geometry": SQUARE}).encode(), "not_feature_collection"),
        (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "no_features"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        _feature("Good", SQUARE),
                        _feature("Road", {"type": "LineString", "coordinates": [[67, 40], [67.1, 40.1]]}),
                    ],
                }
            ).encode(),
            "not_polygon",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        _feature("Good", SQUARE),
                        {"type": "Feature", "properties": {"OTHER": "x"}, "geometry": SQUARE},
                    ],
                }
            ).encode(),
            "name_missing",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        _feature("Good", SQUARE),
                        _feature(
                            "Projected",
                            {
                                "type": "Polygon",
                                "coordinates": [
                                    [[7453000, 4400000], [7463000, 4400000], [7463000, 4410000], [7453000, 4400000]]
                                ],
                            },
                        ),
                    ],
                }
            ).encode(),
            "not_wgs84",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        _feature("Good", SQUARE),
                        _feature("Broken", {"type": "Polygon", "coordinates": [[[67, 40]]]}),
                    ],
                }
            ).encode(),
            "broken_geometry",
        ),
        (
            json.dumps(
                {"type": "FeatureCollection", "features": [_feature("Same", SQUARE), _feature("same", SQUARE)]}
            ).encode(),
            "duplicate_name",
        ),
    ],
)
def test_a_broken_file_imports_nothing_and_says_why(seeded, content, code):
    count_before = Area.objects.count()
    with pytest.raises(BoundaryImportError) as error:
        areas_import_boundaries(
            data=content, parent=Area.objects.get(code="UZ-JI"), kind=AreaKind.DISTRICT, name_fields={"en": "NAME"}
        )
    assert error.value.code == code
    assert error.value.message
    assert Area.objects.count() == count_before
    assert not AuditEntry.objects.filter(action="areas.imported").exists()


def test_a_level_not_below_the_parent_is_refused(seeded):
    with pytest.raises(BoundaryImportError) as error:
        areas_import_boundaries(
            data=json.dumps({"type": "FeatureCollection", "features": [_feature("A", SQUARE)]}),
            parent=Area.objects.get(code="UZ-JI"),
            kind=AreaKind.REGION,
            name_fields={"en": "NAME"},
        )
    assert error.value.code == "level_mismatch"


def test_geometry_collections_and_multipolygons_are_accepted(seeded):
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]}
    collection = {"type": "GeometryCollection", "geometries": [SQUARE]}
    other = {"type": "Polygon", "coordinates": [[[67.9, 40.05], [68.0, 40.05], [68.0, 40.15], [67.9, 40.05]]]}
    result = areas_import_boundaries(
        data=json.dumps(
            {
                "type": "FeatureCollection",
                "features": [_feature("Multi", multi), _feature("Coll", {**collection, "geometries": [other]})],
            }
        ),
        parent=Area.objects.get(code="UZ-JI"),
        kind=AreaKind.DISTRICT,
        name_fields={"en": "NAME"},
    )
    assert sorted(area.name for area in result.created) == ["Coll", "Multi"]
    assert all(area.boundary["type"] == "MultiPolygon" for area in result.created)


def test_import_command_imports_and_reports(seeded, boundaries_dir, capsys):
    call_command(
        "import_areas",
        str(boundaries_dir / "uz-regions.geojson"),
        "--parent",
        "UZ",
        "--level",
        "region",
        "--name-field",
        "ADM1_EN",
        "--name-field-ru",
        "ADM1_RU",
        "--name-field-uz",
        "ADM1_UZ",
    )
    assert "0 created, 14 updated" in capsys.readouterr().out
    # The file's names (its "Самаркандаская область", "Toshkent sh.") never replace the seeded ones,
    # and every region keeps its names in every language.
    samarkand, tashkent = Area.objects.get(code="UZ-SA"), Area.objects.get(code="UZ-TK")
    assert samarkand.names["ru"] == "Самаркандская область" and tashkent.names["uz"] == "Toshkent shahri"
    for region in Area.objects.filter(parent__code="UZ"):
        assert {"en", "ru", "uz", "kaa", "tg", "ky", "kk"} <= set(region.names), region.code


def test_import_command_refuses_a_mismatched_file_saying_why(seeded, boundaries_dir):
    count_before = Area.objects.count()
    with pytest.raises(CommandError, match="Nothing was imported.*ADM2_EN"):
        call_command(
            "import_areas",
            str(boundaries_dir / "uz-regions.geojson"),
            "--parent",
            "UZ",
            "--level",
            "region",
            "--name-field",
            "ADM2_EN",
        )
    assert Area.objects.count() == count_before


def test_import_command_refuses_an_unknown_parent(seeded, boundaries_dir):
    with pytest.raises(CommandError, match="No area"):
        call_command(
            "import_areas",
            str(boundaries_dir / "uz-regions.geojson"),
            "--parent",
            "XX-99",
            "--level",
            "region",
            "--name-field",
            "ADM1_EN",
        )


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Samarkand region", "Samarkand Region", True),
        ("Fargʻona viloyati", "Farg'ona viloyati", True),
        ("Tashkent city", "Tashkent region", False),
        ("г. Ташкент", "город Ташкент", True),
        ("Toshkent sh.", "Toshkent shahri", True),
        ("Tashkent qalası", "Tashkent city", True),
        ("Xorezm wálayatı", "Xorezm region", True),
        ("Ахал уәлаяты", "Ахал велаяты", True),
    ],
)
def test_place_names_are_compared_without_kind_words_and_apostrophe_variants(first, second, same):
    assert (name_tokens(first) == name_tokens(second)) is same


def test_a_file_of_another_country_is_refused_when_the_parent_has_no_boundary(seeded, boundaries_dir):
    count_before = Area.objects.count()
    with pytest.raises(BoundaryImportError) as error:
        areas_import_boundaries(
            data=(boundaries_dir / "uz-regions.geojson").read_bytes(),
            parent=Area.objects.get(code="KZ"),
            kind=AreaKind.REGION,
            name_fields=REGION_FIELDS,
        )
    assert error.value.code == "outside_parent"
    assert Area.objects.count() == count_before


def test_districts_of_another_region_are_refused_before_any_boundary_exists(seeded, boundaries_dir):
    count_before = Area.objects.count()
    with pytest.raises(BoundaryImportError) as error:
        areas_import_boundaries(
            data=(boundaries_dir / "uz-jizzakh-districts.geojson").read_bytes(),
            parent=Area.objects.get(code="UZ-SA"),
            kind=AreaKind.DISTRICT,
            name_fields=DISTRICT_FIELDS,
        )
    assert error.value.code == "outside_parent"
    assert Area.objects.count() == count_before


def test_jizzakh_districts_import_under_jizzakh_before_its_boundary_exists(seeded, boundaries_dir):
    assert len(import_jizzakh_districts(boundaries_dir).created) == 13


def test_duplicate_or_taken_codes_are_refused_saying_why(seeded):
    other = {"type": "Polygon", "coordinates": [[[67.9, 40.05], [68.0, 40.05], [68.0, 40.15], [67.9, 40.05]]]}

    def collection(*codes):
        return json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"NAME": f"Place {n}", "CODE": code}, "geometry": geometry}
                    for n, (code, geometry) in enumerate(zip(codes, [SQUARE, other], strict=False))
                ],
            }
        )

    for data, code in [(collection("UZ-JI-01", "UZ-JI-01"), "duplicate_code"), (collection("UZ-SA"), "code_taken")]:
        with pytest.raises(BoundaryImportError) as error:
            areas_import_boundaries(
                data=data,
                parent=Area.objects.get(code="UZ-JI"),
                kind=AreaKind.DISTRICT,
                name_fields={"en": "NAME"},
                code_field="CODE",
            )
        assert error.value.code == code
