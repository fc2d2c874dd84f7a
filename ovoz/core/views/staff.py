from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import can_read_audit_log, staff_user
from ovoz.core.models import AuditEntry


@staff_required
def home_view(request: HttpRequest) -> HttpResponse:
    grants = staff_user(request).grants.select_related("working_group", "working_group__area")
    return render(request, "staff/home.html", {"grants": grants})


@staff_required(permission=can_read_audit_log)
def audit_view(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor")
    action = request.GET.get("action", "")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "staff/audit.html", {"page": page, "action": action})
