"""Security headers on every response (DESIGN §5), and a production configuration Django calls clean."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

from ovoz.core.tests.hostile import shows_content, url_values
from ovoz.core.tests.urlwalk import concrete_urls

ROOT = Path(__file__).resolve().parents[3]


def assert_security_headers(url: str, headers) -> None:
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )  # {"default-src": "'self'", ...}
    assert directives.get("default-src") == "'self'", (url, policy)
    assert directives.get("frame-ancestors") == "'none'", (url, policy)
    assert directives.get("object-src") == "'none'", (url, policy)
    # Nothing from a third-party origin: only Ovoz itself, inline images as data: and nothing else.
    sources = {source for value in directives.values() for source in value.split()}
    assert sources <= {"'self'", "'none'", "data:"}, (url, policy)
    assert headers.get("Referrer-Policy") == "no-referrer", url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("X-Frame-Options") == "DENY", url


def test_every_response_carries_the_security_headers(hostile_world):
    """Every URL of the resolver, anonymous and as an administrator, and the answers that go wrong."""
    staff, anonymous = hostile_world["staff"], Client()
    statuses = set()
    for route, url in concrete_urls(url_values(hostile_world)):
        # The admin's own pages all redirect an anonymous visitor to the same login page.
        clients = [anonymous] if not route.is_admin or route.name == "index" else []
        clients += [staff] if shows_content(route) else []
        for client in clients:
            response = client.get(url)
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


def _production(code_or_command: list[str], tmp_path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="ovoz.settings",
        OVOZ_ENV="production",
        OVOZ_VAR_DIR=str(tmp_path),
        OVOZ_SECRET_KEY="production-secret-" + "k7Qz" * 12,
        OVOZ_DATA_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        OVOZ_DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        OVOZ_ALLOWED_HOSTS="ovoz.example.org",
    )
    return subprocess.run(
        [sys.executable, *code_or_command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _production(["manage.py", "check", "--deploy"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("System check identified no issues"), result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "?:" not in result.stderr, result.stderr


PRODUCTION_PROBE = """
import json
import django
django.setup()
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


def test_production_answers_carry_hsts_and_send_plain_http_to_https(tmp_path):
    result = _production(["-c", PRODUCTION_PROBE], tmp_path)
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    assert answers["http"]["status"] == 301
    assert answers["http"]["headers"]["Location"] == "https://ovoz.example.org/en/"
    for url in ("/api/v1/openapi.json", "/en/nothing-here/"):
        headers = answers[url]["headers"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload", url
        assert_security_headers(url, headers)
    assert answers["/en/nothing-here/"]["status"] == 404
