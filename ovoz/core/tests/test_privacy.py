"""No client address and no user agent is stored or logged anywhere (DESIGN §5), proved with canaries."""

import hashlib
import hmac
import http.client
import json
import logging
import logging.handlers
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory

from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Channel
from ovoz.channels.services import channel_create
from ovoz.concerns.models import Attachment, Concern
from ovoz.concerns.services import themes_seed
from ovoz.core import ratelimit
from ovoz.core.models import AuditEntry
from ovoz.core.services import audit_record
from ovoz.core.tests.servers import collected_static_root
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.canary import canary, captured_logs, database_dump_text, files_containing
from ovoz.testing.fakes import TOKEN, FakeBotApi, FakeGateway
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.web import receipt_in, sign_in

ROOT = Path(__file__).resolve().parents[3]


def _ipv6_canary() -> str:
    """A documentation-range IPv6 address written canonically (no zero groups), unique to this run."""
    groups = [f"{random.randint(0x1000, 0xFFFF):x}" for _ in range(6)]
    return "2001:db8:" + ":".join(groups)


def _ipv4_canary() -> str:
    return "10." + ".".join(str(random.randint(100, 254)) for _ in range(3))


def _form_token(html: str) -> str:
    return re.search(r'name="submission_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def isolated_files(settings, tmp_path, monkeypatch):
    """Media and temporary files of this test only, so they can be searched whole."""
    settings.MEDIA_ROOT = tmp_path / "media"
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # every upload goes through a temporary file
    return {"media": settings.MEDIA_ROOT, "tmp": temporary}


@pytest.mark.django_db
def test_a_client_address_and_user_agent_reach_no_table_file_log_cache_or_message(
    settings, isolated_files, django_capture_on_commit_callbacks
):
    areas_seed()
    themes_seed()
    settings.OVOZ_CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    settings.OVOZ_FOLLOW_ATTEMPTS = 2
    address, forwarded, agent = _ipv6_canary(), _ipv4_canary(), canary("Mozilla/5.0 (agent")
    network = address.rsplit(":", 4)[0] + "::"  # the /64 the rate limits count
    needles = [address, network, forwarded, agent]
    planted = {
        "REMOTE_ADDR": address,
        "HTTP_X_FORWARDED_FOR": f"{_ipv4_canary()}, {forwarded}",
        "HTTP_USER_AGENT": agent,
    }
    client = Client(**planted)
    text = canary("report")
    gateway, bot_api = FakeGateway(), FakeBotApi()
    sms, sms_secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": gateway.url}
    )
    telegram, telegram_secret = channel_create(
        actor=None,
        kind=ChannelKind.TELEGRAM,
        name="Bot",
        options={"token": TOKEN, "api_base": bot_api.base},
        default_area=Area.objects.get(code="UZ"),
    )
    staff = UserFactory(username="facilitator-privacy")
    try:
        with captured_logs() as logs, django_capture_on_commit_callbacks(execute=True):
            # The report form, with a contact and a photo.
            token = _form_token(client.get("/en/report/").content.decode())
            photo = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
            response = client.post(
                "/en/report/",
                {
                    "text": f"Water is cut {text}",
                    "submission_token": token,
                    "email": "reporter@example.org",
                    "contact_consent": "on",
                    "photos": [photo],
                },
            )
            receipt = receipt_in(response)
            # The follow page: view, then a message with a photo; then guessing until throttled.
            assert client.post("/en/follow/", {"receipt": receipt}, follow=True).status_code == 200
            photo = SimpleUploadedFile("q.jpg", jpeg_with_gps(), content_type="image/jpeg")
            answer = client.post("/en/follow/", {"action": "message", "text": "More", "photos": [photo]}, follow=True)
            assert answer.status_code == 200
            guesses = [client.post("/en/follow/", {"receipt": f"AAAA-AAAA-AAAA-AAA{n}"}).status_code for n in range(3)]
            assert guesses == [404, 404, 429]  # only failed look-ups count
            # The API.
            created = client.post(
                "/api/v1/concerns",
                {"text": "Gas is cut every evening", "contact": {"email": "api@example.org"}},
                content_type="application/json",
            )
            assert created.status_code == 201
            assert client.post("/api/v1/concerns", "{", content_type="application/json").status_code == 400
            # An SMS, signed, and one with a bad signature.
            body = json.dumps({"id": "gw-1", "from": "+998901234567", "text": "Road is broken"}).encode()
            signature = "sha256=" + hmac.new(sms_secret.encode(), body, hashlib.sha256).hexdigest()
            for signed in (signature, "sha256=0"):
                client.post(
                    f"/channels/sms/{sms.pk}/",
                    body,
                    content_type="application/json",
                    HTTP_X_OVOZ_SIGNATURE=signed,
                )
            # Telegram: a first message, then the language button.
            for update in (
                {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 42, "type": "private"}, "text": "Hi"}},
                {
                    "update_id": 2,
                    "callback_query": {
                        "id": "cb",
                        "data": "language:en",
                        "message": {"message_id": 1, "chat": {"id": 42, "type": "private"}},
                    },
                },
            ):
                response = client.post(
                    f"/channels/telegram/{telegram.pk}/",
                    json.dumps(update),
                    content_type="application/json",
                    HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=telegram_secret,
                )
                assert response.status_code == 200
            # A staff login, a wrong password, and pages that fail: 404, CSRF, a foreign Host header.
            client.post("/staff/login/", {"username": staff.username, "password": "wrong password!"})
            assert sign_in(client, staff)["Location"] == "/staff/"
            assert client.get("/staff/concerns/").status_code == 200
            assert client.get("/en/no-such-page/").status_code == 404
            strict = Client(enforce_csrf_checks=True, **planted)
            assert strict.post("/staff/login/", {"username": "x", "password": "y"}).status_code == 403
            assert client.get("/en/", HTTP_HOST="evil.example").status_code == 400
    finally:
        gateway.close()
        bot_api.close()

    # The requests did what they should, and the searches below look at real data.
    assert Concern.objects.count() == 3 and Attachment.objects.count() == 2
    assert len(gateway.received) == 1 and bot_api.sent()
    assert text in database_dump_text()
    assert any(isolated_files["media"].rglob("*.jpg"))
    for expected in ("Not Found: /en/no-such-page/", "Forbidden (CSRF", "Invalid HTTP_HOST header"):
        assert expected in logs.text
    assert AuditEntry.objects.filter(action="login").exists()
    rate_limit_keys = [key for key in cache._cache if ":ovoz:rl:" in key]
    assert rate_limit_keys

    dump = database_dump_text()
    sent = [message.message().as_string() for message in mail.outbox]
    outgoing = json.dumps(bot_api.calls) + json.dumps([message["body"].decode() for message in gateway.received])
    for needle in needles:
        assert needle not in dump
        assert not files_containing(isolated_files["media"], needle)
        assert not files_containing(isolated_files["tmp"], needle)
        assert needle not in logs.text
        assert not any(needle in message for message in sent)
        assert needle not in outgoing
        assert not any(needle in key for key in cache._cache)


