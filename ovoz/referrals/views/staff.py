"""Referrals in the staff workspace: the referring team on a concern's page, and case workers' own pages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ovoz.accounts import keys
from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.concerns import confidential
from ovoz.concerns import selectors as concern_selectors
from ovoz.concerns.models import Concern
from ovoz.concerns.views.photos import photo_response
from ovoz.core.events import AuditAction
from ovoz.core.ids import parse_id
from ovoz.core.scoping import OutOfScope, scoped_get
from ovoz.core.services import audit_record
from ovoz.referrals import selectors, services
from ovoz.referrals.errors import ReferralError
from ovoz.referrals.forms import AskConsentForm, ReferForm, ReferralUpdateForm
from ovoz.referrals.models import ConsentState, Referral, ReferralStatus
from ovoz.referrals.permissions import can_refer


def referral_context(request: HttpRequest, concern: Concern) -> dict[str, object] | None:
    """The referrals block of a confidential concern's staff page (None for those who cannot act on it)."""
    user = staff_user(request)
    if not can_refer(user, concern):
        return None
    providers = selectors.providers_for(concern)
    return {
        "list": selectors.concern_referrals(concern),
        "consents": concern.consents.select_related("provider"),
        "refer_form": ReferForm(providers=providers, may_override=selectors.may_refer_without_consent(user)),
        "ask_form": AskConsentForm(providers=providers),
        "asked": ConsentState.ASKED,
        "revoked": ReferralStatus.REVOKED,
    }


@staff_required
@require_POST
def concern_referrals_view(request: HttpRequest, concern_id: int) -> HttpResponse:
    """Ask the reporter's consent, refer, or revoke a referral; back to the concern's page."""
    user = staff_user(request)
    concern = concern_selectors.staff_concern_get(user=user, concern_id=concern_id)  # a 404, audited
    if not can_refer(user, concern):
        raise OutOfScope(concern)
    providers = selectors.providers_for(concern)
    action = request.POST.get("action", "")
    try:
        if action == "ask":
            ask = AskConsentForm(request.POST, providers=providers)
            if ask.is_valid():
                services.consent_request(actor=user, concern=concern, provider=ask.cleaned_data["provider"])
                messages.success(request, _("Asked. The reporter answers on the follow page."))
            else:
                messages.error(request, _("Choose a service."))
        elif action == "refer":
            refer = ReferForm(request.POST, providers=providers, may_override=selectors.may_refer_without_consent(user))
            if refer.is_valid():
                services.referral_create(
                    actor=user,
                    private_key=keys.session_private_key(request),
                    concern=concern,
                    provider=refer.cleaned_data["provider"],
                    share_contact=refer.cleaned_data["share_contact"],
                    override_reason=refer.cleaned_data.get("override_reason", ""),
                )
                messages.success(request, _("Referred. The service's case workers can now open it."))
            else:
                messages.error(request, _("Choose a service."))
        elif action == "revoke":
            referral = scoped_get(concern.referrals.all(), pk=parse_id(request.POST.get("referral")) or 0)
            services.referral_revoke(actor=user, referral=referral)
            messages.success(request, _("Revoked. The service can no longer open this concern."))
    except ReferralError as error:
        messages.error(request, str(error.message))
    except ValueError as error:
        raise Http404 from error
    return redirect("staff:concern", concern_id=concern.pk)


@staff_required(permission=lambda user: selectors.is_case_worker(user))
def inbox_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.case_worker_referrals(staff_user(request)), 50).get_page(request.GET.get("page"))
    return render(request, "referrals/inbox.html", {"page": page})


def _case_worker_referral(request: HttpRequest, referral_id: int) -> Referral:
    """A referral to one of the user's providers; any other is a 404 (audited by ``staff_required``)."""
    return selectors.case_worker_referral_get(staff_user(request), referral_id)


def _opened(request: HttpRequest, referral: Referral) -> confidential.Opened | None:
    user = staff_user(request)
    private_key = keys.session_private_key(request)
    if private_key is None:
        return None
    parts = confidential.part_keys(referral.concern, user=user, private_key=private_key, referral_id=referral.pk)
    opened = confidential.open_with_parts(referral.concern, parts)
    if opened is not None:
        audit_record(
            action=AuditAction.REFERRAL_READ, actor=user, target=referral.concern, data={"referral": referral.pk}
        )
    return opened


@staff_required(permission=lambda user: selectors.is_case_worker(user))
@require_http_methods(["GET", "POST"])
def detail_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = _case_worker_referral(request, referral_id)
    form = ReferralUpdateForm(request.POST or None, initial={"status": referral.status, "outcome": referral.outcome})
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_update(
                actor=staff_user(request),
                referral=referral,
                status=ReferralStatus(form.cleaned_data["status"]),
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ReferralError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:referral", referral_id=referral.pk)
    opened = _opened(request, referral)
    events = list(referral.concern.events.filter(audience__in=["public", "reporter"]).order_by("at", "id"))
    note = ""
    if opened is not None:
        for event in events:
            event.text = opened.event_text(event)
        if referral.sealed_note is not None:
            note = opened.open_text(bytes(referral.sealed_note))
    context = {
        "referral": referral,
        "concern": referral.concern,
        "opened": opened,
        "events": events if opened is not None else [],
        "attachments": referral.concern.attachments.all() if opened is not None else [],
        "note": note,
        "form": form,
    }
    return render(request, "referrals/detail.html", context, status=400 if request.method == "POST" else 200)


@staff_required(permission=lambda user: selectors.is_case_worker(user))
def photo_view(request: HttpRequest, referral_id: int, attachment_id: int) -> HttpResponse:
    referral = _case_worker_referral(request, referral_id)
    attachment = scoped_get(referral.concern.attachments.all(), pk=attachment_id)
    return photo_response(attachment, _opened(request, referral))
