"""The production shape that `make prod-check` starts (deploy/prodcheck.py): two gunicorn instances behind
one nginx, one RQ worker, the scheduler, PostgreSQL and Redis. These tests talk to the two instances
directly and to nginx, and read the database the shape writes to.

Whatever one instance counts, stores or writes, the other must see: rate limits and receipt-guessing
limits, idempotent retries, the key cookie of a signed-in recipient, uploaded photos, the daily claim
of the scheduler. Each test counts under its own client address (X-Real-IP, as nginx sends it), so the
limits of one test never touch another's.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code
from ovoz.concerns.models import Attachment, Concern
from ovoz.core.models import AuditEntry
from ovoz.core.tests.hostile import assert_security_headers
from ovoz.operations.tests.prodshape import Instance, needs_shape, shape
from ovoz.testing.media import jpeg_with_gps

pytestmark = [pytest.mark.slow, needs_shape]


@pytest.fixture(autouse=True)
def empty_cache():
    """Overrides the suite's: here the cache is the shape's Redis, which also holds its task queue."""


@pytest.fixture(autouse=True)
def shape_database(django_db_blocker):
    """The ORM reads and writes the shape's own database (ovoz_prodcheck), not a test database."""
    with django_db_blocker.unblock():
        yield


def _address() -> str:
    """A client address of this test's own (TEST-NET-2; only ever a header value, never dialled)."""
    return f"198.51.100.{secrets.randbelow(250) + 1}"


@pytest.fixture
def instances():
    first, second = shape()["instances"]
    address = _address()
    pair = Instance(first, client_address=address), Instance(second, client_address=address)
    yield pair
    for instance in pair:
        instance.close()


