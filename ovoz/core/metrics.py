"""Prometheus metrics: counts only, never personal data (docs/deployment.md, "Metrics").

Requests are counted by the *name* of the view that answered (``concern``, ``staff:concern``,
``api-1.0.0:concern_create``), never by path: a path carries ids, and anything a client typed. Other
apps count what happens to them through ``counter``; every label value they give must come from a
small fixed set (a channel, a state, a theme slug, a region at most: never a district, a person, an
id or a text).

Under several processes (gunicorn workers) prometheus-client keeps each process's values in files
under ``PROMETHEUS_MULTIPROC_DIR`` when that variable is set before the first import, and the scrape
adds them up (``ovoz.operations.metrics``). ``ovoz serve`` is one process: it needs no folder.
"""

from __future__ import annotations

import hmac
import re
import threading
import time
from collections.abc import Callable, Sequence

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

PREFIX = "ovoz_"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds; the public pages aim well under 0.5 s, exports and the admin may take seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_counters: dict[str, Counter] = {}
_counters_lock = threading.Lock()


def counter(name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
    """The process's counter ``ovoz_<name>_total``, created on first use; the same object after that.

    For any app: ``counter("alerts_raised", "Early-warning alerts raised", ["theme"]).labels(theme=slug).inc()``.
    Asking again for a name with other labels is a programming error (ValueError).
    """
    if not _NAME.match(name) or name.endswith("_total"):
        raise ValueError(f"Metric names are lower case words joined by underscores, without _total: {name!r}")
    with _counters_lock:
        existing = _counters.get(name)
        if existing is None:
            existing = _counters[name] = Counter(PREFIX + name, documentation, list(labels))
        elif tuple(existing._labelnames) != tuple(labels):
            raise ValueError(f"The counter {name!r} has the labels {existing._labelnames}, not {tuple(labels)}.")
        return existing


REQUESTS = counter(
    "http_requests", "HTTP requests answered, by view name, method and status", ["view", "method", "status"]
)
LATENCY = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time from the request reaching Django to its response (streamed bodies not included), by view name",
    ["view", "method"],
    buckets=LATENCY_BUCKETS,
)


def view_label(request: HttpRequest) -> str:
    """The name of the view that answered, or ``unresolved`` (a 404 from the resolver, a redirect made
    by a middleware before any view): bounded by the number of URL patterns, never a path."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unresolved"
    return str(match.view_name if match.url_name else match._func_path)


class RequestMetricsMiddleware:
    """Count every request and time it. Outermost, so it sees the responses other middleware make."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in _METHODS else "other"
        view = view_label(request)
        REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view, method=method).observe(elapsed)
        return response


def token_given(request: HttpRequest) -> bool:
    """The request carries ``Authorization: Bearer <OVOZ_METRICS_TOKEN>``, compared in constant time.

    False whenever no token is configured: then nobody gets metrics or health details.
    """
    expected = settings.OVOZ_METRICS_TOKEN
    if not expected:
        return False
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())
