import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _token(client: Client) -> str:
    html = client.get("/staff/login/").content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_form_post_with_the_opaque_origin_of_no_referrer_is_accepted_with_its_token():
    client = Client(enforce_csrf_checks=True)
    token = _token(client)
    response = client.post(
        "/staff/login/", {"csrfmiddlewaretoken": token, "username": "x", "password": "y"}, HTTP_ORIGIN="null"
    )
    assert response.status_code == 200  # the form answers (wrong password), not a CSRF 403


def test_a_post_with_an_opaque_origin_and_no_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.get("/staff/login/")
    response = client.post("/staff/login/", {"username": "x", "password": "y"}, HTTP_ORIGIN="null")
    assert response.status_code == 403


def test_a_post_from_another_origin_is_refused_even_with_a_token():
    client = Client(enforce_csrf_checks=True)
    token = _token(client)
    response = client.post(
        "/staff/login/",
        {"csrfmiddlewaretoken": token, "username": "x", "password": "y"},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
