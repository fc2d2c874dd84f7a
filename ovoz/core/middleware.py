from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import csrf
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.defaults import bad_request


def content_security_policy() -> str:
    """Everything comes from Ovoz's own origin (DESIGN §5), except map tiles where a deployment set a
    tile server (OVOZ_MAP_TILE_URL)."""
    image_sources = ["'self'", "data:"]
    tiles = urlsplit(settings.OVOZ_MAP_TILE_URL.replace("{s}", "tiles"))
    if tiles.scheme in ("http", "https") and tiles.hostname:
        host = tiles.netloc if "{s}" not in settings.OVOZ_MAP_TILE_URL else "*." + tiles.netloc.split(".", 1)[1]
        image_sources.append(f"{tiles.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            "img-src " + " ".join(image_sources),
            "style-src 'self'",
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Add the headers Django's SecurityMiddleware does not set: CSP and a permissions policy; and keep
    the pages of a signed-in user (the staff area, staff API answers) out of every cache, the browser's
    disk included: on a shared computer they stay readable after signing out otherwise."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.content_security_policy = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.content_security_policy)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        user = getattr(request, "user", None)
        if "Cache-Control" not in response.headers and (
            request.path.startswith("/staff/") or (user is not None and user.is_authenticated)
        ):
            add_never_cache_headers(response)
        return response


class RefuseNulBytesMiddleware:
    """A NUL byte in a query string is never meant, and PostgreSQL cannot even compare text with one:
    answer 400 before any view or the admin builds a query from it (the API in its own error format)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if ("%00" in query or "\x00" in query) and any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            # Answered before LocaleMiddleware: the page speaks the language of its URL, not whatever
            # language this thread served last.
            language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
            with translation.override(language):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _("The request is not valid."), "code": "invalid"}, status=400)
                return bad_request(request, ValueError("NUL byte in the query string"))
        return self.get_response(request)


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    """Django's CSRF protection, made to work with ``Referrer-Policy: no-referrer``.

    Under that policy browsers send ``Origin: null`` with every form POST (Fetch standard,
    "serializing a request origin"), which Django's origin check refuses. For an opaque origin the
    browser's ``Sec-Fetch-Site`` decides: ``same-origin`` passes on to the token check, anything
    else (another site, a sibling subdomain) is refused. Browsers too old to send Sec-Fetch-Site
    rest on the token, whose cookie carries the ``__Host-`` prefix in production so no other host
    can plant it. Any real origin is checked exactly as Django does. See docs/adr/0003.
    """

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null":
            return bool(request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") == "same-origin")
        return bool(super()._origin_verified(request))  # type: ignore[misc]  # private, so not in the stubs
