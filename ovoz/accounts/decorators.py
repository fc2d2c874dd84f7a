from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload
from urllib.parse import urlencode

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from ovoz.accounts.permissions import can_use_staff_workspace, is_verified_staff, staff_user
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

ViewFunction = Callable[..., HttpResponseBase]


@overload
def staff_required(view: ViewFunction) -> ViewFunction: ...


@overload
def staff_required(
    *, workspace: bool = True, permission: Callable[[Any], bool] | None = None
) -> Callable[[ViewFunction], ViewFunction]: ...


def staff_required(
    view: ViewFunction | None = None,
    *,
    workspace: bool = True,
    permission: Callable[[Any], bool] | None = None,
) -> ViewFunction | Callable[[ViewFunction], ViewFunction]:
    """Require a login with password and second factor.

    With ``workspace`` the user must also hold a role or grant; with ``permission`` that predicate
    must hold. Anonymous users go to the login page; signed-in users without the right get a 403,
    which is audited.
    """

    def decorate(function: ViewFunction) -> ViewFunction:
        @wraps(function)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not is_verified_staff(request.user):
                login_url = reverse("accounts:login")
                return redirect(f"{login_url}?{urlencode({'next': request.get_full_path()})}")
            allowed = (not workspace or can_use_staff_workspace(request.user)) and (
                permission is None or permission(request.user)
            )
            if not allowed:
                audit_record(
                    action=AuditAction.ACCESS_DENIED, actor=staff_user(request), data={"view": function.__name__}
                )
                return render(request, "staff/forbidden.html", status=403)
            return function(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
