"""Service workers served from the path they control: a worker's scope can only be at or below the
folder it is served from, so a file under /static/ could only control /static/. The report page's
worker (/report-worker.js, issue 10) and the enumerators' offline collection worker
(/staff/surveys/collect/worker.js) are both answered here, from their files among the static files."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse

# keepPage() and networkFirst(), and offlineStore() (an IndexedDB store; the collection page loads it too),
# which the workers use.
SHARED = ("ovoz/offline-cache.js", "ovoz/offline-store.js")


@cache
def _worker_source(static_path: str) -> bytes:
    parts = []
    for path in (*SHARED, static_path):
        found = finders.find(path)
        if not isinstance(found, str):
            raise FileNotFoundError(path)
        parts.append(Path(found).read_bytes())
    return b"\n".join(parts)


def worker_response(static_path: str) -> HttpResponse:
    """The worker's script, after the shared helpers (one file, so no importScripts() and its own
    caching rules); browsers look for a new worker at each visit, and no-cache makes them ask this
    server, not a cache in between."""
    response = HttpResponse(_worker_source(static_path), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
