from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

CSRF_MIDDLEWARE = "ovoz.core.middleware.CsrfViewMiddleware"


@register(Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Stand in for Django's security.W003, which only knows its own middleware by name."""
    if CSRF_MIDDLEWARE not in settings.MIDDLEWARE:
        return [Error(f"{CSRF_MIDDLEWARE} must be in MIDDLEWARE: it is Ovoz's CSRF protection.", id="ovoz.E001")]
    return []
