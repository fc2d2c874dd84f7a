"""/healthz, /readyz and /metrics: verdicts for anyone, details and figures only with the token,
counts only (issue 17)."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY

from ovoz.channels.choices import ChannelKind, OutboundState
from ovoz.channels.models import OutboundMessage
from ovoz.channels.services import channel_create
from ovoz.core import metrics as core_metrics
from ovoz.operations import health
from ovoz.testing.canary import canary

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "metrics-token-for-tests-0123456789"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def token(settings):
    settings.OVOZ_METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def _scrape(client: Client, token: dict[str, str]) -> str:
    response = client.get("/metrics", **token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.content.decode()


def _waiting_tasks(count: int, *, status: TaskResultStatus = TaskResultStatus.READY) -> None:
    for _ in range(count):
        DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="ovoz.concerns.tasks.notify_reporter",
            backend_name="default",
            run_after="9999-01-01T00:00:00Z",  # the database backend's "as soon as possible"
        )


# --- /healthz and /readyz ------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client):
    response = client.get("/healthz")  # no database access is allowed in this test
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_says_only_ok_to_anyone_and_each_check_to_the_token(client, token):
    anonymous = client.get("/readyz")
    assert (anonymous.status_code, anonymous.content) == (200, b"ok\n")

    detailed = client.get("/readyz", **token)
    assert detailed.status_code == 200
    body = detailed.json()
    assert body["status"] == "ok"
    assert [check["name"] for check in body["checks"]] == ["database", "cache", "task_backlog", "media_disk"]
    assert all(check["is_ok"] for check in body["checks"])
    assert client.get("/readyz", HTTP_AUTHORIZATION="Bearer wrong").content == b"ok\n"


@pytest.mark.django_db
def test_readyz_fails_on_a_task_backlog_and_tells_how_long_only_to_the_token(client, settings, token):
    settings.TASKS = DATABASE_TASKS
    settings.OVOZ_READY_MAX_TASK_BACKLOG = 2
    _waiting_tasks(3)

    anonymous = client.get("/readyz")
    assert (anonymous.status_code, anonymous.content) == (503, b"unavailable\n")
    detailed = client.get("/readyz", **token)
    assert detailed.status_code == 503
    backlog = next(check for check in detailed.json()["checks"] if check["name"] == "task_backlog")
    assert backlog == {"name": "task_backlog", "is_ok": False, "detail": "3 waiting", "is_required": True}


@pytest.mark.django_db
def test_readyz_fails_when_the_media_disk_is_nearly_full(client, settings, token, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not" / "created" / "yet"
    settings.OVOZ_READY_MIN_FREE_MEDIA_MB = 10**12
    response = client.get("/readyz", **token)
    assert response.status_code == 503
    disk = next(check for check in response.json()["checks"] if check["name"] == "media_disk")
    assert disk["is_ok"] is False and disk["detail"].endswith(" MB free")


@pytest.mark.django_db
def test_a_failing_check_is_told_by_its_class_never_its_message(client, monkeypatch, token):
    secret = canary("db-host")

    def unreachable():
        raise OperationalError(f'connection to server at "{secret}" failed')

    monkeypatch.setattr(health, "_cache", unreachable)
    response = client.get("/readyz", **token)
    assert response.status_code == 503
    assert secret not in response.content.decode()
    cache_check = next(check for check in response.json()["checks"] if check["name"] == "cache")
    assert cache_check["detail"] == "OperationalError"
    assert client.get("/readyz").content == b"unavailable\n"


# --- /metrics ------------------------------------------------------------------------------------


def test_metrics_do_not_exist_without_a_token_configured(client, settings):
    settings.OVOZ_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "authorization",
    ["", f"Basic {TOKEN}", f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", "Bearer", f"bearer{TOKEN}"],
)
def test_metrics_refuse_anything_but_the_token(client, settings, authorization):
    settings.OVOZ_METRICS_TOKEN = TOKEN
    response = client.get("/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert b"ovoz_" not in response.content


@pytest.mark.django_db
def test_requests_are_counted_by_view_name_never_by_path(client, token):
    client.get("/en/concerns/987654321/")  # a 404 from the view: ids stay out of the labels
    client.get("/en/no-such-page-424242/")
    before = REGISTRY.get_sample_value(
        "ovoz_http_requests_total", {"view": "healthz", "method": "GET", "status": "200"}
    )
    client.get("/healthz")

    text = _scrape(client, token)

    assert 'ovoz_http_requests_total{method="GET",status="404",view="concern"}' in text
    assert 'ovoz_http_requests_total{method="GET",status="404",view="unresolved"}' in text
    after = REGISTRY.get_sample_value("ovoz_http_requests_total", {"view": "healthz", "method": "GET", "status": "200"})
    assert after == (before or 0) + 1
    assert 'ovoz_http_request_duration_seconds_bucket{le="0.5",method="GET",view="healthz"}' in text
    labels = " ".join(re.findall(r"\{[^}]*\}", text))  # not the values: a duration may hold any digits
    assert "987654321" not in labels and "424242" not in labels


@pytest.mark.django_db
def test_concerns_received_are_counted_per_channel_once_committed(client, token, django_capture_on_commit_callbacks):
    labels = {"channel": "api"}
    before = REGISTRY.get_sample_value("ovoz_concerns_received_total", labels) or 0
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/concerns", {"text": canary("text")}, content_type="application/json")
    assert created.status_code == 201
    assert REGISTRY.get_sample_value("ovoz_concerns_received_total", labels) == before + 1
    assert f'ovoz_concerns_received_total{{channel="api"}} {before + 1}' in _scrape(client, token)


@pytest.mark.django_db
def test_tasks_and_outbound_messages_are_read_when_scraped(client, settings, token):
    settings.TASKS = DATABASE_TASKS
    _waiting_tasks(2)
    _waiting_tasks(1, status=TaskResultStatus.FAILED)
    channel, _secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": "https://gateway.example.org/send"}
    )
    for state in (OutboundState.QUEUED, OutboundState.QUEUED, OutboundState.SENT):
        OutboundMessage.objects.create(channel=channel, state=state)

    text = _scrape(client, token)

    assert "ovoz_task_queue_depth 2.0" in text
    assert "ovoz_tasks_failed 1.0" in text
    assert 'ovoz_outbound_messages{state="queued"} 2.0' in text
    assert 'ovoz_outbound_messages{state="sent"} 1.0' in text
    assert 'ovoz_outbound_messages{state="failed"} 0.0' in text


def test_other_apps_declare_counters_once_with_fixed_labels():
    first = core_metrics.counter("test_things_done", "Things done in a test", ["kind"])
    assert core_metrics.counter("test_things_done", "Things done in a test", ["kind"]) is first
    first.labels(kind="a").inc()
    assert REGISTRY.get_sample_value("ovoz_test_things_done_total", {"kind": "a"}) == 1
    with pytest.raises(ValueError):
        core_metrics.counter("test_things_done", "Things done in a test", ["kind", "area"])
    with pytest.raises(ValueError):
        core_metrics.counter("Bad-Name", "no")


MULTIPROCESS_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import django
    django.setup()
    from ovoz.core.metrics import REQUESTS
    if sys.argv[1] == "count":
        REQUESTS.labels(view="map", method="GET", status="200").inc()
        sys.exit(0)
    from django.test import RequestFactory
    from ovoz.operations import metrics
    metrics.LiveCollector.collect = lambda self: iter(())  # no database in this process
    request = RequestFactory().get("/metrics", HTTP_AUTHORIZATION="Bearer " + os.environ["OVOZ_METRICS_TOKEN"])
    print(metrics.metrics_view(request).content.decode())
    """
)


@pytest.mark.slow
def test_workers_counts_add_up_in_multiprocess_mode(tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "ovoz.test_settings",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "OVOZ_METRICS_TOKEN": TOKEN,
    }
    for _worker in range(3):  # three worker processes, each counting one request and exiting
        subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT, "count"], env=env, check=True, cwd=ROOT)
    assert len(list(folder.glob("counter_*.db"))) == 3
    scraped = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRIPT, "scrape"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    assert 'ovoz_http_requests_total{method="GET",status="200",view="map"} 3.0' in scraped
