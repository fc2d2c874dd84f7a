"""Gzip for pages that carry no secret (BREACH).

A compressed response leaks, through its length, whether text an attacker put into it (a search term,
a query string reflected in a link) matches a secret elsewhere in it; a page that the attacker can make
the victim's browser request again and again, with the same secret each time, gives the secret away a
character at a time (BREACH). The rule (docs/security.md, "Compression"): compress only

- responses to GET and HEAD, so never the receipt page, a follow page with a concern or anything a
  form answers (those come back to a POST);
- outside the staff workspace (``/staff/``, its sign-in pages included: enrolment shows a TOTP secret
  to a user who is not signed in yet);
- to a request with no signed-in user, nothing in its session (a sign-in half done) and no Authorization
  header: staff pages show confidential text, personal data and form values, and API answers to a token
  are the token holder's;
- from a view not marked ``@uncompressed`` (the follow pages are, whatever the method);
- of a text type (HTML, CSS, JavaScript, JSON, GeoJSON, CSV, SVG): photos are compressed already.

What such a page may still hold: Django's CSRF token, masked anew for every response, and the report
form's double-submit token, new for every page, so neither stays the same across the responses an
attacker would compare. Static files are compressed ahead of time by WhiteNoise (settings.STORAGES).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

STAFF_PREFIX = "/staff/"
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/csv",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "image/svg+xml",
)


def uncompressed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Never compress what ``view`` answers: its pages may hold a secret even to a GET."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(*args, **kwargs)
        response.ovoz_uncompressed = True  # type: ignore[attr-defined]
        return response

    return wrapper


def may_compress(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether ``response`` carries no secret by the rule of this module."""
    if request.method not in ("GET", "HEAD") or getattr(response, "ovoz_uncompressed", False):
        return False
    if request.path.startswith(STAFF_PREFIX) or "HTTP_AUTHORIZATION" in request.META:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    session = getattr(request, "session", None)
    if session is not None and not session.is_empty():
        return False
    content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type in COMPRESSED_TYPES


class SafeGZipMiddleware(GZipMiddleware):
    """Django's gzip (with its random filler against length guessing) for responses ``may_compress``."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not may_compress(request, response):
            return response
        return super().process_response(request, response)


class CompressedStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # untyped
    """WhiteNoise's storage (hashed names; gzip and brotli copies) without rewriting JavaScript source map
    comments: vendored libraries name maps they do not ship (leaflet.js.map), and a missing map would stop
    collectstatic. The browser asks for a map only while its developer tools are open."""

    patterns = tuple((glob, rules) for glob, rules in CompressedManifestStaticFilesStorage.patterns if glob != "*.js")
