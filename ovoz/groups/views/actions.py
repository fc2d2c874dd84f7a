"""The working group's action plan pages (staff): the list, one action with its updates, its photos.

Like every group page they start from ``staff.staff_group`` (a 404, audited, for anyone outside the group).
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.concerns.models import Concern
from ovoz.core.ids import parse_id
from ovoz.core.scoping import scoped_get
from ovoz.groups import permissions, plan_selectors, selectors, services
from ovoz.groups.choices import ActionStatus
from ovoz.groups.errors import GroupError
from ovoz.groups.forms import (
    ActionForm,
    ActionStatusForm,
    ActionUpdateForm,
)
from ovoz.groups.models import Action, WorkingGroup
from ovoz.groups.views.staff import group_context, group_refuse, staff_group


@staff_required
@require_http_methods(["GET", "POST"])
def actions_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's action plan; facilitators add actions and confirm concerns as resolved here."""
    user = staff_user(request)
    group = staff_group(request, slug)
    form = ActionForm(group=group, concerns=plan_selectors.actionable_concern_list(group=group))
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return group_refuse(request, group)
        try:
            if request.POST.get("action") == "resolve":
                concern_id = parse_id(request.POST.get("concern")) or 0
                concern = scoped_get(selectors.group_concern_list(group=group), pk=concern_id)
                services.concern_resolve(actor=user, group=group, concern=concern)
                messages.success(request, _("The concern is resolved. Its reporter will be told."))
                return redirect("staff:group_actions", slug=group.slug)
            form = ActionForm(request.POST, group=group, concerns=plan_selectors.actionable_concern_list(group=group))
            if form.is_valid():
                action = services.action_create(actor=user, group=group, **form.action_details())
                messages.success(request, _("Action added to the plan."))
                return redirect("staff:group_action", slug=group.slug, action_id=action.pk)
        except GroupError as error:
            if form.is_bound:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.error(request, str(error.message))
        status = 400
    today = timezone.localdate()
    context = group_context(
        request,
        group,
        actions=[(action, action.is_overdue(today)) for action in plan_selectors.action_list(group=group)],
        ready=plan_selectors.concerns_ready_to_resolve(group=group),
        form=form,
    )
    return render(request, "groups/staff/actions.html", context, status=status)


def _action_context(request: HttpRequest, group: WorkingGroup, action: Action, **forms: object) -> dict[str, object]:
    user = staff_user(request)
    return group_context(
        request,
        group,
        action=action,
        is_overdue=action.is_overdue(timezone.localdate()),
        can_report=permissions.can_report_on(user, action),
        concerns=[selectors.group_reading(concern) for concern in action.concerns.all()],
        updates=action.updates.select_related("author").prefetch_related("photos"),
        status_form=forms.get("status_form") or ActionStatusForm(),
        update_form=forms.get("update_form") or ActionUpdateForm(initial={"progress": action.progress}),
        edit_form=forms.get("edit_form")
        or ActionForm(
            group=group,
            concerns=_action_concern_choices(group, action),
            initial={
                "title": action.title,
                "description": action.description,
                "concerns": [concern.pk for concern in action.concerns.all()],
                "owner": action.owner_id,
                "responsible": action.responsible_id,
                "partners": action.partners,
                "starts_on": action.starts_on,
                "due_on": action.due_on,
                "is_public": action.is_public,
            },
            prefix="edit",
        ),
    )


def _action_concern_choices(group: WorkingGroup, action: Action) -> QuerySet[Concern]:
    """The concerns an action can be for, and those it is already for (resolved ones included)."""
    return (
        selectors.group_concern_list(group=group)
        .filter(Q(pk__in=plan_selectors.actionable_concern_list(group=group).values("pk")) | Q(actions=action))
        .distinct()
    )


@staff_required
@require_http_methods(["GET", "POST"])
def action_view(request: HttpRequest, slug: str, action_id: int) -> HttpResponse:
    """One action: its status and progress updates, posted by the facilitator or the responsible member."""
    user = staff_user(request)
    group = staff_group(request, slug)
    action = plan_selectors.action_get(group=group, action_id=action_id)
    if request.method == "GET":
        return render(request, "groups/staff/action.html", _action_context(request, group, action))
    if not permissions.can_report_on(user, action):
        return group_refuse(request, group)
    forms: dict[str, object] = {}
    try:
        if request.POST.get("action") == "edit":
            if not permissions.can_manage_group(user, group):
                return group_refuse(request, group)
            edit_form = ActionForm(
                request.POST, group=group, concerns=_action_concern_choices(group, action), prefix="edit"
            )
            forms["edit_form"] = edit_form
            if edit_form.is_valid():
                services.action_update(actor=user, action=action, **edit_form.action_details())
                messages.success(request, _("Saved."))
                return redirect("staff:group_action", slug=group.slug, action_id=action.pk)
        elif request.POST.get("action") == "status":
            status_form = ActionStatusForm(request.POST)
            forms["status_form"] = status_form
            if status_form.is_valid():
                services.action_set_status(
                    actor=user,
                    action=action,
                    status=ActionStatus(status_form.cleaned_data["status"]),
                    reason=status_form.cleaned_data["reason"],
                )
                messages.success(request, _("Status saved."))
                return redirect("staff:group_action", slug=group.slug, action_id=action.pk)
        elif request.POST.get("action") == "update":
            update_form = ActionUpdateForm(request.POST, request.FILES)
            forms["update_form"] = update_form
            if update_form.is_valid():
                services.action_post_update(
                    actor=user,
                    action=action,
                    text=update_form.cleaned_data["text"],
                    progress=update_form.cleaned_data["progress"],
                    day=update_form.cleaned_data["day"],
                    photos=update_form.cleaned_data["photos"],
                )
                messages.success(request, _("Update posted."))
                return redirect("staff:group_action", slug=group.slug, action_id=action.pk)
    except GroupError as error:
        messages.error(request, str(error.message))
    action.refresh_from_db()
    return render(request, "groups/staff/action.html", _action_context(request, group, action, **forms), status=400)


@staff_required
def action_photo_view(request: HttpRequest, slug: str, action_id: int, photo_id: int) -> FileResponse:
    """A photo of an action update, for the group's members."""
    group = staff_group(request, slug)
    action = plan_selectors.action_get(group=group, action_id=action_id)
    photo = plan_selectors.staff_photo_get(action=action, photo_id=photo_id)
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
