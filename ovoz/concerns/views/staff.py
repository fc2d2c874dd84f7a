"""The facilitator's side: the inbox of concerns and the triage of one concern."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ovoz.accounts import keys
from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.concerns import confidential, permissions, selectors, services
from ovoz.concerns.choices import CloseReason, EventKind, Status, Visibility
from ovoz.concerns.contacts import contact_open, email_masked, phone_masked
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.forms import (
    BulkStatusForm,
    DuplicateForm,
    MessageForm,
    PublicTextForm,
    StaffFilterForm,
    StatusForm,
    TriageForm,
)
from ovoz.concerns.models import Concern
from ovoz.concerns.redaction import redact
from ovoz.concerns.views.parts import Page, page_context
from ovoz.concerns.views.photos import photo_response
from ovoz.core.ids import parse_id
from ovoz.core.scoping import OutOfScope, access_denied_record, scoped_get
from ovoz.places.models import Area


@staff_required
def themes_view(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/themes.html", {"themes": selectors.theme_list(include_inactive=True)})


@staff_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = StaffFilterForm(request.GET or None)
    filters = selectors.StaffFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.StaffFilters(
            status=data["status"],
            area=Area.objects.filter(pk=data["region"]).first() if data["region"] else None,
            theme=data["theme"],
            language=data["language"],
            visibility=data["visibility"],
            channel=data["channel"],
            search=data["search"].strip(),
        )
    page = Paginator(selectors.staff_concern_list(user=user, filters=filters), 50).get_page(request.GET.get("page"))
    readable = selectors.original_readable_ids(user, page)
    rows = [(concern, concern.pk in readable, selectors.is_publicly_readable(concern)) for concern in page]
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.staff_status_counts(user=user)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "counts": [(status, label, counts.get(status, 0)) for status, label in Status.choices],
        "status_choices": Status.choices,
        "close_reasons": CloseReason.choices,
    }
    return render(request, "concerns/staff/inbox.html", context)


@staff_required
@require_POST
def bulk_status_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = BulkStatusForm(request.POST)
    form_field = form.fields["concerns"]
    form_field.choices = [(value, value) for value in request.POST.getlist("concerns")]  # type: ignore[attr-defined]
    if not form.is_valid():
        messages.error(request, _("Choose concerns and a status."))
        return redirect("staff:concerns")
    concerns = [
        concern
        for concern in selectors.staff_concern_list(user=user).filter(pk__in=form.cleaned_data["concerns"])
        if permissions.can_act_on(user, concern)
    ]
    reason = form.cleaned_data["close_reason"] or None
    try:
        changed = services.concern_bulk_status(
            actor=user,
            concerns=concerns,
            status=Status(form.cleaned_data["status"]),
            close_reason=CloseReason(reason) if reason else None,
        )
    except ConcernError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            ngettext("Status changed for %(count)s concern.", "Status changed for %(count)s concerns.", changed)
            % {"count": changed},
        )
    return redirect("staff:concerns")


def _reachable(request: HttpRequest, concern_id: int) -> Concern:
    """The concern if the user's areas cover it; otherwise a 404 (audited by ``staff_required``)."""
    return selectors.staff_concern_get(user=staff_user(request), concern_id=concern_id)


