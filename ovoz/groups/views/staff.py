"""The working group's staff pages: members, institutions, concerns, meetings, priorities, actions.

Every page starts from ``staff_group``: a user who is not in the group gets a 404 (audited) before
anything else happens. Managing needs ``permissions.can_manage_group``; a member who tries gets a
403 (audited) and nothing changes.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.core.ids import parse_id
from ovoz.core.scoping import access_denied_record
from ovoz.groups import agenda_parts, permissions, plan_selectors, selectors, services
from ovoz.groups.choices import MeetingStatus, RoundStatus
from ovoz.groups.errors import GroupError
from ovoz.groups.forms import (
    AttendanceForm,
    ConcernFilterForm,
    DecisionForm,
    InstitutionForm,
    InvitationAcceptForm,
    InviteForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
    NamedForm,
    ScoreForm,
    WeightsForm,
    attendance_field_name,
    score_field_name,
    selected,
)
from ovoz.groups.models import Meeting, PrioritisationRound, WorkingGroup


def staff_group(request: HttpRequest, slug: str) -> WorkingGroup:
    """The group if the user is in it (or has a deployment role); otherwise a 404 (audited by
    ``staff_required``)."""
    return selectors.staff_group_get(user=staff_user(request), slug=slug)


def group_refuse(request: HttpRequest, group: WorkingGroup) -> HttpResponse:
    """A 403 for what the user's role in the group does not allow, audited with the URL's name."""
    access_denied_record(request, target=group)
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
    group = staff_group(request, slug)
    role = permissions.group_role(user, group)
    if request.method == "POST":
        form = NamedForm(request.POST)
        if role is None or not form.is_valid():
            return group_refuse(request, group)
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
    """What needs attention: upcoming meetings, open scoring rounds, overdue actions."""
    today = timezone.localdate()
    # A meeting dated today stays here all day (it can be held today), whatever its hour.
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    upcoming = group.meetings.filter(status=MeetingStatus.SCHEDULED, starts_at__gte=start_of_today).order_by(
        "starts_at"
    )
    open_actions = [action for action in plan_selectors.action_list(group=group) if action.is_open]
    return {
        "upcoming": list(upcoming[:5]),
        "open_rounds": list(
            PrioritisationRound.objects.filter(meeting__working_group=group, status=RoundStatus.OPEN).select_related(
                "meeting"
            )
        ),
        "overdue": [action for action in open_actions if action.is_overdue(today)],
        "open_action_count": len(open_actions),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def members_view(request: HttpRequest, slug: str) -> HttpResponse:
    user = staff_user(request)
    group = staff_group(request, slug)
    invite_form = InviteForm(group=group)
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return group_refuse(request, group)
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
    group = staff_group(request, slug)
    form = InstitutionForm(group=group)
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return group_refuse(request, group)
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
    group = staff_group(request, slug)
    form = ConcernFilterForm(request.GET or None)
    filters = selectors.ConcernFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.ConcernFilters(
            status=data["status"], theme=data["theme"], visibility=data["visibility"], search=data["search"]
        )
    concerns = selectors.group_concern_list(group=group, filters=filters, user=user)
    page = Paginator(concerns, 50).get_page(request.GET.get("page"))
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


# --- Meetings ----------------------------------------------------------------------------------


@staff_required
@require_http_methods(["GET", "POST"])
def meetings_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's meetings; facilitators schedule new ones here."""
    user = staff_user(request)
    group = staff_group(request, slug)
    form = MeetingForm()
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return group_refuse(request, group)
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.meeting_schedule(
                    actor=user,
                    group=group,
                    starts_at=form.cleaned_data["starts_at"],
                    place=form.cleaned_data["place"],
                    online_link=form.cleaned_data["online_link"],
                )
            except GroupError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error.message))
            else:
                messages.success(request, _("Meeting scheduled. Now build its agenda."))
                return redirect("staff:group_meeting", slug=group.slug, meeting_id=meeting.pk)
        status = 400
    context = group_context(request, group, meetings=selectors.meeting_list(group=group), form=form)
    return render(request, "groups/staff/meetings.html", context, status=status)


