"""The resident's side: raise a concern, follow it with the receipt, read and support published ones."""

from __future__ import annotations

import contextlib
import secrets

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ovoz.concerns import confidential, following, selectors, services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.forms import PublicFilterForm, ReceiptForm, ReporterMessageForm, ReportForm
from ovoz.concerns.models import Concern
from ovoz.concerns.promises import CONFIDENTIAL_EXPLAINED, VISIBILITY_EXPLAINED
from ovoz.concerns.views import handoff
from ovoz.concerns.views.parts import Page, action_handler, page_context
from ovoz.core.compression import uncompressed
from ovoz.core.ratelimit import is_limited
from ovoz.places.models import Area

SUPPORTER_COOKIE = "ovoz_supporter"


def home_view(request: HttpRequest) -> HttpResponse:
    """What Ovoz is for, in the visitor's language."""
    context = {"themes": selectors.theme_list(), "confidential_explained": CONFIDENTIAL_EXPLAINED}
    return render(request, "concerns/home.html", context)


def _fresh_report_form(request: HttpRequest) -> ReportForm:
    return ReportForm(initial={"submission_token": handoff.draft_token(request)})


def _report_page(request: HttpRequest, form: ReportForm, *, status: int = 200, **extra: object) -> HttpResponse:
    """The form with, next to the visibility choice, who can read a confidential concern (GlobaLeaks
    shows its recipients to whistleblowers too): organisations and roles, never names (``readers``, from
    referrals through ``parts``)."""
    if form.is_bound and not extra.get("errors_hidden"):
        form.describe_errors()
    context = {"form": form, **page_context(Page.REPORT, request), **extra}
    return render(request, "concerns/report.html", context, status=status)


def _receipt_page(request: HttpRequest, concern: Concern, receipt: str) -> HttpResponse:
    context: dict[str, object] = {
        "receipt": receipt,
        "concern": concern,
        **page_context(Page.RECEIPT, request, concern),
    }
    if concern.visibility == Visibility.CONFIDENTIAL:
        context["confidential_explained"] = CONFIDENTIAL_EXPLAINED
    return render(request, "concerns/receipt.html", context)


def _receipt_again(request: HttpRequest) -> HttpResponse:
    """The receipt page once more, in the language of the URL: its language switch posts the receipt
    here, so switching never loses it. Looked up like the follow page: only a wrong code counts."""
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return render(request, "concerns/follow.html", {"form": form}, status=400)
    lookup = following.receipt_lookup(request, form.cleaned_data["receipt"])
    if lookup.concern is None:
        if lookup.is_throttled:
            form.add_error(None, _("Too many attempts. Please wait ten minutes and try again."))
            return render(request, "concerns/follow.html", {"form": form}, status=429)
        form.add_error("receipt", _("No concern matches this receipt code. Check it and try again."))
        return render(request, "concerns/follow.html", {"form": form}, status=404)
    return _receipt_page(request, lookup.concern, form.cleaned_data["receipt"])


