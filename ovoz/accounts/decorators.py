from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, overload
from urllib.parse import urlencode

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from ovoz.accounts.permissions import can_use_staff_workspace, is_verified_staff
from ovoz.core.scoping import OutOfScope, access_denied_record

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
    which is audited. A view that reaches for an object outside the user's scope answers 404, also
    audited here (``ovoz.core.scoping``), so no view has to remember it.
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
                access_denied_record(request)
                return render(request, "staff/forbidden.html", status=403)
            try:
                return function(request, *args, **kwargs)
            except OutOfScope as refusal:
                access_denied_record(request, target=refusal.target)
                raise

        return wrapper

    if view is not None:
        return decorate(view)
    return decorate
