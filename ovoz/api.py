"""The public API, ``/api/v1/`` (django-ninja; OpenAPI 3 at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from ovoz.concerns.api import router as concerns_router
from ovoz.concerns.api import themes_router
from ovoz.core.api_schemas import ApiError
from ovoz.core.errors import DomainError
from ovoz.core.jsontext import has_unstorable_text
from ovoz.core.scoping import OutOfScope, access_denied_record
from ovoz.groups.api import router as groups_router
from ovoz.insights.alert_api import router as alerts_router
from ovoz.insights.api import router as stats_router
from ovoz.places.api import router as areas_router
from ovoz.referrals.api import router as referrals_router
from ovoz.surveys.api import router as surveys_router


class UnsupportedContentType(Exception):
    pass


class JsonOnlyParser(Parser):
    """Request bodies must be JSON and say so."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise UnsupportedContentType(request.content_type)
        data = super().parse_body(request)
        if has_unstorable_text(data):
            raise ValueError("lone surrogate in a JSON string")  # answered as invalid JSON (400)
        return data


api = NinjaAPI(
    title="Ovoz API",
    version="1",
    description="Raise and follow concerns, and read areas, themes, published concerns and working groups.",
    urls_namespace="api",
    # The interactive docs page loads Swagger UI from a CDN; Ovoz serves no third-party code.
    docs_url=None,
    parser=JsonOnlyParser(),
)
api.add_router("", areas_router)
api.add_router("", themes_router)
api.add_router("", referrals_router)
api.add_router("", concerns_router)
api.add_router("", stats_router)
api.add_router("", groups_router)
api.add_router("", alerts_router)
api.add_router("", surveys_router)


def _error(request: HttpRequest, status: int, detail: str, code: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code, **extra}, status=status)


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error format, not with an HTML page."""
    return JsonResponse({"detail": _("There is no such API endpoint."), "code": "not_found"}, status=404)


@api.exception_handler(ApiError)
def on_api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    return _error(request, error.status, error.detail, error.code)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A service's refusal that an endpoint did not translate itself: its code and translated message."""
    return _error(request, error.http_status, str(error.message), error.code)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    fields = sorted({".".join(str(part) for part in item.get("loc", [])[1:]) for item in error.errors} - {""})
    detail = _("The request is not valid.")
    if fields:
        detail = _("The request is not valid. Check: %(fields)s.") % {"fields": ", ".join(fields)}
    return _error(request, 422, detail, "invalid", errors=error.errors)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    if isinstance(error.__cause__, UnsupportedContentType):
        return _error(
            request, 415, _("Send the request body as JSON (Content-Type: application/json)."), "unsupported_media_type"
        )
    if error.status_code == 400 and str(error).startswith("Cannot parse request body"):
        return _error(request, 400, _("The request body is not valid JSON."), "invalid_json")
    return _error(request, error.status_code, str(error), "bad_request" if error.status_code == 400 else "http_error")


@api.exception_handler(RequestDataTooBig)
def on_request_data_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE (1 MB) is refused before it is read into memory."""
    return _error(request, 413, _("The request body is too large."), "too_large")


@api.exception_handler(OutOfScope)
def on_out_of_scope(request: HttpRequest, refusal: OutOfScope) -> HttpResponse:
    """An object outside the caller's scope (a staff endpoint's selector said so): an audit entry, and
    exactly the answer a missing object gets."""
    access_denied_record(request, target=refusal.target)
    return api.on_exception(request, Http404())


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Authentication is required."), "unauthenticated")
