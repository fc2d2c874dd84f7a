"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work): docs/deployment.md, "Health".

``/readyz`` checks the primary database, the cache, the task backlog and the free space on the
media folder's disk, and answers 200 or 503. Anyone gets the verdict only (``ok`` or
``unavailable``); a caller with ``Authorization: Bearer <OVOZ_METRICS_TOKEN>`` also gets each check
with a short detail (a number, or the class of the error, never its message: it may name a host,
a user or a path). The replica, when configured, is reported but does not make the instance
unready: every instance shares it, and the forms and staff pages work without it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from ovoz.core.failures import failure_kind
from ovoz.core.metrics import token_given
from ovoz.core.replica import REPLICA, replica_configured
from ovoz.operations.metrics import task_queue_depth


@dataclass(frozen=True)
class Check:
    name: str
    is_ok: bool
    detail: str
    is_required: bool = True


def _guarded(name: str, probe: Callable[[], tuple[bool, str]], *, is_required: bool = True) -> Check:
    try:
        is_ok, detail = probe()
    except Exception as error:  # any failure is a verdict here, told by its class only
        return Check(name, False, failure_kind(error), is_required)
    return Check(name, is_ok, detail, is_required)


def _database(alias: str) -> Callable[[], tuple[bool, str]]:
    def probe() -> tuple[bool, str]:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,), "answers"

    return probe


def _cache() -> tuple[bool, str]:
    key = f"ovoz-readyz-{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    is_ok = cache.get(key) == "1"
    cache.delete(key)
    return is_ok, "answers" if is_ok else "lost a value"


def _task_backlog() -> tuple[bool, str]:
    depth = task_queue_depth()
    return depth <= settings.OVOZ_READY_MAX_TASK_BACKLOG, f"{depth} waiting"


def _media_disk() -> tuple[bool, str]:
    folder = Path(settings.MEDIA_ROOT)
    while not folder.exists() and folder != folder.parent:  # not created yet: the disk it will be on
        folder = folder.parent
    free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
    return free_mb >= settings.OVOZ_READY_MIN_FREE_MEDIA_MB, f"{free_mb} MB free"


def readiness_checks() -> list[Check]:
    checks = [
        _guarded("database", _database(DEFAULT_DB_ALIAS)),
        _guarded("cache", _cache),
        _guarded("task_backlog", _task_backlog),
        _guarded("media_disk", _media_disk),
    ]
    if replica_configured():
        checks.append(_guarded("replica", _database(REPLICA), is_required=False))
    return checks


@never_cache
def healthz_view(request: HttpRequest) -> HttpResponse:
    """The process answers; it touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@never_cache
def readyz_view(request: HttpRequest) -> HttpResponse:
    """200 when every required check passes, else 503; the checks themselves only with the token."""
    checks = readiness_checks()
    is_ready = all(check.is_ok for check in checks if check.is_required)
    status = 200 if is_ready else 503
    if token_given(request):
        return JsonResponse(
            {"status": "ok" if is_ready else "unavailable", "checks": [asdict(check) for check in checks]},
            status=status,
        )
    return HttpResponse(
        "ok\n" if is_ready else "unavailable\n", status=status, content_type="text/plain; charset=utf-8"
    )