@pytest.mark.django_db
def test_the_canary_helpers_find_what_is_planted(tmp_path):
    """The searches the privacy tests rely on see text, JSON and binary columns, files and logs."""
    text, data, binary, logged = canary("text"), canary("json"), canary("bytes"), canary("log")
    areas_seed()
    Area.objects.create(kind="region", name=text)
    audit_record(action="login", data={"note": data})
    channel, _secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": "http://127.0.0.1:9/"}
    )
    Channel.objects.filter(pk=channel.pk).update(credentials_ciphertext=b"\xff\x00" + binary.encode() + b"\xfe")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "file.bin").write_bytes(b"\x00" + binary.encode())
    with captured_logs() as logs:
        logging.getLogger("httpx").debug("quiet logger %s", logged)  # WARNING in the settings
        logging.getLogger("django.request").warning("plain", extra={"payload": data})
    dump = database_dump_text()
    assert text in dump and data in dump and binary in dump
    assert files_containing(tmp_path, binary) == [tmp_path / "deep" / "er" / "file.bin"]
    assert files_containing(tmp_path, binary, modified_since=time.time() + 60) == []
    assert logged in logs.text and data in logs.text
    assert logging.getLogger("httpx").level == logging.WARNING  # restored


# --- Rate limits -------------------------------------------------------------------------------


def _request(address="203.0.113.9", **meta):
    return RequestFactory().get("/", REMOTE_ADDR=address, **meta)


def _only_key():
    keys = [key for key in cache._cache if ":ovoz:rl:" in key]
    assert len(keys) == 1, keys
    return keys[0]


def test_a_rate_limit_counter_is_keyed_by_a_salted_hash_of_the_address_only():
    address = "203.0.113.77"
    for _ in range(3):
        ratelimit.is_limited(_request(address), scope="follow", limit=5, window_seconds=600)
    key = _only_key()
    assert cache.get(key.split(":", 2)[2]) == 3
    digest = key.rsplit(":", 1)[1]
    assert address not in key
    assert digest not in (hashlib.sha256(address.encode()).hexdigest()[:32], hashlib.md5(address.encode()).hexdigest())  # noqa: S324