@never_cache
@require_http_methods(["GET", "POST"])
def report_view(request: HttpRequest) -> HttpResponse:
    """Raise a concern. Works without JavaScript: "Show districts" re-renders the form with them, and a
    choice looser than a theme asks for (public for violence at home) comes back to be confirmed."""
    if request.method == "GET":
        form = _fresh_report_form(request)
        response = _report_page(request, form)
        handoff.remember_draft(response, form.initial["submission_token"])
        return response
    if "switch_language" in request.POST:
        # The language switch is a button of this form: the text, themes and choices come along to the
        # page in the other language (the URL's), shown as written, neither checked nor stored.
        return _report_page(request, ReportForm(request.POST, draft=True), errors_hidden=True)
    if "show_receipt" in request.POST:
        return _receipt_again(request)
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
        submission_token = handoff.submission_token_for(
            draft=form.cleaned_data["submission_token"], text=form.cleaned_data["text"]
        )
        try:
            visibility = form.cleaned_data["visibility"]
            consent = form.cleaned_data.get("referral_consent") or "no"
            submitted = services.concern_intake(
                services.IntakeRequest(
                    text=form.cleaned_data["text"],
                    channel=Channel.WEB,
                    language=form.cleaned_data["language"],
                    area=form.chosen_area(),
                    latitude=form.cleaned_data["latitude"],
                    longitude=form.cleaned_data["longitude"],
                    themes=list(form.cleaned_data["themes"]),
                    visibility=Visibility(visibility) if visibility else None,
                    visibility_confirmed=form.cleaned_data["visibility_confirmed"],
                    contact=contact_parse(phone=form.cleaned_data["phone"], email=form.cleaned_data["email"]),
                    photos=form.cleaned_data["photos"],
                    submission_token=submission_token,
                    # Recorded by referrals in the intake's transaction when the concern is confidential.
                    referral_consent=services.ReferralConsent(
                        share=consent != "no", share_contact=consent == "yes_contact"
                    ),
                )
            )
        except ConcernError as error:
            form.add_concern_error(error)
        else:
            if submitted.is_repeat and not submitted.receipt:
                return render(request, "concerns/report_already_sent.html", status=409)
            return handoff.receipt_handoff(submission_token)
    return _report_page(request, form, status=400)


@uncompressed  # shows the receipt (BREACH; ovoz.core.compression)
@never_cache
@require_GET
def report_sent_view(request: HttpRequest) -> HttpResponse:
    """The receipt, shown once after the report form's redirect; a reload or a later visit says so."""
    handed = handoff.receipt_take(request)
    if handed is None:
        response = render(request, "concerns/report_already_sent.html", {"reloaded": True})
    else:
        services.concern_receipt_forget(
            concern=handed.concern, channel=Channel.WEB, submission_token=handed.submission_token
        )
        context: dict[str, object] = {
            "receipt": handed.receipt,
            "concern": handed.concern,
            **page_context(Page.RECEIPT, request, handed.concern),
        }
        if handed.concern.visibility == Visibility.CONFIDENTIAL:
            context["confidential_explained"] = CONFIDENTIAL_EXPLAINED
        response = render(request, "concerns/receipt.html", context)
    handoff.forget_receipt_key(response)
    return response


def _original_text(concern: Concern, receipt: str) -> tuple[str, bool]:
    """What the reporter wrote, and whether it can be shown: a sealed concern opens with the receipt
    only when it was sealed at intake (one made confidential later is sealed to its recipients alone)."""
    if not concern.is_sealed:
        return concern.text, True
    opened = confidential.open_for_reporter(concern, receipt=receipt)
    return (opened.text, True) if opened is not None else ("", False)


def _follow_context(
    request: HttpRequest, concern: Concern, receipt: str, message_form: ReporterMessageForm | None = None
) -> dict[str, object]:
    """The reporter's view: a merged concern shows the status of the one that stays open. The receipt
    opens sealed texts for this response only and is never written into the page. Referrals adds the
    requests for the reporter's consent (``consent_requests``, through ``parts``)."""
    events = confidential.reporter_events(concern, receipt=receipt)
    followed = concern.duplicate_of or concern
    original_text, is_text_readable = _original_text(concern, receipt)
    return {
        "concern": followed,
        "own": concern,
        "events": events,
        "original_text": original_text,
        "is_text_readable": is_text_readable,
        "is_public": selectors.public_concern_list().filter(pk=followed.pk).exists(),
        "original_photos": concern.attachments.filter(event__isnull=True),
        "message_form": message_form or ReporterMessageForm(),
        "original": concern.duplicate_of,
        # What the reporter's own concern's visibility means: the same sentence as on the report form.
        "visibility_explained": VISIBILITY_EXPLAINED[Visibility(concern.visibility)],
        **page_context(Page.FOLLOW, request, concern),
    }


