from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.accounts.decorators import staff_required
from ovoz.places.selectors import area_ancestors, area_children_with_counts, area_get, areas_by_name


@staff_required
def areas_view(request: HttpRequest, area_id: int | None = None) -> HttpResponse:
    """Browse the area hierarchy: each level with how many children and boundaries it has."""
    parent = area_get(area_id=area_id) if area_id else None
    children = areas_by_name(area_children_with_counts(parent=parent))
    ancestors = area_ancestors(parent) if parent else []
    return render(request, "staff/areas.html", {"parent": parent, "children": children, "ancestors": ancestors})
