"""The resident's side: raise a concern, follow it with the receipt, read and support published ones."""

from __future__ import annotations

import contextlib
import secrets

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ovoz.concerns import confidential, selectors, services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.forms import PublicFilterForm, ReceiptForm, ReporterMessageForm, ReportForm
from ovoz.concerns.models import Concern
from ovoz.concerns.promises import CONFIDENTIAL_EXPLAINED, VISIBILITY_EXPLAINED
from ovoz.core.compression import uncompressed
from ovoz.core.ratelimit import is_limited
from ovoz.places.models import Area
from ovoz.referrals import services as referral_services
from ovoz.referrals.errors import ReferralError
from ovoz.referrals.forms import ConsentAnswerForm
from ovoz.referrals.selectors import confidential_readers, open_consent_requests

SUPPORTER_COOKIE = "ovoz_supporter"
FOLLOW_WINDOW_SECONDS = 600


def home_view(request: HttpRequest) -> HttpResponse:
    """What Ovoz is for, in the visitor's language."""
    context = {"themes": selectors.theme_list(), "confidential_explained": CONFIDENTIAL_EXPLAINED}
    return render(request, "concerns/home.html", context)


def _fresh_report_form() -> ReportForm:
    return ReportForm(initial={"submission_token": secrets.token_urlsafe(24)})


