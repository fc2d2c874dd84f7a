import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client

from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.core.tests.hostile import shows_content, url_values
from ovoz.core.tests.urlwalk import concrete_urls, routes
from ovoz.testing.canary import database_dump_text
from ovoz.testing.web import sign_in

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


# --- Every form of every page ------------------------------------------------------------------


class Forms(HTMLParser):
    """The POST forms of a page: where they post and what they send, as a browser would."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("method", "get").lower() == "post":
            self._form = {}
            self.forms.append((urljoin(self.page_url, attributes.get("action") or self.page_url), self._form))
        if self._form is None:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            if kind != "submit" or name not in self._form:
                self._form.setdefault(name, attributes.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "button" and name:
            self._form.setdefault(name, attributes.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and self._select not in self._form:
            self._form[self._select] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._form[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _post_forms(client: Client, urls: list[str], method: str = "get", data=None) -> list[tuple[str, dict[str, str]]]:
    found = []
    for url in urls:
        response = getattr(client, method)(url, data, follow=True) if data else client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            parser = Forms(url)
            parser.feed(response.content.decode())
            found += parser.forms
    return found


def _is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF verification failed" in response.content


@pytest.mark.walk
def test_every_post_form_of_every_page_is_refused_without_its_csrf_token(hostile_world):
    """Anonymous and signed-in, public and staff, and the forms that only a POST shows (following a
    concern, the second login step): without the token, a CSRF refusal that changes nothing."""
    staff = Client(enforce_csrf_checks=True)
    staff.cookies = hostile_world["staff"].cookies
    anonymous = Client(enforce_csrf_checks=True)
    urls = sorted({url for route, url in concrete_urls(url_values(hostile_world), include=shows_content)})
    forms = [(staff, form) for form in _post_forms(staff, urls)]
    forms += [
        (anonymous, form)
        for form in _post_forms(
            anonymous, [url for url in urls if not url.startswith("/staff/") or "invitation" in url or "login" in url]
        )
    ]
    forms += [
        (anonymous, form)
        for form in _post_forms(
            anonymous,
            ["/en/follow/"],
            "post",
            {"receipt": hostile_world["receipt"], "csrfmiddlewaretoken": anonymous.cookies["csrftoken"].value},
        )
    ]
    # The group's own people see forms an administrator does not (scoring, being named publicly).
    for user in (hostile_world["facilitator"], hostile_world["member"]):
        member = Client(enforce_csrf_checks=True)
        signed_in = Client()
        sign_in(signed_in, user)
        member.cookies = signed_in.cookies
        forms += [(member, form) for form in _post_forms(member, [url for url in urls if "/staff/groups/" in url])]
    # Half-way through the login: the second factor, and its enrolment for a first login.
    for user in (hostile_world["member"], UserFactory(username="newcomer", with_totp=False)):
        pending = Client(enforce_csrf_checks=True)
        pending.get("/staff/login/")
        token = pending.cookies["csrftoken"].value
        pending.post("/staff/login/", {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token})
        forms += [(pending, form) for form in _post_forms(pending, ["/staff/login/verify/", "/staff/login/enrol/"])]

    meeting = hostile_world["meeting"].pk
    actions = {urlsplit(action).path for _client, (action, _data) in forms}
    # The walk found the forms that matter (a guard that it reads pages at all).
    assert {"/en/report/", "/en/follow/", "/staff/login/", "/staff/login/verify/", "/staff/login/enrol/"} <= actions
    assert {"/staff/logout/", "/staff/groups/zomin/", f"/staff/groups/zomin/meetings/{meeting}/"} <= actions
    assert f"/staff/concerns/{hostile_world['public'].pk}/" in actions
    assert f"/staff/groups/zomin/actions/{hostile_world['action'].pk}/" in actions
    assert len(forms) > 40

    before = database_dump_text()
    controls = []
    for client, (action, data) in forms:
        token = data.pop("csrfmiddlewaretoken", None)
        # As a browser sends it under Referrer-Policy: no-referrer (docs/adr/0003): Origin: null.
        response = client.post(action, data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin")
        assert _is_csrf_refusal(response), (action, response.status_code)
        if token and action.endswith(("/en/report/", "/staff/concerns/status/", "/staff/account/")):
            controls.append((client, action, {**data, "csrfmiddlewaretoken": token}))
    assert database_dump_text() == before
    # The same forms with their tokens pass the check: the refusals above were the token's.
    assert len(controls) >= 3
    for client, action, data in controls:
        assert not _is_csrf_refusal(client.post(action, data, HTTP_ORIGIN="null")), action


def test_only_machine_interfaces_are_exempt_from_csrf():
    """Webhooks, the JSON API and Open311 authenticate without cookies; every other view is checked."""
    exempt = {route.template for route in routes() if getattr(route.callback, "csrf_exempt", False)}
    assert exempt
    assert not [template for template in exempt if not template.startswith(("/channels/", "/api/v1/", "/open311/"))]
