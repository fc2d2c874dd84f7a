"""The basemap shipped with Ovoz: how it is built from a TopoJSON topology, and the file itself."""

import json

from shapely.geometry import box, shape

from ovoz.insights import basemap


def _topology() -> dict:
    # Two countries sharing the arc x=50 (Uzbekistan west, Tajikistan east), one far outside the box.
    # Quantized as world-atlas is: integer steps of 0.5 degrees from (40, 30), each arc delta-encoded.
    return {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.5], "translate": [40, 30]},
        "arcs": [
            [[20, 0], [0, 10], [0, 10]],  # (50, 30) -> (50, 35) -> (50, 40): the shared border
            [[20, 20], [-20, 0], [0, -20], [20, 0]],  # Uzbekistan's other sides, from (50, 40) round to (50, 30)
            [[20, 20], [20, 0], [0, -20], [-20, 0]],  # Tajikistan's other sides
            [[-80, -50], [4, 0], [0, 4], [-4, 0], [0, -4]],  # Chile, far from Central Asia
        ],
        "objects": {
            "countries": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "id": "860", "properties": {"name": "Uzbekistan"}},
                    {"type": "Polygon", "arcs": [[2, 0]], "id": "762", "properties": {"name": "Tajikistan"}},
                    {"type": "Polygon", "arcs": [[3]], "id": "152", "properties": {"name": "Chile"}},
                ],
            }
        },
    }


def test_the_basemap_keeps_the_countries_in_the_box_cut_to_it_with_their_shared_border_once():
    collection = basemap.build(_topology(), bounds=(44.0, 29.0, 96.0, 57.0))
    assert [feature["id"] for feature in collection["features"]] == ["TJ", "UZ"]  # ISO alpha-2, sorted
    uzbekistan, tajikistan = (shape(feature["geometry"]) for feature in reversed(collection["features"]))
    assert uzbekistan.bounds == (44.0, 30.0, 50.0, 40.0)  # cut at 44°E
    assert tajikistan.bounds == (50.0, 30.0, 60.0, 40.0)
    assert uzbekistan.intersection(tajikistan).length == 10.0  # they meet along the whole shared arc
    label = collection["features"][1]["properties"]["label"]
    assert uzbekistan.contains(shape({"type": "Point", "coordinates": label}))


def test_the_shipped_basemap_draws_central_asia_and_its_neighbours_inside_its_box():
    collection = json.loads(basemap.BASEMAP_FILE.read_text(encoding="utf-8"))
    codes = {feature["id"] for feature in collection["features"]}
    assert codes >= {"KZ", "KG", "TJ", "UZ", "TM", "AF", "CN", "RU", "IR", "MN"}
    frame = box(*basemap.BOUNDS).buffer(1e-9)
    for feature in collection["features"]:
        assert frame.contains(shape(feature["geometry"])), feature["id"]
    assert basemap.basemap_country_codes() == tuple(sorted(codes))
    assert "public domain" in (basemap.BASEMAP_FILE.parent / "LICENSE").read_text(encoding="utf-8")


def test_countries_are_named_in_the_pages_language_with_english_where_cldr_has_no_name():
    assert basemap.country_names("ru")["KZ"] == "Казахстан"
    assert basemap.country_names("uz")["TJ"] == "Tojikiston"
    assert basemap.country_names("xx")["KZ"] == "Kazakhstan"
