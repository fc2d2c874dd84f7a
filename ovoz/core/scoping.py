"""Staff reads by id, and the audit of refusals (DESIGN §5: a foreign object is a 404, and every denied
access is an audit entry).

Selectors fetch one object with ``scoped_get(scope, pk=...)``: an object that does not exist is a
plain 404, one that exists outside the user's scope raises ``OutOfScope`` (still a 404 to the user,
who learns nothing). The one place that knows the request turns it into an audit entry: the staff
views' ``staff_required`` decorator, and the API's exception handler. Views do nothing for it.

An entry of a refusal names the URL (its name, e.g. ``staff:concern``), the method and the object's
type and id; nothing from the request itself (no path, query, form data, address or user agent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import models
from django.http import Http404, HttpRequest

from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

if TYPE_CHECKING:
    from django.db.models import QuerySet

ModelT = TypeVar("ModelT", bound=models.Model)


class OutOfScope(Http404):
    """A 404 for an object that exists but is not the user's to reach."""

    def __init__(self, target: models.Model) -> None:
        super().__init__()
        self.target = target


def scoped_get(scope: QuerySet[ModelT], **lookup: Any) -> ModelT:
    """The object of ``scope`` that matches ``lookup``; 404 if there is none, ``OutOfScope`` if the
    object exists outside the scope."""
    found = scope.filter(**lookup).first()
    if found is not None:
        return found
    model = scope.model
    existing = model._base_manager.filter(**lookup).values_list("pk", flat=True).first()
    if existing is not None:
        raise OutOfScope(model(pk=existing))
    raise Http404


def access_denied_record(request: HttpRequest, *, target: models.Model | None = None) -> None:
    """Audit a refused request: who, which URL (by name) and method, and which object if one was reached."""
    match = request.resolver_match
    actor = request.user if isinstance(request.user, get_user_model()) else None
    audit_record(
        action=AuditAction.ACCESS_DENIED,
        actor=actor,
        target=target,
        data={"url_name": match.view_name if match is not None else "", "method": request.method or ""},
    )
