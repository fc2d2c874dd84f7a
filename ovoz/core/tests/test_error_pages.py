"""Error pages with DEBUG off (as `ovoz serve` runs): the site's layout in the page's language, never
Django's debug pages with their URL patterns and stack traces."""

import pytest
from django.template import loader
from django.utils import translation

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.testing.web import sign_in

URL_PATTERN_TRACES = ("URLconf", "Using the URLconf", "api/v1/", "open311", "Traceback", "technical_404")


def _assert_no_debug_trace(html: str) -> None:
    for trace in URL_PATTERN_TRACES:
        assert trace not in html, trace


@pytest.mark.django_db
def test_a_missing_page_answers_404_in_the_pages_language_without_url_patterns(client, settings):
    assert settings.DEBUG is False
    response = client.get("/ru/nonexistent/")
    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="ru"' in html
    assert "<h1>Страница не найдена</h1>" in html
    assert '<a href="/ru/report/">' in html  # the site's own navigation, in that language
    _assert_no_debug_trace(html)


@pytest.mark.django_db
def test_a_staff_object_outside_the_users_scope_answers_the_translated_404(client):
    facilitator = UserFactory(username="facilitator")
    sign_in(client, facilitator)
    client.cookies["ovoz_language"] = "ru"
    response = client.get("/staff/concerns/999999/")
    assert response.status_code == 404
    assert "<h1>Страница не найдена</h1>" in response.content.decode()
    _assert_no_debug_trace(response.content.decode())


@pytest.mark.django_db
def test_a_staff_action_the_user_may_not_take_answers_the_translated_403(client):
    administrator = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    other = UserFactory(username="other")
    sign_in(client, administrator)
    client.cookies["ovoz_language"] = "ru"
    response = client.post(f"/staff/admin/accounts/user/{other.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="ru"' in html and "<h1>Нет доступа</h1>" in html
    assert "403 Forbidden" not in html


@pytest.mark.django_db
def test_a_bad_request_answers_400_with_the_sites_layout_in_the_language_of_its_url(client):
    # Refused before LocaleMiddleware runs: the language this thread served last must not leak in.
    translation.activate("ru")
    try:
        response = client.get("/en/concerns/?theme=%00")
    finally:
        translation.deactivate()
    assert response.status_code == 400
    html = response.content.decode()
    assert '<header class="site">' in html and "<h1>Bad request</h1>" in html and '<html lang="en"' in html
    _assert_no_debug_trace(html)
    tajik = client.get("/tg/concerns/?theme=%00").content.decode()
    assert '<html lang="tg"' in tajik and "<h1>Bad request</h1>" not in tajik


def test_the_500_page_renders_without_a_request_or_a_database():
    # No django_db mark: any query here fails the test. Django renders 500.html with an empty context.
    with translation.override("ru"):
        html = loader.get_template("500.html").render()
    assert '<html lang="ru"' in html and "<h1>Ошибка сервера</h1>" in html
    assert '<a href="/ru/dashboard/">' in html and 'href="//' not in html


def test_favicon_ico_is_answered_and_pages_link_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content.startswith(b"\x00\x00\x01\x00")  # an ICO header
    with translation.override("en"):
        html = loader.get_template("500.html").render()
    assert '<link rel="icon" href="/static/ovoz/favicon.svg" type="image/svg+xml">' in html
