from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import can_read_audit_log, staff_user
from ovoz.concerns.selectors import theme_list
from ovoz.core.models import AuditEntry
from ovoz.places.models import Area


@staff_required
def home_view(request: HttpRequest) -> HttpResponse:
    grants = staff_user(request).grants.select_related("working_group", "working_group__area")
    return render(request, "staff/home.html", {"grants": grants})


@staff_required
def areas_view(request: HttpRequest, area_id: int | None = None) -> HttpResponse:
    """Browse the area hierarchy: each level with how many children and boundaries it has."""
    parent = get_object_or_404(Area.objects.defer("boundary"), pk=area_id) if area_id else None
    children = (
        Area.objects.filter(parent=parent)
        .defer("boundary")
        .annotate(
            child_count=Count("children", distinct=True),
            bounded_children=Count("children", filter=Q(children__boundary__isnull=False), distinct=True),
        )
        .order_by("code", "name")
    )
    ancestors = (
        list(Area.objects.filter(pk__in=[int(pk) for pk in parent.path.split("/") if pk]).order_by("depth"))
        if parent
        else []
    )
    return render(request, "staff/areas.html", {"parent": parent, "children": children, "ancestors": ancestors})


@staff_required
def themes_view(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/themes.html", {"themes": theme_list(include_inactive=True)})


@staff_required(permission=can_read_audit_log)
def audit_view(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor")
    action = request.GET.get("action", "")
    if action:
        entries = entries.filter(action=action)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "staff/audit.html", {"page": page, "action": action})
