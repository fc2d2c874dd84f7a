import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _token(client: Client) -> str:
    html = client.get("/staff/login/").content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def _post(client: Client, token: str | None, **headers):
    data = {"username": "x", "password": "y"}
    if token:
        data["csrfmiddlewaretoken"] = token
    return client.post("/staff/login/", data, **headers)


def test_a_same_origin_form_post_under_no_referrer_is_accepted_with_its_token():
    client = Client(enforce_csrf_checks=True)
    response = _post(client, _token(client), HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 200  # the form answers (wrong password), not a CSRF 403


def test_an_opaque_origin_without_fetch_metadata_rests_on_the_token():
    client = Client(enforce_csrf_checks=True)
    assert _post(client, _token(client), HTTP_ORIGIN="null").status_code == 200
    assert _post(Client(enforce_csrf_checks=True), None, HTTP_ORIGIN="null").status_code == 403


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_an_opaque_origin_from_another_site_or_subdomain_is_refused_even_with_a_planted_token(site):
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "A" * 32  # a token planted by a sibling subdomain ("cookie tossing")
    response = _post(client, "A" * 32, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE=site)
    assert response.status_code == 403


def test_a_post_from_another_origin_is_refused_even_with_a_token():
    client = Client(enforce_csrf_checks=True)
    response = _post(client, _token(client), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403


def test_production_cookies_use_the_host_prefix(settings):
    import subprocess
    import sys

    code = "from django.conf import settings; print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)"
    env = {
        "OVOZ_ENV": "production",
        "OVOZ_SECRET_KEY": "k" * 60,
        "OVOZ_DATABASE_URL": "sqlite:////tmp/x.sqlite3",
        "OVOZ_ALLOWED_HOSTS": "ovoz.example.org",
        "DJANGO_SETTINGS_MODULE": "ovoz.settings",
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["__Host-ovoz_session", "__Host-ovoz_csrf"]
