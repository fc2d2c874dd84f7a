"""A working group's public pages: who is in it, the meetings it held and what it promised and did."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ovoz.groups import selectors


def group_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "groups/list.html", {"groups": selectors.public_group_list()})


def group_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    group = selectors.public_group_get(slug=slug)
    context = {
        "group": group,
        "members": selectors.public_members(group=group),
        "meetings": [
            selectors.public_meeting_summary(meeting) for meeting in selectors.public_meeting_list(group=group)[:10]
        ],
    }
    return render(request, "groups/detail.html", context)


def meeting_view(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """A held meeting's public summary: no minutes, no names but those of members who chose it."""
    group = selectors.public_group_get(slug=slug)
    meeting = selectors.public_meeting_get(group=group, meeting_id=meeting_id)
    return render(
        request, "groups/meeting.html", {"group": group, "summary": selectors.public_meeting_summary(meeting)}
    )
