"""The logs as production writes them (JSON through the console handler and its filters) carry no
client address, user agent, receipt, phone number or text, at any level, 500s included."""

import copy
import io
import json
import logging
import logging.config
import random
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import path

from ovoz.accounts.choices import GrantRole
from ovoz.concerns.services import themes_seed
from ovoz.core.logformat import JsonFormatter
from ovoz.groups.services import member_invite
from ovoz.places.services import areas_seed
from ovoz.testing.canary import canary, captured_logs

ROOT = Path(__file__).resolve().parents[3]


def _boom(request):
    """A view that fails with what the request carried in its exception's message."""
    raise RuntimeError(f"could not handle {request.POST.get('text')} from {request.POST.get('phone')}")


def _debug_log(request):
    logging.getLogger("ovoz.test").debug(
        "debug line", extra={"request": request, "agent": request.headers["User-Agent"]}
    )
    logging.getLogger("ovoz.test").info("shown", extra={"request": request, "status_code": 200})
    raise ValueError(request.headers.get("X-Real-IP"))


def _urlpatterns():
    from ovoz import urls

    return [path("boom/", _boom), path("debug/", _debug_log), *urls.urlpatterns]


urlpatterns = _urlpatterns()


@pytest.fixture
def production_log():
    """The console handler of the production settings (JSON, its filters), every logger at DEBUG,
    writing into a buffer; the test settings' logging comes back afterwards."""
    config = copy.deepcopy(django_settings.LOGGING)
    config["handlers"]["console"]["formatter"] = "json"
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    console = next(handler for handler in logging.getLogger().handlers if handler.get_name() == "console")
    buffer = io.StringIO()
    console.setStream(buffer)
    try:
        with captured_logs():  # every logger at DEBUG, whatever the settings said
            yield buffer
    finally:
        logging.config.dictConfig(django_settings.LOGGING)


def _phone() -> str:
    return "+99890" + "".join(str(random.randint(0, 9)) for _ in range(7))


@pytest.mark.django_db
@pytest.mark.urls("ovoz.core.tests.test_logs")
def test_production_logs_hold_no_address_agent_receipt_phone_or_text(settings, production_log):
    areas_seed()
    themes_seed()
    settings.OVOZ_CLIENT_ADDRESS_HEADER = "X-Real-IP"
    address = "10." + ".".join(str(random.randint(100, 254)) for _ in range(3))
    proxied = "2001:db8:" + ":".join(f"{random.randint(0x1000, 0xFFFF):x}" for _ in range(6))
    agent, text, phone = canary("agent"), canary("text"), _phone()
    client = Client(REMOTE_ADDR=address, HTTP_X_REAL_IP=proxied, HTTP_USER_AGENT=agent, raise_request_exception=False)

    created = client.post(
        "/api/v1/concerns",
        {"text": f"Water is cut {text}", "contact": {"phone": phone}},
        content_type="application/json",
    )
    assert created.status_code == 201
    receipt = created.json()["receipt"]
    assert client.post("/en/follow/", {"receipt": receipt}, follow=True).status_code == 200
    wrong = receipt[:-1] + ("1" if receipt[-1] == "0" else "0")  # one receipt in 32 ends with 0
    assert client.post("/en/follow/", {"receipt": wrong}).status_code == 404
    assert (
        client.post("/api/v1/concerns/follow", {"receipt": receipt}, content_type="application/json").status_code == 200
    )
    assert (
        client.post("/api/v1/concerns", {"text": text, "area": phone}, content_type="application/json").status_code
        == 400
    )
    assert client.get(f"/en/no-such-page/?text={text}&phone={phone}").status_code == 404
    assert (
        Client(enforce_csrf_checks=True, HTTP_USER_AGENT=agent).post("/en/report/", {"text": text}).status_code == 403
    )
    assert client.post("/boom/", {"text": text, "phone": phone}).status_code == 500
    assert client.get("/debug/").status_code == 500

    output = production_log.getvalue()
    lines = [json.loads(line) for line in output.splitlines()]
    for needle in (address, proxied, agent, text, phone, phone.lstrip("+"), receipt, receipt.replace("-", "")):
        assert needle not in output, needle
    # The failures are there, told without their words.
    errors = [line for line in lines if line["logger"] == "django.request" and line["level"] == "ERROR"]
    assert [line["status"] for line in errors] == [500, 500]
    assert "builtins.RuntimeError: [message withheld]" in errors[0]["exception"]
    assert "in _boom" in errors[0]["exception"]
    assert {"logger": "ovoz.test", "level": "DEBUG"}.items() <= lines[
        [line["logger"] for line in lines].index("ovoz.test")
    ].items()
    assert any(line["message"] == "Not Found: /en/no-such-page/" for line in lines)
    assert set().union(*lines) <= {"time", "level", "logger", "message", "status", "exception", "stack"}


def test_the_json_formatter_writes_one_object_per_record_and_nothing_it_was_not_told_to():
    agent = canary("agent")
    try:
        raise KeyError(agent)
    except KeyError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Failed %s", ("x",), sys.exc_info())
    record.request = f"<request with {agent}>"
    record.status_code = 500
    record.stack_info = "Stack (most recent call last):\n  here"

    line = JsonFormatter().format(record)

    assert "\n" not in line and agent not in line
    entry = json.loads(line)
    assert entry["message"] == "Failed x" and entry["status"] == 500 and entry["level"] == "ERROR"
    assert entry["exception"].endswith("builtins.KeyError: [message withheld]")
    assert entry["time"].endswith("+00:00")


def _settings_in(env: dict[str, str], tmp_path) -> str:
    code = "import ovoz.settings as s; print(s.LOGGING['handlers']['console']['formatter'])"
    base = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "OVOZ_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True, check=True, cwd=tmp_path
    )
    return result.stdout.strip()


@pytest.mark.slow
def test_production_logs_json_by_default_and_development_text(tmp_path):
    production = {
        "OVOZ_ENV": "production",
        "OVOZ_SECRET_KEY": "x" * 50,
        "OVOZ_ALLOWED_HOSTS": "ovoz.example.org",
        "OVOZ_DATABASE_URL": "postgres://ovoz@localhost/ovoz",
    }
    assert _settings_in(production, tmp_path) == "json"
    assert _settings_in({**production, "OVOZ_LOG_FORMAT": "text"}, tmp_path) == "plain"
    assert _settings_in({}, tmp_path) == "plain"
    assert _settings_in({"OVOZ_LOG_FORMAT": "json"}, tmp_path) == "json"


@pytest.mark.django_db
@pytest.mark.urls("ovoz.core.tests.test_logs")
def test_an_invitations_link_and_an_open311_token_are_never_logged(world, production_log):
    """Whoever reads the link in a log could accept the invitation first: Django logs the path of every
    refused request, so a refused acceptance form or a wrong link would write it out."""
    _invitation, link = member_invite(
        actor=world["users"]["facilitator"], group=world["group"], email="new@example.org", role=GrantRole.COMMUNITY
    )
    path = link.split("://", 1)[-1].split("/", 1)[-1]
    token = path.rstrip("/").rsplit("/", 1)[-1]
    client = Client()
    refused = client.post(f"/{path}", {"username": "newmember", "password": "short", "password_again": "short"})
    assert refused.status_code == 400
    assert client.get(f"/staff/invitation/{token[:-2]}xy/").status_code == 404
    assert client.get(f"/open311/v2/tokens/{token}.json").status_code == 404

    output = production_log.getvalue()
    assert "Bad Request: /staff/invitation/[token]/" in output
    assert token not in output and token[:-2] not in output
