from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.permissions import can_administer, is_verified_staff
from ovoz.core.scoping import access_denied_record


class OvozAdminSite(admin.AdminSite):
    """Django admin for administrators only, behind the same password and second-factor login."""

    site_header = _("Ovoz administration")
    site_title = _("Ovoz administration")
    index_title = _("Administration")

    def has_permission(self, request: HttpRequest) -> bool:
        return can_administer(request.user)

    def password_change(  # type: ignore[override]  # a redirect, not a template
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # One place to change a password, which ends every session and is audited.
        return HttpResponseRedirect(reverse("accounts:account"))

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if is_verified_staff(request.user):
            # Signed in with both factors but not an administrator: refuse, and say so in the audit log.
            access_denied_record(request)
            return render(request, "staff/forbidden.html", status=403)
        next_url = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
