"""The public API, ``/api/v1/`` (django-ninja; OpenAPI 3 at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from ovoz.concerns.api import router as themes_router
from ovoz.places.api import router as areas_router

api = NinjaAPI(
    title="Ovoz API",
    version="1",
    description="Raise and follow concerns, and read areas, themes and published concerns.",
    urls_namespace="api",
    docs_url="docs",
)
api.add_router("", areas_router)
api.add_router("", themes_router)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("The request is not valid."), "code": "invalid", "errors": error.errors},
        status=422,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(error), "code": "http_error"}, status=error.status_code)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Authentication is required."), "code": "unauthenticated"}, status=401
    )
