"""The report form's draft token and the receipt's one-time hand-off to the page after the form (issue 14).

A report form carries a *draft token*, kept in a cookie so that the same browser gets the same token back
when it comes back to the form (the back button refetches the page: it is never cached). The token given
to the intake service is derived from the draft token and the text: sending the same text again from the
same form finds the concern already stored, while a different text written on that form is a new report.

After a successful POST the browser is redirected (POST/redirect/GET) to a page that shows the receipt
once. The receipt never travels in a URL and is never written anywhere in the clear: the concern keeps it
sealed under the submission token (``concern_intake``), and a short-lived cookie, limited to the page
that shows it, holds that token. The page opens the receipt with it and then forgets the receipt
(``concern_receipt_forget``): a reload finds nothing to show. No session is written (issue 13.5: the
session row cost the report form a read, a write and a commit on every report).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import get_language

from ovoz.concerns.choices import Channel
from ovoz.concerns.forms import TOKEN_PATTERN
from ovoz.concerns.models import Concern
from ovoz.concerns.services import concern_receipt_waiting

DRAFT_COOKIE = "ovoz_report_draft"
DRAFT_SECONDS = 60 * 60 * 24
RECEIPT_KEY_COOKIE = "ovoz_receipt_key"
HANDOFF_SECONDS = 10 * 60


def is_valid_token(token: object) -> bool:
    return isinstance(token, str) and TOKEN_PATTERN.fullmatch(token) is not None


def draft_token(request: HttpRequest) -> str:
    """The token of this browser's report form: the one it had before, else a new one."""
    token = request.COOKIES.get(DRAFT_COOKIE, "")
    return token if is_valid_token(token) else secrets.token_urlsafe(24)


def remember_draft(response: HttpResponse, token: str) -> None:
    # Holds no content: only the random token, so that the back button brings the same form back.
    response.set_cookie(
        DRAFT_COOKIE,
        token,
        max_age=DRAFT_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=settings.IS_PRODUCTION,
    )


def submission_token_for(*, draft: str, text: str) -> str:
    """The intake's idempotency key: one per (form, text), so a re-sent report is never stored twice."""
    digest = hmac.new(draft.encode(), text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sent_url(language: str | None = None) -> str:
    return f"/{language or get_language()}/report/sent/"


def receipt_handoff(submission_token: str) -> HttpResponse:
    """Redirect to the page that shows the receipt; the cookie that opens it is for that page only."""
    url = sent_url()
    response = HttpResponseRedirect(url, status=303)
    response.set_cookie(
        RECEIPT_KEY_COOKIE,
        submission_token,
        max_age=HANDOFF_SECONDS,
        path=url,
        httponly=True,
        samesite="Lax",
        secure=settings.IS_PRODUCTION,
    )
    return response


@dataclass(frozen=True)
class HandedReceipt:
    receipt: str
    concern: Concern
    submission_token: str


def receipt_take(request: HttpRequest) -> HandedReceipt | None:
    """The receipt waiting for this browser, if it was not shown yet (the caller forgets it once shown)."""
    token = request.COOKIES.get(RECEIPT_KEY_COOKIE, "")
    if not is_valid_token(token):
        return None
    waiting = concern_receipt_waiting(channel=Channel.WEB, submission_token=token)
    if waiting is None:
        return None
    return HandedReceipt(receipt=waiting.receipt, concern=waiting.concern, submission_token=token)


def forget_receipt_key(response: HttpResponse) -> None:
    response.delete_cookie(RECEIPT_KEY_COOKIE, path=sent_url(), samesite="Lax")