def _meeting_context(request: HttpRequest, group: WorkingGroup, meeting: Meeting, **forms: object) -> dict[str, object]:
    user = staff_user(request)
    filter_form = ConcernFilterForm(request.GET or None, with_status=False)
    filters = selectors.ConcernFilters()
    if filter_form.is_valid():
        data = filter_form.cleaned_data
        filters = selectors.ConcernFilters(theme=data["theme"], visibility=data["visibility"], search=data["search"])
    on_agenda = selectors.agenda(meeting)
    candidates = selectors.accepted_concern_list(group=group, filters=filters, user=user).exclude(
        pk__in=[concern.pk for concern in on_agenda]
    )[:50]
    counts = selectors.attendance(meeting)
    attendance_initial: dict[str, object] = {
        attendance_field_name(gender, band): count for (gender, band), count in counts.cells.items()
    }
    attendance_initial["members_present"] = list(meeting.members_present.values_list("pk", flat=True))
    return group_context(
        request,
        group,
        meeting=meeting,
        agenda=[selectors.group_reading(concern) for concern in on_agenda],
        candidates=[selectors.group_reading(concern) for concern in candidates],
        filter_form=filter_form,
        attendance=counts,
        meeting_form=forms.get("meeting_form")
        or MeetingForm(
            with_status=True,
            may_be_held=meeting.has_come,
            initial={
                "starts_at": timezone.localtime(meeting.starts_at),
                "place": meeting.place,
                "online_link": meeting.online_link,
                "status": meeting.status,
            },
        ),
        attendance_form=forms.get("attendance_form") or AttendanceForm(group=group, initial=attendance_initial),
        minutes_form=forms.get("minutes_form")
        or MinutesForm(initial={"minutes": meeting.minutes, "decisions": meeting.decisions}),
        **meeting_extra(request, group, meeting),
    )


