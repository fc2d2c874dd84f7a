"""The working group's staff pages: members, institutions, concerns, meetings, priorities, actions.

Every page starts from ``_group``: a user who is not in the group gets a 404 (audited) before
anything else happens. Managing needs ``permissions.can_manage_group``; a member who tries gets a
403 (audited) and nothing changes.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.core.events import AuditAction
from ovoz.core.ids import parse_id
from ovoz.core.services import audit_record
from ovoz.groups import permissions, selectors, services
from ovoz.groups.errors import GroupError
from ovoz.groups.forms import (
    ConcernFilterForm,
    InstitutionForm,
    InvitationAcceptForm,
    InviteForm,
    MemberForm,
    NamedForm,
)
from ovoz.groups.models import WorkingGroup


def _group(request: HttpRequest, slug: str) -> WorkingGroup:
    """The group if the user is in it (or has a deployment role); otherwise a 404, audited."""
    user = staff_user(request)
    try:
        return selectors.staff_group_get(user=user, slug=slug)
    except Http404:
        if selectors.group_exists(slug=slug):
            audit_record(action=AuditAction.ACCESS_DENIED, actor=user, data={"view": "working group", "slug": slug})
        raise


def _refuse(request: HttpRequest, group: WorkingGroup, what: str) -> HttpResponse:
    audit_record(
        action=AuditAction.ACCESS_DENIED, actor=staff_user(request), target=group, data={"view": f"group {what}"}
    )
    return render(request, "staff/forbidden.html", status=403)


def group_context(request: HttpRequest, group: WorkingGroup, **extra: object) -> dict[str, object]:
    user = staff_user(request)
    return {
        "group": group,
        "role": permissions.group_role(user, group),
        "can_manage": permissions.can_manage_group(user, group),
        "can_score": permissions.can_score(user, group),
        **extra,
    }


@staff_required
def group_list_view(request: HttpRequest) -> HttpResponse:
    groups = selectors.staff_group_list(user=staff_user(request))
    return render(request, "groups/staff/list.html", {"groups": groups})


@staff_required
@require_http_methods(["GET", "POST"])
def group_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's overview; a member may choose here whether the public pages name them."""
    user = staff_user(request)
    group = _group(request, slug)
    role = permissions.group_role(user, group)
    if request.method == "POST":
        form = NamedForm(request.POST)
        if role is None or not form.is_valid():
            return _refuse(request, group, "named")
        services.member_set_named(user=user, group=group, is_named_publicly=form.cleaned_data["is_named_publicly"])
        messages.success(request, _("Saved."))
        return redirect("staff:group", slug=group.slug)
    grant = user.grants.filter(working_group=group).first()
    context = group_context(
        request,
        group,
        members=selectors.member_list(group=group),
        named_form=NamedForm(initial={"is_named_publicly": grant.is_named_publicly}) if grant else None,
        **group_overview(group),
    )
    return render(request, "groups/staff/group.html", context)


def group_overview(group: WorkingGroup) -> dict[str, object]:
    """What the overview shows beyond members; later phases add to it."""
    return {}


@staff_required
@require_http_methods(["GET", "POST"])
def members_view(request: HttpRequest, slug: str) -> HttpResponse:
    user = staff_user(request)
    group = _group(request, slug)
    invite_form = InviteForm(group=group)
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return _refuse(request, group, "members")
        action = request.POST.get("action", "")
        try:
            if action == "invite":
                invite_form = InviteForm(request.POST, group=group)
                if invite_form.is_valid():
                    _invitation, link = services.member_invite(
                        actor=user,
                        group=group,
                        email=invite_form.cleaned_data["email"],
                        role=GrantRole(invite_form.cleaned_data["role"]),
                        institution=invite_form.cleaned_data["institution"],
                    )
                    messages.success(
                        request,
                        _(
                            "Invitation sent to %(email)s. If it does not arrive, give them this link "
                            "(it works once): %(link)s"
                        )
                        % {"email": invite_form.cleaned_data["email"], "link": link},
                    )
                    return redirect("staff:group_members", slug=group.slug)
                status = 400
            elif action in ("update", "remove"):
                grant = selectors.member_get(group=group, grant_id=parse_id(request.POST.get("grant")) or 0)
                if action == "remove":
                    services.member_remove(actor=user, grant=grant)
                    messages.success(request, _("Removed from the group."))
                    return redirect("staff:group_members", slug=group.slug)
                member_form = MemberForm(request.POST, group=group)
                if member_form.is_valid():
                    services.member_update(
                        actor=user,
                        grant=grant,
                        role=GrantRole(member_form.cleaned_data["role"]),
                        institution=member_form.cleaned_data["institution"],
                    )
                    messages.success(request, _("Saved."))
                    return redirect("staff:group_members", slug=group.slug)
                messages.error(request, _("Choose a role and an institution of the group."))
                status = 400
            else:
                status = 400
        except GroupError as error:
            messages.error(request, str(error.message))
            status = 400
    members = [
        (grant, MemberForm(group=group, initial={"role": grant.role, "institution": grant.institution_id}))
        for grant in selectors.member_list(group=group)
    ]
    context = group_context(
        request,
        group,
        members=members,
        invite_form=invite_form,
        invitations=selectors.invitation_list(group=group),
    )
    return render(request, "groups/staff/members.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def institutions_view(request: HttpRequest, slug: str) -> HttpResponse:
    user = staff_user(request)
    group = _group(request, slug)
    form = InstitutionForm(group=group)
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return _refuse(request, group, "institutions")
        form = InstitutionForm(request.POST, group=group)
        if form.is_valid():
            try:
                services.institution_create(actor=user, area=form.chosen_area(), name=form.cleaned_data["name"])
            except GroupError as error:
                form.add_error("name", str(error.message))
            else:
                messages.success(request, _("Added."))
                return redirect("staff:group_institutions", slug=group.slug)
        status = 400
    context = group_context(request, group, institutions=selectors.institution_list(group=group), form=form)
    return render(request, "groups/staff/institutions.html", context, status=status)


@staff_required
def concerns_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's concerns as this member may read them: metadata only where their role stops."""
    user = staff_user(request)
    group = _group(request, slug)
    form = ConcernFilterForm(request.GET or None)
    filters = selectors.ConcernFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ConcernFilters(
            status=data["status"], theme=data["theme"], visibility=data["visibility"], search=data["search"]
        )
    page = Paginator(selectors.group_concern_list(group=group, filters=filters), 50).get_page(request.GET.get("page"))
    readings = [selectors.concern_reading(user=user, concern=concern) for concern in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = group_context(request, group, form=form, page=page, readings=readings, query=query.urlencode())
    return render(request, "groups/staff/concerns.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee chooses a username and password; then signs in and enrols a second factor."""
    invitation = services.invitation_find(token)
    if invitation is None:
        return render(request, "groups/staff/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                is_named_publicly=form.cleaned_data["is_named_publicly"],
            )
        except ValidationError as error:
            form.add_error("password", error)
        except GroupError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            messages.success(
                request,
                _(
                    "Your account is ready. Sign in with your username and password; you will then set up "
                    "the authenticator app on your phone."
                ),
            )
            return redirect("accounts:login")
    status = 400 if request.method == "POST" else 200
    return render(request, "groups/staff/invitation.html", {"form": form, "invitation": invitation}, status=status)