def _detail_context(request: HttpRequest, concern: Concern, **forms: object) -> dict[str, object]:
    user = staff_user(request)
    can_read_text = permissions.can_read_original(user, concern)
    can_act = permissions.can_act_on(user, concern)
    contact = None
    original_text = concern.text
    events = list(concern.events.select_related("actor").prefetch_related("attachments"))
    opened = None
    if concern.is_sealed and can_read_text:
        opened = confidential.open_for_staff(concern, user=user, private_key=keys.session_private_key(request))
        original_text = opened.text if opened is not None else ""
        for event in events:
            event.text = opened.event_text(event) if opened is not None else ""
        if opened is not None and opened.contact is not None:
            contact = {"phone": opened.contact.phone, "email": opened.contact.email}
    elif concern.contact_ciphertext is not None and can_read_text:
        plain = contact_open(bytes(concern.contact_ciphertext))
        contact = {"phone": phone_masked(plain.phone), "email": email_masked(plain.email)}
    region_id = None
    if concern.area is not None:
        region_id = concern.area.parent_id if concern.area.kind == "district" else concern.area_id
    triage_initial = {
        "region": region_id,
        "district": concern.area_id if concern.area is not None and concern.area.kind == "district" else None,
        "themes": list(concern.themes.all()),
        "visibility": concern.visibility,
        "language": concern.language,
    }
    return {
        "concern": concern,
        "can_read_text": can_read_text and (opened is not None or not concern.is_sealed),
        "key_locked": can_read_text and concern.is_sealed and opened is None,
        "original_text": original_text,
        "publicly_readable": selectors.is_publicly_readable(concern),
        "can_act": can_act,
        "contact": contact,
        "events": events,
        "attachments": concern.attachments.all() if can_read_text else [],
        "triage_form": forms.get("triage_form") or TriageForm(initial=triage_initial, region_id=region_id),
        "public_form": forms.get("public_form")
        or PublicTextForm(
            initial={"public_text": concern.public_text or (redact(concern.text) if can_read_text else "")}
        ),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": concern.status}),
        "message_form": forms.get("message_form") or MessageForm(),
        "duplicate_form": forms.get("duplicate_form") or DuplicateForm(),
        # Referrals adds its block (``referrals``) for a confidential concern.
        **page_context(Page.STAFF_CONCERN, request, concern),
        "duplicate_proposals": (
            selectors.duplicate_proposal_list(user=user, concern=concern)
            if permissions.can_act_on(user, concern)
            else []
        ),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def detail_view(request: HttpRequest, concern_id: int) -> HttpResponse:
    user = staff_user(request)
    concern = _reachable(request, concern_id)
    if request.method == "GET":
        return render(request, "concerns/staff/detail.html", _detail_context(request, concern))
    if not permissions.can_act_on(user, concern):
        access_denied_record(request, target=concern)
        return render(request, "staff/forbidden.html", status=403)

    action = request.POST.get("action", "")
    forms: dict[str, object] = {}
    try:
        if action == "triage":
            triage = TriageForm(request.POST)
            forms["triage_form"] = triage
            if triage.is_valid():
                triaged = services.concern_triage(
                    actor=user,
                    concern=concern,
                    area=triage.chosen_area(),
                    themes=list(triage.cleaned_data["themes"]),
                    visibility=Visibility(triage.cleaned_data["visibility"]),
                    language=triage.cleaned_data["language"],
                )
                if triaged.changed:
                    messages.success(request, _("Saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("staff:concern", concern_id=concern.pk)
        elif action == "publish":
            public = PublicTextForm(request.POST)
            forms["public_form"] = public
            if public.is_valid():
                services.concern_publish(actor=user, concern=concern, public_text=public.cleaned_data["public_text"])
                messages.success(request, _("Published."))
                return redirect("staff:concern", concern_id=concern.pk)
        elif action == "unpublish":
            services.concern_unpublish(actor=user, concern=concern)
            messages.success(request, _("Unpublished."))
            return redirect("staff:concern", concern_id=concern.pk)
        elif action == "status":
            status_form = StatusForm(request.POST)
            forms["status_form"] = status_form
            if status_form.is_valid():
                reason = status_form.cleaned_data["close_reason"]
                services.concern_change_status(
                    actor=user,
                    concern=concern,
                    status=Status(status_form.cleaned_data["status"]),
                    note=status_form.cleaned_data["note"],
                    close_reason=CloseReason(reason) if reason else None,
                )
                messages.success(request, _("Saved. The reporter will be told."))
                return redirect("staff:concern", concern_id=concern.pk)
        elif action == "message":
            message_form = MessageForm(request.POST)
            forms["message_form"] = message_form
            if message_form.is_valid():
                services.concern_message_reporter(
                    actor=user,
                    concern=concern,
                    text=message_form.cleaned_data["text"],
                    kind=EventKind(message_form.cleaned_data["kind"]),
                )
                messages.success(request, _("Sent. The reporter reads it on the follow page."))
                return redirect("staff:concern", concern_id=concern.pk)
        elif action == "duplicate":
            duplicate_form = DuplicateForm(request.POST)
            forms["duplicate_form"] = duplicate_form
            if duplicate_form.is_valid():
                original = _reachable(request, duplicate_form.cleaned_data["original"])
                # The chain ends at the concern that stays open: it must be reachable too.
                root = original
                while root.duplicate_of_id is not None:
                    root = _reachable(request, root.duplicate_of_id)
                if not permissions.can_act_on(user, root):
                    raise OutOfScope(root)
                services.concern_mark_duplicate(actor=user, concern=concern, original=root)
                messages.success(request, _("Marked as a duplicate."))
                return redirect("staff:concern", concern_id=concern.pk)
        elif action == "not_duplicate":
            proposal_id = parse_id(request.POST.get("proposal", ""))
            if proposal_id is not None:
                proposal = selectors.duplicate_proposal_get(user=user, concern=concern, proposal_id=proposal_id)
                services.duplicate_proposal_dismiss(actor=user, proposal=proposal)
                messages.success(request, _("Noted: not the same incident."))
                return redirect("staff:concern", concern_id=concern.pk)
    except ConcernError as error:
        messages.error(request, str(error.message))
    concern.refresh_from_db()
    return render(request, "concerns/staff/detail.html", _detail_context(request, concern, **forms), status=400)


@staff_required
def attachment_view(request: HttpRequest, concern_id: int, attachment_id: int) -> HttpResponse:
    """A photo of a concern, for staff who may read the concern's text; never served publicly."""
    user = staff_user(request)
    concern = _reachable(request, concern_id)
    attachment = scoped_get(concern.attachments.all(), pk=attachment_id)
    if not permissions.can_read_original(user, concern):
        raise OutOfScope(attachment)
    opened = None
    if attachment.is_sealed:
        opened = confidential.open_for_staff(concern, user=user, private_key=keys.session_private_key(request))
    return photo_response(attachment, opened)
