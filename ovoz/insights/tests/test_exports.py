"""Open data exports read back with the same numbers, hold nothing that is not public, and staff exports
of restricted data need a permission and are audited."""

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Theme
from ovoz.concerns.services import themes_seed
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    areas_seed()
    themes_seed()
    jizzakh, osh = Area.objects.get(code="UZ-JI"), Area.objects.get(code="KG-O")
    water = Theme.objects.get(slug="water")
    coordinator = UserFactory(username="coordinator", role=DeploymentRole.COORDINATOR)
    published = services.concern_submit(
        text="Call Farhod +998901234567, the pipe on Navoi street burst",
        channel=Channel.WEB,
        area=jizzakh,
        themes=[water],
        latitude=40.23712,
        longitude=67.95131,
    ).concern
    services.concern_publish(actor=coordinator, concern=published, public_text="A water pipe burst in the mahalla")
    for _ in range(5):
        services.concern_submit(
            text="No water again",
            channel=Channel.SMS,
            area=jizzakh,
            themes=[water],
            contact=contact_parse(phone="+998 93 555 44 33"),
        )
    # One public concern in Osh; restricted and confidential ones of this month are in no public figure.
    services.concern_submit(text="Bread costs more", channel=Channel.WEB, area=osh)
    services.concern_submit(text="Restricted matter", channel=Channel.WEB, area=osh, visibility=Visibility.RESTRICTED)
    services.concern_submit(
        text="My husband beats me", channel=Channel.WEB, area=osh, visibility=Visibility.CONFIDENTIAL
    )
    return {"published": published, "coordinator": coordinator, "osh": osh}


def test_published_concerns_round_trip_through_csv_geojson_and_xlsx(client, world):
    response = client.get("/data/concerns.csv")
    assert response["Content-Disposition"] == 'attachment; filename="ovoz-concerns.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["region_code"], row["themes"], row["text"]) == (
        str(world["published"].pk),
        "UZ-JI",
        "water",
        "A water pipe burst in the mahalla",
    )
    assert (row["latitude"], row["longitude"]) == ("40.24", "67.95")
    features = json.loads(b"".join(client.get("/data/concerns.geojson").streaming_content))["features"]
    assert [feature["properties"]["id"] for feature in features] == [world["published"].pk]
    assert features[0]["geometry"] == {"type": "Point", "coordinates": [67.95, 40.24]}
    sheet = load_workbook(io.BytesIO(client.get("/data/concerns.xlsx").content), read_only=True)["concerns"]
    values = list(sheet.values)
    assert values[0][0] == "id" and values[1][0] == world["published"].pk and len(values) == 2


def test_nothing_unpublished_or_personal_is_in_any_public_export(client, world):
    for url in ("/data/concerns.csv", "/data/concerns.geojson", "/data/areas.csv", "/data/areas.geojson"):
        body = b"".join(client.get(url).streaming_content).decode()
        for secret in ("Farhod", "998901234567", "Navoi", "No water again", "Restricted matter", "husband", "40.2371"):
            assert secret not in body, (url, secret)


def test_counts_per_area_match_the_map_api_in_every_format(client, world):
    api = {
        feature["properties"]["code"]: feature["properties"]["count"]
        for feature in client.get("/api/v1/stats/areas").json()["features"]
    }
    assert api == {"UZ-JI": 6, "KG-O": "<5"}
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get("/data/areas.csv").streaming_content).decode())))
    assert {row["area_code"]: row["concerns"] for row in rows} == {"UZ-JI": "6", "KG-O": "<5"}
    features = json.loads(b"".join(client.get("/data/areas.geojson").streaming_content))["features"]
    assert {feature["properties"]["area_code"]: feature["properties"]["concerns"] for feature in features} == api
    sheet = load_workbook(io.BytesIO(client.get("/data/areas.xlsx").content), read_only=True)
    assert {row[0]: row[4] for row in list(sheet["regions"].values)[1:]} == api
    assert dict(sheet["about"].values)["licence"] == "CC-BY-4.0"


def test_csv_can_carry_an_hxl_hashtag_row(client, world):
    lines = b"".join(client.get("/data/areas.csv?hxl=1").streaming_content).decode().splitlines()
    assert lines[0] == "area_code,area,level,parent,concerns"
    assert lines[1] == "#adm+code,#adm+name,#adm+level,#adm+parent+name,#affected+concerns"
    assert "#adm1+name" in b"".join(client.get("/data/concerns.csv?hxl=1").streaming_content).decode()


def test_an_unknown_format_is_a_404(client, world):
    assert client.get("/data/concerns.pdf").status_code == 404


def test_the_data_page_names_the_licence_and_links_every_download(client, world):
    html = client.get("/en/data/").content.decode()
    assert "CC-BY-4.0" in html
    for url in (
        "/data/concerns.csv",
        "/data/concerns.geojson",
        "/data/concerns.xlsx",
        "/data/areas.xlsx?level=district",
    ):
        assert url in html


def test_restricted_exports_need_a_deployment_role_and_are_audited(world):
    coordinator = Client()
    sign_in(coordinator, world["coordinator"])
    response = coordinator.get("/staff/exports/concerns.csv")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = b"".join(response.streaming_content).decode()
    assert "Restricted matter" in body and "husband" not in body and "935554433" not in body
    entry = AuditEntry.objects.get(action="data.exported")
    assert entry.actor == world["coordinator"] and entry.data == {"export": "concerns", "rows": 8}
    facilitator_user = UserFactory(username="facilitator", role=DeploymentRole.NONE)
    group = WorkingGroup.objects.create(name="Osh", slug="osh", area=world["osh"])
    grant_set(actor=None, user=facilitator_user, working_group=group, role=GrantRole.FACILITATOR)
    facilitator = Client()
    sign_in(facilitator, facilitator_user)
    assert facilitator.get("/staff/exports/concerns.csv").status_code == 403
    assert AuditEntry.objects.filter(action="data.exported").count() == 1
    assert Client().get("/staff/exports/concerns.csv").status_code == 302