def meeting_extra(request: HttpRequest, group: WorkingGroup, meeting: Meeting) -> dict[str, object]:
    """The meeting's prioritisation round: progress while open, the ranking once closed."""
    round_ = selectors.round_of(meeting)
    parts = {
        "agenda_parts": agenda_parts.meeting_parts(meeting),
        "agenda_add_links": agenda_parts.meeting_add_links(meeting),
    }
    if round_ is None:
        return {"round": None, **parts}
    return {
        **parts,
        "round": round_,
        "scorer_count": selectors.scorer_count(round=round_),
        "possible_scorers": group.grants.exclude(role=GrantRole.OBSERVER).count(),
        "ranking": selectors.round_ranking(round=round_),
        "decision_form": DecisionForm(initial={"note": round_.decision_note}),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def meeting_view(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """A meeting: its details, agenda builder, attendance, minutes and decisions."""
    user = staff_user(request)
    group = staff_group(request, slug)
    meeting = selectors.meeting_get(group=group, meeting_id=meeting_id)
    if request.method == "GET":
        return render(request, "groups/staff/meeting.html", _meeting_context(request, group, meeting))
    if not permissions.can_manage_group(user, group):
        return group_refuse(request, group)
    action = request.POST.get("action", "")
    forms: dict[str, object] = {}
    here = redirect("staff:group_meeting", slug=group.slug, meeting_id=meeting.pk)
    try:
        if action == "update":
            meeting_form = MeetingForm(request.POST, with_status=True)
            forms["meeting_form"] = meeting_form
            if meeting_form.is_valid():
                services.meeting_update(
                    actor=user,
                    meeting=meeting,
                    starts_at=meeting_form.cleaned_data["starts_at"],
                    place=meeting_form.cleaned_data["place"],
                    online_link=meeting_form.cleaned_data["online_link"],
                    status=MeetingStatus(meeting_form.cleaned_data["status"]),
                )
                messages.success(request, _("Saved."))
                return here
        elif action == "agenda_add":
            concerns = selected(selectors.group_concern_list(group=group), request.POST.getlist("concerns"))
            if concerns:
                added = services.meeting_agenda_add(actor=user, meeting=meeting, concerns=concerns)
                messages.success(
                    request,
                    ngettext("%(count)s concern added to the agenda.", "%(count)s concerns added to the agenda.", added)
                    % {"count": added},
                )
                return here
            messages.error(request, _("Choose concerns to add."))
        elif action == "agenda_remove":
            services.meeting_agenda_remove(
                actor=user, meeting=meeting, concern_id=parse_id(request.POST.get("concern")) or 0
            )
            messages.success(request, _("Taken off the agenda."))
            return here
        elif action == "attendance":
            attendance_form = AttendanceForm(request.POST, group=group)
            forms["attendance_form"] = attendance_form
            if attendance_form.is_valid():
                services.meeting_record_attendance(
                    actor=user,
                    meeting=meeting,
                    counts=attendance_form.counts(),
                    members_present=list(attendance_form.cleaned_data["members_present"]),
                )
                messages.success(request, _("Attendance saved."))
                return here
        elif action == "minutes":
            minutes_form = MinutesForm(request.POST)
            forms["minutes_form"] = minutes_form
            if minutes_form.is_valid():
                services.meeting_record_minutes(
                    actor=user,
                    meeting=meeting,
                    minutes=minutes_form.cleaned_data["minutes"],
                    decisions=minutes_form.cleaned_data["decisions"],
                )
                messages.success(request, _("Minutes and decisions saved."))
                return here
        else:
            response = meeting_action(request, group, meeting, action)
            return response or here
    except GroupError as error:
        messages.error(request, str(error.message))
    meeting.refresh_from_db()
    context = _meeting_context(request, group, meeting, **forms)
    return render(request, "groups/staff/meeting.html", context, status=400)


def meeting_action(request: HttpRequest, group: WorkingGroup, meeting: Meeting, action: str) -> HttpResponse | None:
    """The prioritisation round's actions on a meeting page (the caller checked the user manages the group)."""
    user = staff_user(request)
    round_ = selectors.round_of(meeting)
    if action == "agenda_part_remove":
        kind, _sep, key = request.POST.get("part", "").partition(":")
        if agenda_parts.meeting_part_remove(user, meeting, kind, key):
            messages.success(request, _("Taken off the agenda."))
            return None
    if action == "round_open":
        services.round_open(actor=user, meeting=meeting)
        messages.success(request, _("The round is open. Members score on their phones or here."))
        return None
    if action == "round_close" and round_ is not None:
        services.round_close(actor=user, round=round_)
        messages.success(request, _("The round is closed; the ranking is shown."))
        return None
    if action == "round_decide" and round_ is not None:
        form = DecisionForm(request.POST)
        chosen = selected(selectors.group_concern_list(group=group), request.POST.getlist("chosen"))
        if form.is_valid():
            services.round_decide(actor=user, round=round_, concerns=chosen, note=form.cleaned_data["note"])
            messages.success(request, _("Decision recorded. The reporters of the chosen concerns are told."))
            return None
    messages.error(request, _("This cannot be done here."))
    return render(request, "groups/staff/meeting.html", _meeting_context(request, group, meeting), status=400)


@staff_required
@require_http_methods(["GET", "POST"])
def scores_view(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """One form per member: a 1–5 score per agenda concern and criterion. Scoring again replaces one's own."""
    user = staff_user(request)
    group = staff_group(request, slug)
    meeting = selectors.meeting_get(group=group, meeting_id=meeting_id)
    round_ = selectors.round_of(meeting)
    if round_ is None:
        raise Http404
    concerns = selectors.agenda(meeting)
    criteria = list(group.criteria.all())
    form = ScoreForm(
        concerns=concerns,
        criteria=criteria,
        initial={
            score_field_name(concern_id, criterion_id): value
            for (concern_id, criterion_id), value in selectors.own_scores(round=round_, user=user).items()
        },
    )
    status = 200
    if request.method == "POST":
        if not permissions.can_score(user, group):
            return group_refuse(request, group)
        form = ScoreForm(request.POST, concerns=concerns, criteria=criteria)
        if form.is_valid():
            try:
                services.scores_submit(user=user, round=round_, scores=form.scores())
            except GroupError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Your scores are saved. You can change them until the round closes."))
                return redirect("staff:group_meeting", slug=group.slug, meeting_id=meeting.pk)
        status = 400
    rows = [(selectors.group_reading(concern), fields) for concern, fields in form.rows()]
    context = group_context(request, group, meeting=meeting, round=round_, form=form, rows=rows)
    return render(request, "groups/staff/scores.html", context, status=status)


@staff_required
@require_http_methods(["GET", "POST"])
def criteria_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The group's criteria and their weights in the ranking."""
    user = staff_user(request)
    group = staff_group(request, slug)
    criteria = selectors.criterion_list(group=group)
    form = WeightsForm(criteria=criteria)
    status = 200
    if request.method == "POST":
        if not permissions.can_manage_group(user, group):
            return group_refuse(request, group)
        form = WeightsForm(request.POST, criteria=criteria)
        if form.is_valid():
            try:
                services.criteria_set_weights(actor=user, group=group, weights=form.cleaned_data)
            except GroupError as error:
                form.add_error(None, str(error.message))
            else:
                messages.success(request, _("Weights saved. They apply to rounds closed from now on."))
                return redirect("staff:group_criteria", slug=group.slug)
        status = 400
    return render(request, "groups/staff/criteria.html", group_context(request, group, form=form), status=status)


@staff_required
def meeting_print_view(request: HttpRequest, slug: str, meeting_id: int) -> HttpResponse:
    """The minutes on a page of their own, for printing."""
    group = staff_group(request, slug)
    meeting = selectors.meeting_get(group=group, meeting_id=meeting_id)
    context = group_context(
        request,
        group,
        meeting=meeting,
        agenda=[selectors.group_reading(concern) for concern in selectors.agenda(meeting)],
        agenda_parts=agenda_parts.meeting_parts(meeting),
        attendance=selectors.attendance(meeting),
        present=meeting.members_present.order_by("first_name", "username"),
    )
    return render(request, "groups/staff/meeting_print.html", context)
