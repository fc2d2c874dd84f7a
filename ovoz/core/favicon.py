"""``/favicon.ico``: browsers, feed readers and bookmarks ask for it there whatever a page links."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

FAVICON = "ovoz/favicon.ico"


@cache
def _favicon_bytes() -> bytes | None:
    found = finders.find(FAVICON)
    return Path(str(found)).read_bytes() if found else None


@require_safe
def favicon_view(request: HttpRequest) -> HttpResponse:
    """The icon from the static files (pages link ovoz/favicon.svg), cached for a day by the browser."""
    content = _favicon_bytes()
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
