"""Security headers on every response (DESIGN §5), and a production configuration Django calls clean."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from ovoz.core.tests.hostile import assert_security_headers, url_values
from ovoz.core.tests.urlwalk import concrete_urls

ROOT = Path(__file__).resolve().parents[3]


def test_every_response_carries_the_security_headers(hostile_world):
    """Every URL of the resolver for an anonymous visitor, and the answers that go wrong. (The same
    URLs as an administrator are checked by test_xss's walk, which reads each of them anyway.)"""
    anonymous = Client()
    statuses = set()
    for route, url in concrete_urls(url_values(hostile_world)):
        # The admin's own pages all redirect an anonymous visitor to the same login page.
        if not route.is_admin or route.name == "index":
            response = anonymous.get(url)
            statuses.add(response.status_code)
            assert_security_headers(url, response)
    strict = Client(enforce_csrf_checks=True)
    for method, url, data in [
        ("get", "/", None),
        ("get", "/nothing-here", None),
        ("get", "/en/nothing-here/", None),
        ("get", "/api/v1/nothing-here", None),
        ("get", "/media/nothing-here.jpg", None),
        ("get", "/static/ovoz/ovoz.css", None),
        ("get", "/static/vendor/leaflet-1.9.4/leaflet.js", None),
        ("post", "/en/report/", {"text": "x"}),  # no CSRF token: 403
        ("post", "/api/v1/concerns", "{"),  # not JSON: 400
        ("post", f"/channels/sms/{hostile_world['sms'].pk}/", "{}"),  # no signature: 403
    ]:
        if method == "get":
            response = strict.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        else:
            extra = {"content_type": "application/json"} if isinstance(data, str) else {}
            response = strict.post(url, data, **extra)
        statuses.add(response.status_code)
        assert_security_headers(url, response)
    assert {200, 302, 400, 403, 404, 405} <= statuses


@pytest.mark.django_db
def test_a_signed_in_users_pages_are_kept_in_no_cache_and_public_pages_may_be(world, as_kind):
    """A staff page left in the browser's disk cache stays readable on a shared computer after sign-out."""
    staff = as_kind("facilitator")
    for url in ("/staff/", "/staff/concerns/", "/staff/dashboard/", "/staff/dashboard/themes.csv", "/api/v1/alerts"):
        response = staff.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], url
    assert "no-store" in Client().get("/staff/login/")["Cache-Control"]
    assert "no-store" not in Client().get("/en/concerns/").get("Cache-Control", "")


# Under production settings, in a fresh interpreter: what `manage.py check --deploy` says (through
# Django's own command line, exactly as manage.py runs it), then a few answers through the test client.
PRODUCTION_PROBE = """
import json
import sys
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "check", "--deploy"])
print("--- checked ---", file=sys.stderr)
# As the first start does (docs/deployment.md): pages link the collected, hashed static files.
execute_from_command_line(["manage.py", "collectstatic", "--no-input", "-v", "0"])
from django.test import Client
client = Client(HTTP_HOST="ovoz.example.org")
answers = {}
for url in ("/api/v1/openapi.json", "/en/nothing-here/"):
    response = client.get(url, secure=True)
    answers[url] = {"status": response.status_code, "headers": dict(response.headers)}
plain = client.get("/en/")
answers["http"] = {"status": plain.status_code, "headers": dict(plain.headers)}
print(json.dumps(answers))
"""


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    var = tmp_path_factory.mktemp("production")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ovoz.settings",
        OVOZ_ENV="production",
        OVOZ_VAR_DIR=str(var),
        OVOZ_SECRET_KEY="production-secret-" + "k7Qz" * 12,
        OVOZ_DATA_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        OVOZ_DATABASE_URL=f"sqlite:///{var / 'production.sqlite3'}",
        OVOZ_ALLOWED_HOSTS="ovoz.example.org",
        # A proper production sends mail through a relay (without one, ovoz.E002 refuses to start).
        OVOZ_SMTP_URL="smtp+tls://ovoz:relay-password@mail.example.org:587",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    check_stderr = result.stderr.split("--- checked ---")[0]
    return {"check": lines[0], "stderr": check_stderr, "answers": json.loads(lines[-1])}


@pytest.mark.slow  # production settings in a subprocess
def test_manage_py_check_deploy_is_clean_under_production_settings(production):
    assert production["check"].startswith("System check identified no issues"), production["check"]
    assert "WARNING" not in production["stderr"] and "?:" not in production["stderr"], production["stderr"]


@pytest.mark.slow  # production settings in a subprocess
def test_production_answers_carry_hsts_and_send_plain_http_to_https(production):
    answers = production["answers"]
    assert answers["http"]["status"] == 301
    assert answers["http"]["headers"]["Location"] == "https://ovoz.example.org/en/"
    for url in ("/api/v1/openapi.json", "/en/nothing-here/"):
        headers = answers[url]["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url
        assert_security_headers(url, headers)
    assert answers["/en/nothing-here/"]["status"] == 404
