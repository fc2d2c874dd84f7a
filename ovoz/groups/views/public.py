"""A working group's public pages: who is in it, the meetings it held and what it promised and did."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ovoz.groups import plan_selectors, selectors
from ovoz.groups.models import ActionUpdate, WorkingGroup


def group_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "groups/list.html", {"groups": selectors.public_group_list()})


def group_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's public page: members, meetings held, and the action plan with its progress."""
    group = selectors.public_group_get(slug=slug)
    meetings = selectors.public_meeting_list(group=group)[:10]
    context = {
        "group": group,
        "members": selectors.public_members(group=group),
        "meetings": [selectors.public_meeting_summary(meeting) for meeting in meetings],
        "plan": plan_selectors.public_plan(group=group),
        "institutions": plan_selectors.institution_records(group=group),
    }
    return render(request, "groups/detail.html", context)


def meeting_view(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """A held meeting's public summary: no minutes, no names but those of members who chose it."""
    group = selectors.public_group_get(slug=slug)
    meeting = selectors.public_meeting_get(group=group, meeting_id=meeting_id)
    context = {"group": group, "summary": selectors.public_meeting_summary(meeting)}
    return render(request, "groups/meeting.html", context)


def photo_view(request: HttpRequest, slug: str, photo_id: int) -> FileResponse:
    """A photo of a public action's update; any other photo is a 404."""
    group = selectors.public_group_get(slug=slug)
    photo = plan_selectors.public_photo_get(group=group, photo_id=photo_id)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=3600"
    return response


class UpdatesFeed(Feed):  # type: ignore[type-arg]
    """An Atom feed of a group's public action updates."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> WorkingGroup:
        return selectors.public_group_get(slug=slug)

    def title(self, group: WorkingGroup) -> str:
        return _("%(group)s: action plan updates") % {"group": group.name}

    def link(self, group: WorkingGroup) -> str:
        return f"/{get_language()}/groups/{group.slug}/"

    def subtitle(self, group: WorkingGroup) -> str:
        return _("What the working group promised and what it did.")

    def items(self, group: WorkingGroup) -> list[ActionUpdate]:
        return list(plan_selectors.public_update_list(group=group)[:50])

    def item_title(self, update: ActionUpdate) -> str:
        return _("%(action)s: %(progress)s %%") % {"action": update.action.title, "progress": update.progress}

    def item_description(self, update: ActionUpdate) -> str:
        # Atom carries the description as HTML (type="html"), and an update is plain text.
        return str(linebreaksbr(update.text, autoescape=True))

    def item_link(self, update: ActionUpdate) -> str:
        group = update.action.working_group
        return f"/{get_language()}/groups/{group.slug}/#action-{update.action_id}"

    def item_guid(self, update: ActionUpdate) -> str:
        return f"ovoz-action-update-{update.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, update: ActionUpdate) -> datetime:
        return timezone.make_aware(datetime.combine(update.day, time(12)))

    def item_updateddate(self, update: ActionUpdate) -> datetime:
        return update.updated_at

    def item_author_name(self, update: ActionUpdate) -> str:
        return update.action.owner.name