def _report_page(request: HttpRequest, form: ReportForm, *, status: int = 200, **extra: object) -> HttpResponse:
    """The form with, next to the visibility choice, who can read a confidential concern (GlobaLeaks
    shows its recipients to whistleblowers too): organisations and roles, never names."""
    context = {"form": form, "readers": confidential_readers(), **extra}
    return render(request, "concerns/report.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def report_view(request: HttpRequest) -> HttpResponse:
    """Raise a concern. Works without JavaScript: "Show districts" re-renders the form with them, and a
    choice looser than a theme asks for (public for violence at home) comes back to be confirmed."""
    if request.method == "GET":
        return _report_page(request, _fresh_report_form())
    if "show_districts" in request.POST:
        # Bind the values so the page shows them again. A browser never sends chosen files again with
        # the re-rendered form, so they are not opened here.
        form = ReportForm(request.POST)
        form.is_valid()
        return _report_page(request, form, errors_hidden=True)
    # Counted before any photo is opened: decoding is the costly part of a report.
    if is_limited(request, scope="intake", limit=settings.OVOZ_INTAKE_LIMIT, window_seconds=600):
        form = ReportForm(request.POST)  # shows what was written; the files are never opened
        form.add_error(None, _("Too many concerns from here in a short time. Please wait a few minutes."))
        return _report_page(request, form, status=429)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            contact = contact_parse(phone=form.cleaned_data["phone"], email=form.cleaned_data["email"])
            visibility = form.cleaned_data["visibility"]
            submitted = services.concern_submit(
                text=form.cleaned_data["text"],
                channel=Channel.WEB,
                language=form.cleaned_data["language"],
                area=form.chosen_area(),
                latitude=form.cleaned_data["latitude"],
                longitude=form.cleaned_data["longitude"],
                themes=list(form.cleaned_data["themes"]),
                visibility=Visibility(visibility) if visibility else None,
                contact=contact,
                photos=form.cleaned_data["photos"],
                # Tokens come from this form; a tampered, short one just loses the double-submit guard.
                submission_token=token if len(token := form.cleaned_data["submission_token"]) >= 22 else "",
                visibility_confirmed=form.cleaned_data["visibility_confirmed"],
            )
        except ConcernError as error:
            form.add_concern_error(error)
        else:
            if submitted.concern.is_sealed:
                consent = form.cleaned_data.get("referral_consent") or "no"
                referral_services.consent_at_intake(
                    concern=submitted.concern, share=consent != "no", share_contact=consent == "yes_contact"
                )
            context = {"receipt": submitted.receipt, "concern": submitted.concern}
            if submitted.concern.visibility == Visibility.CONFIDENTIAL:
                context["readers"] = confidential_readers()
                context["confidential_explained"] = CONFIDENTIAL_EXPLAINED
            return render(request, "concerns/receipt.html", context)
    return _report_page(request, form, status=400)


def _follow_context(
    concern: Concern, receipt: str, message_form: ReporterMessageForm | None = None
) -> dict[str, object]:
    """The reporter's view: a merged concern shows the status of the one that stays open."""
    events = confidential.reporter_events(concern, receipt=receipt)
    return {
        "concern": concern.duplicate_of or concern,
        "own": concern,
        "receipt": receipt,
        "events": events,
        "consent_requests": [
            (consent, ConsentAnswerForm(initial={"consent": consent.pk})) for consent in open_consent_requests(concern)
        ],
        "original_photos": concern.attachments.filter(event__isnull=True),
        "message_form": message_form or ReporterMessageForm(),
        "original": concern.duplicate_of,
        # What the reporter's own concern's visibility means: the same sentence as on the report form.
        "visibility_explained": VISIBILITY_EXPLAINED[Visibility(concern.visibility)],
    }


@uncompressed  # shows a concern and its receipt (BREACH; ovoz.core.compression)
@never_cache
@require_http_methods(["GET", "POST"])
def follow_view(request: HttpRequest) -> HttpResponse:
    """Follow a concern with its receipt, which travels only in POST bodies, never in a URL."""
    form = ReceiptForm(request.POST or None)
    if request.method == "GET" or not form.is_valid():
        return render(request, "concerns/follow.html", {"form": form}, status=200 if request.method == "GET" else 400)
    receipt = form.cleaned_data["receipt"]
    if is_limited(request, scope="follow", limit=settings.OVOZ_FOLLOW_ATTEMPTS, window_seconds=FOLLOW_WINDOW_SECONDS):
        form.add_error(None, _("Too many attempts. Please wait ten minutes and try again."))
        return render(request, "concerns/follow.html", {"form": form}, status=429)
    concern = services.concern_find_by_receipt(receipt)
    if concern is None:
        # The same answer for a mistyped, unknown or expired receipt.
        form.add_error("receipt", _("No concern matches this receipt code. Check it and try again."))
        return render(request, "concerns/follow.html", {"form": form}, status=404)
    action = request.POST.get("action", "view")
    message_form = None
    if action == "message":
        message_form = ReporterMessageForm(request.POST, request.FILES)
        if message_form.is_valid():
            try:
                services.concern_reporter_message(
                    concern=concern, text=message_form.cleaned_data["text"], photos=message_form.cleaned_data["photos"]
                )
            except ConcernError as error:
                message_form.add_error(None, str(error.message))
            else:
                message_form = None
                context = _follow_context(concern, receipt)
                context["notice"] = _("Thank you. Your message was added to your concern.")
                return render(request, "concerns/follow_concern.html", context)
    elif action == "consent":
        answer = ConsentAnswerForm(request.POST)
        context = _follow_context(concern, receipt)
        if answer.is_valid():
            try:
                referral_services.consent_answer(
                    concern=concern,
                    consent_id=answer.cleaned_data["consent"],
                    give=answer.cleaned_data["answer"] != "no",
                    share_contact=answer.cleaned_data["answer"] == "yes_contact",
                )
            except ReferralError as error:
                context["notice"] = str(error.message)
            else:
                context = _follow_context(concern, receipt)
                context["notice"] = _("Thank you. Your answer was recorded.")
        return render(request, "concerns/follow_concern.html", context)
    elif action == "withdraw" and request.POST.get("confirm") == "yes":
        try:
            services.concern_withdraw(concern=concern)
        except ConcernError as error:
            context = _follow_context(concern, receipt)
            context["notice"] = str(error.message)
            return render(request, "concerns/follow_concern.html", context)
        concern.refresh_from_db()
        context = _follow_context(concern, receipt)
        context["notice"] = _("Your concern was withdrawn. It will not be published or acted on.")
        return render(request, "concerns/follow_concern.html", context)
    return render(request, "concerns/follow_concern.html", _follow_context(concern, receipt, message_form))


def concern_list_view(request: HttpRequest) -> HttpResponse:
    form = PublicFilterForm(request.GET or None)
    filters = selectors.PublicFilters()
    if form.is_valid():
        region_id = form.cleaned_data.get("region")
        filters = selectors.PublicFilters(
            area=Area.objects.filter(pk=region_id).first() if region_id else None,
            theme=form.cleaned_data.get("theme"),
            status=form.cleaned_data.get("status") or "",
        )
    page = Paginator(selectors.public_concern_list(filters=filters), 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "concerns/list.html", {"form": form, "page": page, "query": query.urlencode()})


def concern_detail_view(request: HttpRequest, concern_id: int) -> HttpResponse:
    concern = selectors.public_concern_get(concern_id=concern_id)
    token = request.COOKIES.get(SUPPORTER_COOKIE, "")
    has_supported = bool(token) and selectors.has_supported(concern=concern, supporter_token=token)
    return render(
        request,
        "concerns/detail.html",
        {"concern": concern, "events": selectors.public_events(concern), "has_supported": has_supported},
    )


@require_POST
def concern_support_view(request: HttpRequest, concern_id: int) -> HttpResponse:
    """One "me too" per browser: a random token in a cookie, stored only as a keyed hash."""
    concern = selectors.public_concern_get(concern_id=concern_id)
    token = request.COOKIES.get(SUPPORTER_COOKIE) or secrets.token_urlsafe(24)
    # A fresh browser per click could inflate the count: new supports are limited per client too.
    if not is_limited(request, scope="support", limit=settings.OVOZ_SUPPORT_LIMIT, window_seconds=600):
        with contextlib.suppress(ConcernError):  # not published any more: nothing to count
            services.concern_support(concern=concern, supporter_token=token)
    response = redirect(f"/{get_language()}/concerns/{concern.pk}/")
    # One random token, the same for every concern; which concerns it supported is known only as
    # keyed hashes on the server, so the phone itself keeps no list.
    response.set_cookie(
        SUPPORTER_COOKIE,
        token,
        max_age=60 * 60 * 24 * 365,
        httponly=True,
        samesite="Lax",
        secure=settings.IS_PRODUCTION,
    )
    return response
