"""The report page's service worker, served from the site's root so that its scope can cover the report
page of every language (/<language>/report/); a file under /static/ could only control /static/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from ovoz.core.workers import worker_response

WORKER = "ovoz/report-worker.js"


@require_GET
def report_worker_view(request: HttpRequest) -> HttpResponse:
    return worker_response(WORKER)