def _sign_in(instance: Instance, user) -> None:
    response = instance.form_post("/staff/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["location"] == "/staff/login/verify/", response.text[:500]
    response = instance.form_post("/staff/login/verify/", {"code": current_code(user)})
    assert response.status_code == 302, response.text[:500]


def test_failed_receipt_lookups_count_across_both_instances(instances):
    limit = 6  # OVOZ_FOLLOW_ATTEMPTS of the shape
    answers = [
        instances[attempt % 2].post("/api/v1/concerns/follow", json={"receipt": "ABCD-EFGH-JKLM-NPQR"}).status_code
        for attempt in range(limit + 1)
    ]
    # Four processes (two instances of two workers): a per-process count would never reach the limit.
    assert answers == [404] * limit + [429]


def test_new_concerns_count_across_both_instances(instances):
    limit = 8  # OVOZ_INTAKE_LIMIT of the shape
    answers = [
        instances[attempt % 2].post("/api/v1/concerns", json={"text": f"Street lamp {attempt} is out"}).status_code
        for attempt in range(limit + 1)
    ]
    assert answers == [201] * limit + [429]


def test_an_idempotent_retry_sent_to_the_other_instance_gets_the_same_receipt(instances):
    key = secrets.token_urlsafe(24)
    text = f"The bridge railing is broken ({key})"
    first = instances[0].post("/api/v1/concerns", json={"text": text}, headers={"Idempotency-Key": key})
    retry = instances[1].post("/api/v1/concerns", json={"text": text}, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and retry.status_code in (200, 201)
    assert retry.json()["receipt"] == first.json()["receipt"]
    assert Concern.objects.filter(text=text).count() == 1


def test_a_confidential_concern_opened_on_one_instance_with_the_key_cookie_opens_on_the_other(instances):
    recipient = UserFactory(
        username=f"intake-{secrets.token_hex(3)}", role=DeploymentRole.NONE, receives_confidential=True
    )
    staff_on_first = instances[0]
    _sign_in(staff_on_first, recipient)  # the first sign-in makes the recipient's key
    assert "__Host-ovoz_unlock" in staff_on_first.cookies

    story = f"My neighbour beats his wife ({secrets.token_hex(4)})"
    reporter = Instance(instances[1].url, client_address=_address())
    submitted = reporter.post("/api/v1/concerns", json={"text": story, "visibility": "confidential"})
    assert submitted.status_code == 201, submitted.text
    concern = Concern.objects.filter(visibility="confidential").latest("pk")
    assert concern.is_sealed and story not in concern.text  # no plain text in the database

    for url in shape()["instances"]:
        staff = Instance(url, client_address=staff_on_first.client_address, cookies=staff_on_first.cookies)
        page = staff.get(f"/staff/concerns/{concern.pk}/")
        assert page.status_code == 200 and story in page.text, url
        without_key = dict(staff_on_first.cookies)
        without_key.pop("__Host-ovoz_unlock")
        page = Instance(url, client_address=staff.client_address, cookies=without_key).get(
            f"/staff/concerns/{concern.pk}/"
        )
        assert story not in page.text


def test_a_photo_uploaded_through_one_instance_is_read_on_the_other(instances):
    reporter = instances[0]
    marker = secrets.token_hex(4)
    response = reporter.form_post(
        "/en/report/",
        {"text": f"Rubbish dumped by the school ({marker})", "submission_token": secrets.token_urlsafe(24)},
        files={"photos": ("photo.jpg", jpeg_with_gps(), "image/jpeg")},
    )
    assert response.status_code == 303, response.text[:2000]
    concern = Concern.objects.get(text__contains=marker)
    attachment = Attachment.objects.get(concern=concern)

    coordinator = UserFactory(username=f"coordinator-{marker}")
    staff = Instance(instances[1].url, client_address=_address())
    _sign_in(staff, coordinator)
    photo = staff.get(f"/staff/concerns/{concern.pk}/photos/{attachment.pk}/")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert photo.content.startswith(b"\xff\xd8") and b"PhoneMaker" not in photo.content  # EXIF removed


def test_the_daily_tasks_run_once_not_once_per_scheduler():
    # The shape's scheduler started with OVOZ_REMINDER_HOUR=0: today's tasks were due at once, and the
    # RQ worker ran them.
    deadline = time.monotonic() + 60
    due = ("retention.applied", "backup.created")
    while AuditEntry.objects.filter(action__in=due).count() < len(due) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert AuditEntry.objects.filter(action="retention.applied").count() == 1
    assert AuditEntry.objects.filter(action="backup.created").count() == 1  # OVOZ_BACKUP_DIR is set

    # A second and third scheduler (another server, a restart) find the day claimed.
    for _ in range(2):
        output = subprocess.run(
            [*shape()["ovoz"], "scheduler", "--once"], cwd=shape()["var"], capture_output=True, text=True, check=True
        ).stdout
        assert output.startswith("Nothing to enqueue"), output
    time.sleep(2)
    assert AuditEntry.objects.filter(action="retention.applied").count() == 1
    assert AuditEntry.objects.filter(action="audit.verified").count() == 1
    assert AuditEntry.objects.filter(action="backup.created").count() == 1
    assert len(list(Path(settings.OVOZ_BACKUP_DIR).glob("ovoz-*.backup"))) == 1


# --- nginx ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def through_nginx():
    with httpx.Client(base_url=shape()["https_url"], verify=False, timeout=30) as client:  # noqa: S501 (self-signed)
        yield client


def test_pages_through_nginx_carry_the_security_headers_and_no_server_version(through_nginx):
    # The suite's security headers check (ovoz.core.tests.hostile), on what nginx hands out.
    for path in ("/en/", "/en/report/", "/ru/follow/", "/staff/login/", "/api/v1/themes", "/en/nonexistent/"):
        response = through_nginx.get(path)
        assert response.status_code in (200, 404), path
        assert_security_headers(path, response.headers)
        assert response.headers["strict-transport-security"].startswith("max-age=31536000"), path
        assert response.headers["server"] == "nginx", path  # server_tokens off: no version
        assert response.headers["cross-origin-opener-policy"] == "same-origin", path
    cookies = through_nginx.get("/en/report/").headers.get_list("set-cookie")
    assert any(cookie.startswith("__Host-ovoz_csrf=") for cookie in cookies)
    assert all("; Secure" in cookie and "; HttpOnly" in cookie for cookie in cookies)


def test_nginx_serves_static_files_precompressed_and_never_compresses_a_private_page(through_nginx):
    html = through_nginx.get("/en/report/", headers={"Accept-Encoding": "identity"}).text
    stylesheet = re.search(r'href="(/static/ovoz/ovoz\.[0-9a-f]{12}\.css)"', html).group(1)
    for encoding in ("br", "gzip"):
        response = through_nginx.get(stylesheet, headers={"Accept-Encoding": encoding})
        assert response.status_code == 200 and response.headers["content-encoding"] == encoding
        assert "immutable" in response.headers["cache-control"]
        assert response.headers["strict-transport-security"].startswith("max-age=")
    # Ovoz gzips a page with no secret itself; nginx adds no compression of its own to any page.
    public = through_nginx.get("/en/report/", headers={"Accept-Encoding": "gzip, br"})
    assert public.headers.get("content-encoding") == "gzip"
    private = through_nginx.get("/en/follow/", headers={"Accept-Encoding": "gzip, br"})
    assert private.status_code == 200 and "content-encoding" not in private.headers
    assert through_nginx.get("/media/anything.jpg").status_code == 404


def test_nginx_speaks_http2_and_sends_plain_http_to_https():
    https_url = shape()["https_url"]
    result = subprocess.run(
        ["curl", "--http2", "-k", "-s", "-o", "/dev/null", "-w", "%{http_version}", f"{https_url}/en/"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "2"
    plain = httpx.get(f"{shape()['http_url']}/en/report/?a=1", follow_redirects=False)
    assert plain.status_code == 301 and plain.headers["location"] == "https://localhost/en/report/?a=1"


def test_nginx_refuses_a_body_over_16_mb_and_closes_a_slow_header(through_nginx):
    too_big = through_nginx.post("/api/v1/concerns", content=b"x" * (17 * 1024 * 1024))
    assert too_big.status_code == 413

    import socket
    import ssl

    host, port = "127.0.0.1", int(shape()["https_url"].rsplit(":", 1)[1])
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=30) as raw, context.wrap_socket(raw) as tls:
        tls.sendall(b"GET /en/ HTTP/1.1\r\nHost: localhost\r\n")  # and never the end of the header
        started = time.monotonic()
        assert tls.recv(1024) == b""  # closed by nginx
        assert time.monotonic() - started < 15  # client_header_timeout 10s


def test_nginx_logs_an_invitations_link_and_an_open311_token_masked(through_nginx):
    secret = secrets.token_urlsafe(24).replace(".", "")
    assert through_nginx.get(f"/staff/invitation/{secret}/").status_code == 404
    assert through_nginx.get(f"/open311/v2/tokens/{secret}.json").status_code == 404
    expected = ['"GET /staff/invitation/[token]/" 404', '"GET /open311/v2/tokens/[token].json" 404']
    # nginx writes a request's line once it has sent the answer, so the line may come a moment after it.
    deadline = time.monotonic() + 5
    while True:
        log = (Path(shape()["logs"]) / "nginx-access.log").read_text()
        if all(line in log for line in expected) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert secret not in log
    assert all(line in log for line in expected), log[-2000:]
