"""Referrals' parts of concerns' pages (``ovoz.concerns.views.parts``), registered in ``apps``.

Concerns sits below referrals and cannot import it, so the report form, the receipt, the reporter's
follow page and a concern's staff page get referrals' part from here: who can read a confidential
concern, the requests for the reporter's consent and their answer, and the referrals block.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import HttpRequest
from django.utils.translation import gettext as _

from ovoz.concerns.choices import Visibility
from ovoz.concerns.models import Concern
from ovoz.concerns.views.parts import Page, action_add, context_provider_add
from ovoz.referrals import services
from ovoz.referrals.errors import ReferralError
from ovoz.referrals.forms import ConsentAnswerForm
from ovoz.referrals.selectors import confidential_readers, open_consent_requests
from ovoz.referrals.views.staff import referral_context


def report_readers(_request: HttpRequest, _concern: Concern | None) -> Mapping[str, object]:
    """Next to the visibility choice: who receives confidential reports, and which services can open one."""
    return {"readers": confidential_readers()}


def receipt_readers(_request: HttpRequest, concern: Concern | None) -> Mapping[str, object]:
    """The same on the receipt of a confidential concern."""
    if concern is None or concern.visibility != Visibility.CONFIDENTIAL:
        return {}
    return {"readers": confidential_readers()}


def follow_consent_requests(_request: HttpRequest, concern: Concern | None) -> Mapping[str, object]:
    """The open requests for the reporter's consent to a referral, each with its answer form."""
    if concern is None:
        return {}
    return {
        "consent_requests": [
            (consent, ConsentAnswerForm(initial={"consent": consent.pk})) for consent in open_consent_requests(concern)
        ]
    }


def follow_consent_answer(request: HttpRequest, concern: Concern) -> str:
    """The reporter answers one request ("consent" action of the follow page); returns the notice."""
    answer = ConsentAnswerForm(request.POST)
    if not answer.is_valid():
        return ""
    try:
        services.consent_answer(
            concern=concern,
            consent_id=answer.cleaned_data["consent"],
            give=answer.cleaned_data["answer"] != "no",
            share_contact=answer.cleaned_data["answer"] == "yes_contact",
        )
    except ReferralError as error:
        return str(error.message)
    return _("Thank you. Your answer was recorded.")


def staff_referrals(request: HttpRequest, concern: Concern | None) -> Mapping[str, object]:
    """The referrals block of a confidential concern's staff page."""
    return {"referrals": referral_context(request, concern) if concern is not None and concern.is_sealed else None}


def register() -> None:
    """Add these parts to concerns' pages (``ReferralsConfig.ready``)."""
    context_provider_add(Page.REPORT, report_readers)
    context_provider_add(Page.RECEIPT, receipt_readers)
    context_provider_add(Page.FOLLOW, follow_consent_requests)
    action_add(Page.FOLLOW, "consent", follow_consent_answer)
    context_provider_add(Page.STAFF_CONCERN, staff_referrals)
