"""``/metrics``: Prometheus's text format, behind OVOZ_METRICS_TOKEN (docs/deployment.md, "Metrics").

Two kinds of figures:

- counted by the process that saw them (``ovoz.core.metrics``): requests by view, method and
  status, their latency, concerns received per channel, and any counter another app declares. With
  ``PROMETHEUS_MULTIPROC_DIR`` set, every gunicorn worker writes its own into files there and this
  view adds them up.
- read from the database or Redis when Prometheus asks, so they are right whichever process (a web
  worker, a task worker on another machine) did the work: tasks waiting and failed, outbound
  messages by state.

Counts only: no label carries a person, a text, an id, or an area.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ovoz.channels.choices import OutboundState
from ovoz.channels.models import OutboundMessage
from ovoz.core.metrics import token_given

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
_RQ_BACKEND = "django_tasks_rq.RQBackend"


def _task_backend() -> dict[str, Any]:
    backend: dict[str, Any] = settings.TASKS["default"]
    return backend


def task_queue_depth() -> int:
    """Tasks waiting to run now (not those deferred to a later retry): the backlog of every queue."""
    backend = _task_backend()
    if backend["BACKEND"] == _DATABASE_BACKEND:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.ready().count()
    if backend["BACKEND"] == _RQ_BACKEND:
        import django_rq

        return sum(len(django_rq.get_queue(name)) for name in backend.get("QUEUES", ["default"]))
    return 0  # the immediate backend of the tests runs each task at once


def failed_task_count() -> int:
    """Failed tasks still on record: the database backend keeps them OVOZ_TASK_RESULT_DAYS, RQ in its
    failed-job registry. A rise means tasks fail now."""
    backend = _task_backend()
    if backend["BACKEND"] == _DATABASE_BACKEND:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.failed().count()
    if backend["BACKEND"] == _RQ_BACKEND:
        import django_rq

        return sum(django_rq.get_queue(name).failed_job_registry.count for name in backend.get("QUEUES", ["default"]))
    return 0


class LiveCollector(Collector):
    """Figures read when Prometheus asks."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("ovoz_task_queue_depth", "Tasks waiting to run now", value=task_queue_depth())
        yield GaugeMetricFamily(
            "ovoz_tasks_failed", "Failed tasks still on record (kept OVOZ_TASK_RESULT_DAYS)", value=failed_task_count()
        )
        outbound = GaugeMetricFamily(
            "ovoz_outbound_messages", "Replies to reporters and staff on SMS and Telegram, by state", labels=["state"]
        )
        counts = dict(OutboundMessage.objects.values_list("state").annotate(count=Count("pk")).order_by())
        for state in OutboundState.values:
            outbound.add_metric([state], counts.get(state, 0))
        yield outbound
        yield GaugeMetricFamily("ovoz_scrape_timestamp_seconds", "When these figures were read", value=_now())


def _now() -> float:
    return timezone.now().timestamp()


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The figures, to a caller with the token; a 404 without a token configured, a 401 without the
    right one (compared in constant time)."""
    if not settings.OVOZ_METRICS_TOKEN:
        raise Http404
    if not token_given(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if settings.PROMETHEUS_MULTIPROC_DIR:
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path=settings.PROMETHEUS_MULTIPROC_DIR)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    live = CollectorRegistry()
    live.register(LiveCollector())
    return HttpResponse(generate_latest(counted) + generate_latest(live), content_type=CONTENT_TYPE)
