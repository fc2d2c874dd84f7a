"""The report page's service worker, served from the site's root so that its scope can cover the report
page of every language (/<language>/report/); a file under /static/ could only control /static/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

WORKER = "ovoz/report-worker.js"


@cache
def _worker_source() -> bytes:
    found = finders.find(WORKER)
    if not isinstance(found, str):
        raise FileNotFoundError(WORKER)
    return Path(found).read_bytes()


@require_GET
def report_worker_view(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_worker_source(), content_type="text/javascript; charset=utf-8")
    # Browsers look for a new worker at each visit; no-cache makes them ask this server, not a cache.
    response["Cache-Control"] = "no-cache"
    return response
