import pytest

from ovoz.concerns.services import themes_seed
from ovoz.places.services import areas_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):
    areas_seed()
    themes_seed()


def test_areas_lists_the_five_countries_and_their_54_regions(client, seeded):
    everything = client.get("/api/v1/areas?limit=100").json()
    assert everything["count"] == 59
    countries = client.get("/api/v1/areas?kind=country").json()
    assert sorted(item["code"] for item in countries["items"]) == ["KG", "KZ", "TJ", "TM", "UZ"]
    regions = client.get("/api/v1/areas?kind=region&limit=100").json()
    assert regions["count"] == 54
    assert len(regions["items"]) == 54


def test_areas_are_paginated_with_a_count(client, seeded):
    first = client.get("/api/v1/areas?limit=10&offset=0").json()
    second = client.get("/api/v1/areas?limit=10&offset=10").json()
    assert first["count"] == second["count"] == 59
    assert len(first["items"]) == 10
    assert not {item["id"] for item in first["items"]} & {item["id"] for item in second["items"]}


def test_areas_filter_by_country_and_name_in_the_requested_language(client, seeded):
    response = client.get("/api/v1/areas?country=uz&kind=region&limit=100", HTTP_ACCEPT_LANGUAGE="ru")
    items = response.json()["items"]
    assert len(items) == 14
    samarkand = next(item for item in items if item["code"] == "UZ-SA")
    assert samarkand["name"] == "Самаркандская область"
    assert samarkand["has_boundary"] is False
    assert "boundary" not in samarkand


def test_themes_lists_the_seeded_themes_with_translated_labels(client, seeded):
    response = client.get("/api/v1/themes?limit=100", HTTP_ACCEPT_LANGUAGE="kk")
    data = response.json()
    assert data["count"] == 15
    slugs = [item["slug"] for item in data["items"]]
    assert slugs[0] == "prices" and "domestic-violence" in slugs and slugs[-1] == "other"
    water = next(item for item in data["items"] if item["slug"] == "water")
    assert water["label"] == water["labels"]["kk"] != water["labels"]["en"]
    violence = next(item for item in data["items"] if item["slug"] == "domestic-violence")
    assert violence["default_visibility"] == "confidential"


def test_bad_query_parameters_get_a_json_4xx_with_detail_and_code(client, seeded):
    response = client.get("/api/v1/areas?kind=planet")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]


def test_api_errors_are_translated(client, seeded):
    response = client.get("/api/v1/areas?limit=many", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 422
    assert response.json()["detail"] != "The request is not valid."


def test_openapi_schema_describes_areas_and_themes(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/areas" in schema["paths"] and "/api/v1/themes" in schema["paths"]


def test_the_committed_openapi_document_matches_the_api():
    from pathlib import Path

    from ovoz.operations.management.commands.openapi import openapi_document

    committed = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
    assert committed.read_text(encoding="utf-8") == openapi_document(), (
        "run `make openapi` and commit docs/openapi.json"
    )


def test_unknown_api_paths_answer_in_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_size_is_capped(client, seeded):
    assert len(client.get("/api/v1/areas?limit=200").json()["items"]) == 59
    too_many = client.get("/api/v1/areas?limit=100000")
    assert too_many.status_code == 422 and too_many.json()["code"] == "invalid"