def test_the_salt_rotates_with_the_window_so_counts_of_two_windows_cannot_be_linked(monkeypatch):
    request = _request()
    monkeypatch.setattr(time, "time", lambda: 600 * 1000 + 5)
    ratelimit.is_limited(request, scope="follow", limit=5, window_seconds=600)
    first = _only_key()
    cache.clear()
    monkeypatch.setattr(time, "time", lambda: 600 * 1001 + 5)
    ratelimit.is_limited(request, scope="follow", limit=5, window_seconds=600)
    second = _only_key()
    assert first.rsplit(":", 1)[1] != second.rsplit(":", 1)[1]


def test_each_client_has_its_own_limit():
    for _ in range(2):
        assert not ratelimit.is_limited(_request("203.0.113.1"), scope="s", limit=2, window_seconds=600)
    assert ratelimit.is_limited(_request("203.0.113.1"), scope="s", limit=2, window_seconds=600)
    assert not ratelimit.is_limited(_request("203.0.113.2"), scope="s", limit=2, window_seconds=600)


def test_behind_a_proxy_the_address_the_proxy_added_counts_not_what_the_client_wrote(settings):
    settings.OVOZ_CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    for spoofed in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        request = _request("127.0.0.1", HTTP_X_FORWARDED_FOR=f"{spoofed}, 198.51.100.4")
        limited = ratelimit.is_limited(request, scope="s", limit=2, window_seconds=600)
    assert limited
    assert not ratelimit.is_limited(
        _request("127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.5"), scope="s", limit=2, window_seconds=600
    )


def test_an_ipv6_client_is_counted_by_its_network_not_by_each_of_its_addresses():
    for host in ("1", "2", "3"):
        limited = ratelimit.is_limited(_request(f"2001:db8:1:2::{host}"), scope="s", limit=2, window_seconds=600)
    assert limited
    assert not ratelimit.is_limited(_request("2001:db8:1:3::1"), scope="s", limit=2, window_seconds=600)
    assert ratelimit.client_address(_request("::ffff:198.51.100.7")) == "198.51.100.7"


# --- Logs --------------------------------------------------------------------------------------


def test_no_log_handler_would_mail_a_request_report_with_its_headers():
    """Django's default "mail_admins" handler puts every request header into its e-mail."""
    for name in ("django.request", "django.security.csrf", "django.security.DisallowedHost", "django.server"):
        logger: logging.Logger | None = logging.getLogger(name)
        while logger is not None:
            assert not any(isinstance(handler, logging.handlers.SMTPHandler) for handler in logger.handlers)
            assert not any(type(handler).__name__ == "AdminEmailHandler" for handler in logger.handlers), logger
            logger = logger.parent if logger.propagate else None


def test_waitress_logs_a_broken_connection_without_the_client_address():
    from waitress.channel import HTTPChannel
    from waitress.server import create_server

    from ovoz.wsgi import application

    address = f"127.{random.randint(2, 250)}.{random.randint(2, 250)}.{random.randint(2, 250)}"
    server = create_server(application, host="127.0.0.1", port=0)
    port = server.socket.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port), source_address=(address, 0))
    try:
        with captured_logs() as logs:
            server.handle_accept()
            channel = next(item for item in server._map.values() if isinstance(item, HTTPChannel))
            assert address in repr(channel)  # what waitress would have logged
            try:
                raise RuntimeError("connection broke")
            except RuntimeError:
                channel.handle_error()
    finally:
        client.close()
        server.close()
    assert "uncaptured python exception" in logs.text
    assert address not in logs.text


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow  # starts `ovoz serve` in its own process
def test_ovoz_serve_logs_requests_without_the_client_address_or_user_agent(tmp_path):
    """The run command, at DEBUG, on a database without tables: a 500, a 404, a static file, and a
    request body larger than Ovoz takes."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_"))}
    env.update(
        OVOZ_VAR_DIR=str(tmp_path), OVOZ_STATIC_ROOT=collected_static_root(), OVOZ_LOG_LEVEL="DEBUG", OVOZ_DEBUG="0"
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "ovoz", "serve", "--no-worker", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    address = f"127.{random.randint(2, 250)}.{random.randint(2, 250)}.{random.randint(2, 250)}"
    agent = canary("agent")
    statuses = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "ovoz serve did not start"
                time.sleep(0.2)
        for method, path, size in (
            ("GET", "/en/", 0),
            ("GET", "/en/no-such-page/", 0),
            ("GET", "/static/ovoz/ovoz.css", 0),
            ("POST", "/en/report/", 64 * 1024 * 1024),  # announced only: refused before it is read
        ):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(address, 0))
            headers = {"User-Agent": agent, "X-Forwarded-For": address, "Content-Length": str(size)}
            connection.request(method, path, headers=headers)
            statuses.append(connection.getresponse().status)
            connection.close()
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0].decode()
    assert statuses == [500, 404, 200, 413]
    assert "Internal Server Error: /en/" in output and "Not Found: /en/no-such-page/" in output
    assert address not in output
    assert agent not in output