def _see_follow_page(request: HttpRequest, notice: str = "") -> HttpResponse:
    """POST, then redirect, then GET: back and reload never send a form again."""
    if notice:
        following.notice_set(request, notice)
    return HttpResponseRedirect(request.path, status=303)


@uncompressed  # shows a concern and its receipt (BREACH; ovoz.core.compression)
@never_cache
@require_http_methods(["GET", "POST"])
def follow_view(request: HttpRequest) -> HttpResponse:
    """Follow a concern with its receipt, which travels only in the POST body that opens it, never in a
    URL; this device then keeps it, encrypted, for the pages that follow (concerns.following)."""
    if request.method == "POST" and "receipt" in request.POST:
        return _follow_open(request)
    receipt = following.remembered(request)
    concern = services.concern_find_by_receipt(receipt) if receipt else None
    if receipt is None or concern is None:
        notice = following.notice_take(request)
        if request.method == "POST" and not notice:
            notice = _("This device no longer follows a concern. Enter your receipt code again.")
        response = render(request, "concerns/follow.html", {"form": ReceiptForm(), "notice": notice})
        following.forget(request, response)
        return response
    if request.method == "POST":
        response = _follow_action(request, concern, receipt)
    else:
        context = _follow_context(request, concern, receipt)
        context["notice"] = following.notice_take(request)
        response = render(request, "concerns/follow_concern.html", context)
    following.keep(request, response)
    return response


def _follow_open(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return render(request, "concerns/follow.html", {"form": form}, status=400)
    receipt = form.cleaned_data["receipt"]
    lookup = following.receipt_lookup(request, receipt)
    if lookup.concern is None:
        if lookup.is_throttled:
            form.add_error(None, _("Too many attempts. Please wait ten minutes and try again."))
            return render(request, "concerns/follow.html", {"form": form}, status=429)
        # The same answer for a mistyped, unknown or expired receipt.
        form.add_error("receipt", _("No concern matches this receipt code. Check it and try again."))
        return render(request, "concerns/follow.html", {"form": form}, status=404)
    request.session.cycle_key()
    response = _see_follow_page(request)
    following.remember(request, response, receipt)
    return response


def _follow_action(request: HttpRequest, concern: Concern, receipt: str) -> HttpResponse:
    """One action of the reporter on the followed concern, answered with a redirect to the page."""
    action = request.POST.get("action", "")
    if action == "forget":
        response = _see_follow_page(request)
        following.forget(request, response)
        following.notice_set(request, _("This device no longer follows your concern."))
        return response
    if action == "message":
        if following.messages_limited(concern):
            message_form = ReporterMessageForm(request.POST)  # shows what was written; files never opened
            message_form.add_error(None, _("Too many messages in a short time. Please wait a few minutes."))
            context = _follow_context(request, concern, receipt, message_form)
            return render(request, "concerns/follow_concern.html", context, status=429)
        message_form = ReporterMessageForm(request.POST, request.FILES)
        if not message_form.is_valid():
            context = _follow_context(request, concern, receipt, message_form)
            return render(request, "concerns/follow_concern.html", context, status=400)
        try:
            services.concern_reporter_message(
                concern=concern, text=message_form.cleaned_data["text"], photos=message_form.cleaned_data["photos"]
            )
        except ConcernError as error:
            message_form.add_error(None, str(error.message))
            context = _follow_context(request, concern, receipt, message_form)
            return render(request, "concerns/follow_concern.html", context, status=400)
        return _see_follow_page(request, _("Thank you. Your message was added to your concern."))
    if action == "withdraw" and request.POST.get("confirm") == "yes":
        try:
            services.concern_withdraw(concern=concern)
        except ConcernError as error:
            return _see_follow_page(request, str(error.message))
        return _see_follow_page(request, _("Your concern was withdrawn. It will not be published or acted on."))
    handler = action_handler(Page.FOLLOW, action)  # "consent": the reporter answers a referral request
    if handler is not None:
        return _see_follow_page(request, handler(request, concern))
    return _see_follow_page(request)


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
