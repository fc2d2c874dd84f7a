from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from ovoz.core.mail import KEEPING_BACKENDS

CSRF_MIDDLEWARE = "ovoz.core.middleware.CsrfViewMiddleware"


@register(Tags.security, deploy=True)
def check_csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Stand in for Django's security.W003, which only knows its own middleware by name."""
    if CSRF_MIDDLEWARE not in settings.MIDDLEWARE:
        return [Error(f"{CSRF_MIDDLEWARE} must be in MIDDLEWARE: it is Ovoz's CSRF protection.", id="ovoz.E001")]
    return []


@register(Tags.security)
def check_mail_leaves_the_server(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production every e-mail goes to a relay: a backend that keeps messages on the server's disk
    or console would hold every reporter's address and every staff message where nobody cleans."""
    if getattr(settings, "IS_PRODUCTION", False) and settings.EMAIL_BACKEND in KEEPING_BACKENDS:
        return [
            Error(
                f"EMAIL_BACKEND {settings.EMAIL_BACKEND} writes every e-mail to the server in production.",
                hint="Set OVOZ_SMTP_URL to the mail relay (docs/deployment.md).",
                id="ovoz.E002",
            )
        ]
    return []
