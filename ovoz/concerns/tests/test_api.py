import json

import pytest

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, EventKind, Status
from ovoz.concerns.models import Concern, ConcernEvent
from ovoz.concerns.receipts import receipt_hash
from ovoz.places.models import Area

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(
        url, json.dumps(body) if not isinstance(body, bytes | str) else body, content_type="application/json", **headers
    )


def test_post_a_concern_returns_201_with_a_receipt(client, seeded):
    response = post(
        client,
        "/api/v1/concerns",
        {
            "text": "Electricity is cut every evening in our mahalla",
            "language": "en",
            "area": "UZ-JI",
            "themes": ["fuel-energy"],
            "visibility": "public",
            "contact": {"email": "me@example.org"},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "received"
    concern = Concern.objects.get()
    assert concern.receipt_hash == receipt_hash(body["receipt"])
    assert concern.area.code == "UZ-JI" and concern.channel == "api"
    assert [theme.slug for theme in concern.themes.all()] == ["fuel-energy"]


def test_a_point_places_the_concern_and_is_kept_coarse(client, seeded):
    response = post(
        client, "/api/v1/concerns", {"text": "Mudflow blocked the road", "lat": 39.960123, "lon": 68.395987}
    )
    assert response.status_code == 201
    concern = Concern.objects.get()
    assert (concern.latitude, concern.longitude) == (39.96, 68.4)


KEY = "9f1c2b7e-5d44-4a1e-8d0b-3c6a2f1e9b70"


def test_retrying_with_the_same_idempotency_key_creates_one_concern(client, seeded):
    first = post(client, "/api/v1/concerns", {"text": "Flour is too expensive"}, HTTP_IDEMPOTENCY_KEY=KEY)
    second = post(client, "/api/v1/concerns", {"text": "Flour is too expensive"}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert first.status_code == second.status_code == 201
    assert first.json()["receipt"] == second.json()["receipt"]
    assert Concern.objects.count() == 1


def test_the_receipt_answer_is_exactly_what_the_api_schema_documents(client, seeded):
    """The view writes ReceiptOut's body itself (ninja does not validate it): it must stay the schema's."""
    from ovoz.concerns.api import ReceiptOut

    response = post(
        client,
        "/api/v1/concerns",
        {"text": "Someone hits his wife every night, everyone hears it", "themes": ["domestic-violence"]},
    )
    themes = client.get("/api/v1/themes")  # an answer ninja makes
    assert response.status_code == 201 and response["Content-Type"] == themes["Content-Type"]
    body = response.json()
    assert set(body) == set(ReceiptOut.model_fields)
    assert ReceiptOut.model_validate(body).model_dump() == body
    assert body["status"] == "received" and body["visibility"] == "confidential"
    documented = json.loads(client.get("/api/v1/openapi.json").content)["components"]["schemas"]["ReceiptOut"]
    assert set(documented["properties"]) == set(body)


def test_an_idempotency_key_cannot_claim_someone_elses_receipt(client, seeded):
    first = post(
        client,
        "/api/v1/concerns",
        {"text": "My husband hits me", "visibility": "confidential"},
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    other = post(client, "/api/v1/concerns", {"text": "anything"}, HTTP_IDEMPOTENCY_KEY=KEY)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert first.json()["receipt"] not in other.content.decode()
    short = post(client, "/api/v1/concerns", {"text": "anything"}, HTTP_IDEMPOTENCY_KEY="1")
    assert short.status_code == 400 and short.json()["code"] == "idempotency_key_too_short"
    assert Concern.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [{"text": "bad \u0000 byte"}, {"text": "ok", "area": "UZ\u0000"}, {"text": "ok", "themes": ["water\u0000"]}],
)
def test_a_nul_character_is_refused_not_crashed_on(client, seeded, body):
    response = post(client, "/api/v1/concerns", body)
    assert response.status_code == 400
    assert Concern.objects.count() == 0
    assert client.get("/api/v1/concerns?area=UZ%00&theme=w%00").status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b'{"text": "unterminated', "application/json", 400, "invalid_json"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ({"text": 42}, "application/json", 422, "invalid"),
        ({"text": "   "}, "application/json", 400, "text_required"),
        ({"text": "x" * 4001}, "application/json", 400, "text_too_long"),
        ({"text": "ok", "area": "XX-99"}, "application/json", 400, "unknown_area"),
        ({"text": "ok", "themes": ["weather"]}, "application/json", 400, "unknown_theme"),
        ({"text": "ok", "visibility": "secret"}, "application/json", 422, "invalid"),
        ({"text": "ok", "lat": 95, "lon": 10}, "application/json", 400, "invalid_location"),
        ({"text": "ok", "lat": 40}, "application/json", 400, "invalid_location"),
        ({"text": "ok", "language": "fr"}, "application/json", 400, "unknown_language"),
        ({"text": "ok", "contact": {"phone": "123"}}, "application/json", 400, "invalid_phone"),
        ({"text": "ok", "contact": {"email": "not-an-address"}}, "application/json", 400, "invalid_email"),
        ([1, 2, 3], "application/json", 422, "invalid"),
    ],
)
def test_bad_input_is_a_clear_4xx_and_stores_nothing(client, seeded, body, content_type, status, code):
    data = body if isinstance(body, bytes) else json.dumps(body)
    response = client.post("/api/v1/concerns", data, content_type=content_type)
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["code"] == code and payload["detail"]
    assert Concern.objects.count() == 0


def test_error_messages_are_translated(client, seeded):
    response = client.post(
        "/api/v1/concerns", json.dumps({"text": ""}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["detail"] != "Please describe your concern."


def test_follow_shows_status_updates_and_questions(client, seeded):
    receipt = post(client, "/api/v1/concerns", {"text": "Our bridge is broken"}).json()["receipt"]
    facilitator = UserFactory(username="facilitator")
    concern = Concern.objects.get()
    services.concern_change_status(
        actor=facilitator, concern=concern, status=Status.ACCEPTED, note="We will look at it."
    )
    services.concern_message_reporter(actor=facilitator, concern=concern, text="Which bridge?", kind=EventKind.QUESTION)
    body = post(client, "/api/v1/concerns/follow", {"receipt": receipt.lower()}).json()
    assert body["status"] == "accepted"
    assert [update["kind"] for update in body["updates"]] == ["created", "status"]
    assert body["updates"][1]["text"] == "We will look at it."
    assert [question["text"] for question in body["questions"]] == ["Which bridge?"]


def test_follow_reply_adds_information(client, seeded):
    receipt = post(client, "/api/v1/concerns", {"text": "Our bridge is broken"}).json()["receipt"]
    response = post(client, "/api/v1/concerns/follow/reply", {"receipt": receipt, "text": "The one over the canal"})
    assert response.status_code == 201
    assert ConcernEvent.objects.get(kind="reporter_message").text == "The one over the canal"


def test_follow_with_an_unknown_receipt_is_a_404(client, seeded):
    response = post(client, "/api/v1/concerns/follow", {"receipt": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    reply = post(client, "/api/v1/concerns/follow/reply", {"receipt": "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "text": "hello"})
    assert reply.status_code == 404
    assert ConcernEvent.objects.count() == 0


def test_published_concerns_are_listed_with_filters(client, seeded):
    facilitator = UserFactory(username="facilitator")
    jizzakh = Area.objects.get(code="UZ-JI")
    published = services.concern_submit(text="raw", channel=Channel.WEB, area=jizzakh).concern
    services.concern_publish(actor=facilitator, concern=published, public_text="Water is dirty")
    services.concern_submit(text="never published", channel=Channel.WEB)
    body = client.get("/api/v1/concerns").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["text"] == "Water is dirty" and item["area"]["code"] == "UZ-JI" and item["supporters"] == 0
    assert "raw" not in json.dumps(body)
    assert client.get("/api/v1/concerns?area=UZ").json()["count"] == 1
    assert client.get("/api/v1/concerns?area=UZ-SA").json()["count"] == 0
    assert client.get("/api/v1/concerns?status=resolved").json()["count"] == 0
    assert client.get("/api/v1/concerns?area=XX").status_code == 400


def test_the_openapi_schema_describes_the_concern_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ["/api/v1/concerns", "/api/v1/concerns/follow", "/api/v1/concerns/follow/reply"]:
        assert path in paths


@pytest.mark.parametrize(
    "raw",
    ['{"text": "abc \\ud800 def"}', '{"text": "ok", "area": "\\ud800"}', '{"text": "ok", "themes": ["\\udfff"]}'],
)
def test_json_text_no_database_can_store_is_a_400(client, seeded, raw):
    response = client.post("/api/v1/concerns", raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"
    assert Concern.objects.count() == 0
