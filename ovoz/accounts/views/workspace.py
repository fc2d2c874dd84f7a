"""The staff workspace's own pages: its home (the signed-in user's working groups) and the audit log."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import can_read_audit_log, staff_user
from ovoz.core.audit import entries_check
from ovoz.core.events import AuditAction
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
    # Cheap on every view: the hashes of the entries shown (and their links, unless filtered). The
    # whole chain is walked daily by a task, whose latest outcome is shown too (``ovoz audit-verify``).
    altered = entries_check(list(page), consecutive=not action)
    last_check = AuditEntry.objects.filter(action=AuditAction.AUDIT_CHAIN_VERIFIED).first()
    context = {"page": page, "action": action, "altered": altered, "last_check": last_check}
    return render(request, "staff/audit.html", context)
