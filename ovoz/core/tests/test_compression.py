"""Gzip only where no secret can leak through a response's length (BREACH; ovoz.core.compression)."""

import pytest

from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel
from ovoz.testing.web import form_token, receipt_in, sign_in

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def _encoding(response):
    return response.headers.get("Content-Encoding")


@pytest.mark.parametrize("url", ["/en/report/", "/en/map/", "/en/dashboard/", "/en/concerns/", "/en/data/"])
def test_anonymous_public_pages_are_gzipped(client, seeded, url):
    response = client.get(url, **GZIP)
    assert response.status_code == 200
    assert _encoding(response) == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_the_receipt_page_is_never_compressed(client, seeded):
    token = form_token(client)
    response = client.post(
        "/en/report/", {"text": "Bread prices doubled this month.", "submission_token": token}, **GZIP
    )
    receipt_in(response)
    assert _encoding(response) is None


def test_the_follow_pages_are_never_compressed(client, seeded):
    submitted = services.concern_submit(text="The school roof leaks onto the children.", channel=Channel.WEB)
    assert _encoding(client.get("/en/follow/", **GZIP)) is None
    opened = client.post("/en/follow/", {"receipt": submitted.receipt}, **GZIP)
    assert opened.status_code == 303 and _encoding(opened) is None
    # The page that shows the concern is a GET (POST/redirect/GET) that reads the receipt kept for this
    # device: it shows a secret of this reporter, so it is never compressed either.
    shown = client.get("/en/follow/", **GZIP)
    assert shown.status_code == 200 and "The school roof leaks" in shown.content.decode()
    assert _encoding(shown) is None


def test_pages_for_a_signed_in_staff_user_are_never_compressed(client, seeded):
    sign_in(client, UserFactory(username="coordinator"))
    for url in ("/staff/", "/staff/concerns/?q=reflected", "/en/map/"):
        response = client.get(url, **GZIP)
        assert response.status_code == 200, url
        assert _encoding(response) is None, url


def test_api_answers_to_a_token_are_never_compressed_and_public_ones_are(client, seeded):
    assert _encoding(client.get("/api/v1/openapi.json", **GZIP)) == "gzip"
    with_token = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer some-token", **GZIP)
    assert _encoding(with_token) is None


def test_the_staff_sign_in_pages_are_never_compressed_even_before_sign_in(client, seeded):
    # Enrolment shows a TOTP secret to a user who has given a password but is not signed in yet.
    user = UserFactory(username="newcomer")
    assert _encoding(client.get("/staff/login/", **GZIP)) is None
    client.post("/staff/login/", {"username": user.username, "password": PASSWORD})
    for url in ("/staff/login/verify/", "/en/report/"):  # a sign-in half done lives in the session
        response = client.get(url, **GZIP)
        assert response.status_code == 200, url
        assert _encoding(response) is None, url
