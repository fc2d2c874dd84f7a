import xml.etree.ElementTree as ElementTree

import pytest

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status
from ovoz.concerns.models import Concern, Theme
from ovoz.places.models import Area

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def partner_key(seeded):
    _partner, key = services.api_partner_create(actor=None, name="City hotline")
    return key


@pytest.fixture
def published(seeded):
    facilitator = UserFactory(username="facilitator")
    concern = services.concern_submit(
        text="raw text with Karim's phone",
        channel=Channel.WEB,
        area=Area.objects.get(code="UZ-JI"),
        themes=[Theme.objects.get(slug="water")],
        latitude=40.1234,
        longitude=67.8321,
    ).concern
    services.concern_publish(actor=facilitator, concern=concern, public_text="The canal is dry")
    services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED, note="Utility informed")
    return concern


def test_discovery_names_the_specification_and_formats(client, seeded):
    body = client.get("/open311/v2/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = ElementTree.fromstring(client.get("/open311/v2/discovery.xml").content)
    assert root.tag == "discovery" and root.find("endpoints/endpoint/specification") is not None


def test_services_are_the_themes_in_json_and_xml(client, seeded):
    services_json = client.get("/open311/v2/services.json").json()
    assert [service["service_code"] for service in services_json][:3] == ["prices", "fuel-energy", "water"]
    assert set(services_json[0]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    root = ElementTree.fromstring(client.get("/open311/v2/services.xml").content)
    assert root.tag == "services"
    assert [node.findtext("service_code") for node in root.findall("service")][:1] == ["prices"]
    assert root.find("service/metadata").text == "false"


def test_a_service_definition_and_an_unknown_one(client, seeded):
    assert client.get("/open311/v2/services/water.json").json() == {"service_code": "water", "attributes": []}
    missing = client.get("/open311/v2/services/weather.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404 and missing.json()[0]["description"]
    xml_error = ElementTree.fromstring(client.get("/open311/v2/services/weather.xml").content)
    assert xml_error.tag == "errors" and xml_error.find("error/code").text == "404"


def test_requests_list_published_concerns_with_the_specification_fields(client, published):
    services.concern_submit(text="not reviewed yet", channel=Channel.WEB)
    records = client.get("/open311/v2/requests.json").json()
    assert len(records) == 1
    record = records[0]
    assert set(record) == REQUEST_FIELDS
    assert record["service_request_id"] == str(published.pk)
    assert (record["status"], record["status_notes"], record["service_code"]) == ("open", "Utility informed", "water")
    assert record["description"] == "The canal is dry"
    assert (record["lat"], record["long"]) == (40.12, 67.83)
    assert record["requested_datetime"].endswith(("+05:00", "Z")) and "T00:00:00" in record["requested_datetime"]
    root = ElementTree.fromstring(client.get("/open311/v2/requests.xml").content)
    assert root.tag == "service_requests"
    assert {child.tag for child in root.find("request")} == REQUEST_FIELDS


def test_requests_filter_by_status_code_dates_and_ids(client, published):
    assert len(client.get("/open311/v2/requests.json?status=closed").json()) == 0
    assert len(client.get("/open311/v2/requests.json?status=open").json()) == 1
    assert len(client.get("/open311/v2/requests.json?service_code=roads-transport").json()) == 0
    assert (
        len(
            client.get("/open311/v2/requests.json?start_date=2000-01-01T00:00:00Z&end_date=2000-02-01T00:00:00Z").json()
        )
        == 0
    )
    assert len(client.get(f"/open311/v2/requests.json?service_request_id={published.pk},99999").json()) == 1
    bad = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400


def test_a_single_request_is_a_one_element_list(client, published):
    single = client.get(f"/open311/v2/requests/{published.pk}.json").json()
    assert isinstance(single, list) and len(single) == 1
    assert client.get("/open311/v2/requests/99999.json").status_code == 404


def test_posting_needs_an_api_key(client, seeded):
    response = client.post("/open311/v2/requests.json", {"service_code": "water", "description": "No water"})
    assert response.status_code == 403 and response.json()[0]["code"] == 403
    wrong = client.post(
        "/open311/v2/requests.json", {"api_key": "guess", "service_code": "water", "description": "No water"}
    )
    assert wrong.status_code == 403
    assert Concern.objects.count() == 0


def test_a_partner_posts_a_request_that_goes_through_triage_and_gets_an_id_once_published(client, partner_key):
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": partner_key,
            "service_code": "water",
            "description": "Pump broken in the mahalla",
            "lat": "40.11",
            "long": "67.84",
            "email": "r@example.org",
        },
    )
    assert response.status_code == 201
    token = response.json()[0]["token"]
    concern = Concern.objects.get()
    assert (concern.channel, concern.status, concern.is_published) == ("open311", "received", False)
    assert client.get(f"/open311/v2/tokens/{token}.json").json() == [{"service_request_id": None, "token": token}]
    services.concern_publish(actor=UserFactory(username="f"), concern=concern, public_text="Pump broken")
    assert client.get(f"/open311/v2/tokens/{token}.json").json()[0]["service_request_id"] == str(concern.pk)
    assert client.get("/open311/v2/tokens/unknown.json").status_code == 404


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"service_code": "weather", "description": "x"}, 400),
        ({"service_code": "water", "description": ""}, 400),
        ({"service_code": "water", "description": "x", "lat": "north"}, 400),
        ({"service_code": "water", "description": "x", "address_id": "XX-1"}, 400),
    ],
)
def test_bad_posts_are_errors_and_store_nothing(client, partner_key, data, status):
    response = client.post("/open311/v2/requests.xml", {"api_key": partner_key, **data})
    assert response.status_code == status
    assert ElementTree.fromstring(response.content).tag == "errors"
    assert Concern.objects.count() == 0


def test_an_unknown_format_is_an_error(client, seeded):
    assert client.get("/open311/v2/services.csv").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "service_request_id=%C2%B2",
        "service_request_id=" + "9" * 30,
        "start_date=2024-02-30T10:00:00",
        "end_date=0001-01-01",
        "start_date=9999-12-31T23:59:59-12:00",
        "service_code=water%00",
    ],
)
def test_odd_query_values_are_a_400_or_an_empty_list_never_a_500(client, published, query):
    response = client.get(f"/open311/v2/requests.json?{query}")
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        assert response.json() == []


def test_an_idempotency_key_gives_one_concern_per_partner(client, partner_key):
    data = {"api_key": partner_key, "service_code": "water", "description": "Pump broken", "idempotency_key": "f" * 32}
    first = client.post("/open311/v2/requests.json", data)
    second = client.post("/open311/v2/requests.json", data)
    assert first.status_code == second.status_code == 201
    assert Concern.objects.count() == 1
