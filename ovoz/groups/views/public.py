"""A working group's public pages: who is in it, the meetings it held and what it promised and did."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.groups import selectors


def group_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "groups/list.html", {"groups": selectors.public_group_list()})


def group_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    group = selectors.public_group_get(slug=slug)
    context = {"group": group, "members": selectors.public_members(group=group)}
    return render(request, "groups/detail.html", context)
