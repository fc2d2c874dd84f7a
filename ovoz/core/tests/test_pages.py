import re

import pytest
from django.utils import translation

from ovoz.concerns.services import themes_seed

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "ru", "uz", "tg", "ky", "kk", "kaa"]
HEADING = "Raise your voice. Solve it together."


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_page_speaks_the_visitors_language(client, language):
    themes_seed()
    response = client.get(f"/{language}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}"' in html
    with translation.override(language):
        heading = translation.gettext(HEADING)
        theme_label = translation.gettext("Water") if language == "en" else None
    if language != "en":
        assert heading != HEADING, "the catalog must translate the home page"
    assert heading in html
    if theme_label:
        assert theme_label in html


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_home_page_lists_themes_in_the_visitors_language(client, language):
    themes_seed()
    from ovoz.concerns.models import Theme

    water = Theme.objects.get(slug="water")
    assert water.labels[language] in client.get(f"/{language}/").content.decode()


def test_every_page_has_a_language_switcher_to_the_same_page(client):
    html = client.get("/ru/").content.decode()
    for language in LANGUAGES:
        if language != "ru":
            assert f'href="/{language}/"' in html
    staff_html = client.get("/staff/login/").content.decode()
    assert 'action="/i18n/setlang/"' in staff_html
    assert staff_html.count("<option value=") == len(LANGUAGES)


def test_switching_language_on_staff_pages_sets_the_language(client):
    client.post("/i18n/setlang/", {"language": "kk", "next": "/staff/login/"})
    html = client.get("/staff/login/").content.decode()
    assert '<html lang="kk"' in html
    with translation.override("kk"):
        assert translation.gettext("Staff sign-in") in html


def test_the_root_redirects_to_a_language(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302
    assert response["Location"] == "/ru/"


def test_home_page_is_light_and_needs_no_javascript(client):
    themes_seed()
    response = client.get("/uz/")
    assert len(response.content) < 30 * 1024
    assert "<script" not in response.content.decode()


@pytest.mark.parametrize("url", ["/en/", "/staff/login/", "/api/v1/themes"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_reference_no_third_party_origin(client):
    html = client.get("/en/").content.decode() + client.get("/staff/login/").content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_the_stylesheet_the_pages_link_is_served(client):
    html = client.get("/en/").content.decode()
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert b"font" in b"".join(response.streaming_content)


def test_the_language_switcher_keeps_the_page(client):
    # The report form's switcher is made of the form's own buttons instead (test_report_form_usability).
    html = client.get("/uz/follow/").content.decode()
    for language in ("en", "ru", "tg", "ky", "kk", "kaa"):
        assert f'href="/{language}/follow/"' in html
