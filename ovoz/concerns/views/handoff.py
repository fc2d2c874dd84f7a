"""The report form's draft token and the receipt's one-time hand-off to the page after the form (issue 14).

A report form carries a *draft token*, kept in a cookie so that the same browser gets the same token back
when it comes back to the form (the back button refetches the page: it is never cached). The token given
to the intake service is derived from the draft token and the text: sending the same text again from the
same form finds the concern already stored, while a different text written on that form is a new report.

After a successful POST the browser is redirected (POST/redirect/GET) to a page that shows the receipt
once. The receipt never travels in a URL and never lies in the clear in the session table: it is sealed
with a random key that only a short-lived cookie holds, limited to the page that shows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import get_language
from nacl.exceptions import CryptoError

from ovoz.concerns.forms import TOKEN_PATTERN
from ovoz.concerns.models import Concern
from ovoz.concerns.services import SubmittedConcern
from ovoz.core.crypto import open_with_secret, seal_with_secret

DRAFT_COOKIE = "ovoz_report_draft"
DRAFT_SECONDS = 60 * 60 * 24
RECEIPT_KEY_COOKIE = "ovoz_receipt_key"
RECEIPT_SESSION_KEY = "ovoz_report_receipt"
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


def receipt_handoff(request: HttpRequest, *, submitted: SubmittedConcern, submission_token: str) -> HttpResponse:
    """Redirect to the page that shows the receipt, keeping it sealed for that one GET."""
    key = secrets.token_urlsafe(32)
    payload = json.dumps(
        {"receipt": submitted.receipt, "concern": submitted.concern.pk, "token": submission_token}
    ).encode()
    request.session[RECEIPT_SESSION_KEY] = {
        "sealed": base64.b64encode(seal_with_secret(payload, secret=key.encode())).decode(),
        "until": int(time.time()) + HANDOFF_SECONDS,
    }
    url = sent_url()
    response = HttpResponseRedirect(url, status=303)
    response.set_cookie(
        RECEIPT_KEY_COOKIE,
        key,
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
    """The receipt waiting for this browser, once: it is removed from the session whatever happens."""
    stored = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not request.session.keys():
        request.session.flush()  # leaves no empty session row behind an anonymous resident
    key = request.COOKIES.get(RECEIPT_KEY_COOKIE, "")
    if not isinstance(stored, dict) or not key or int(stored.get("until", 0)) < time.time():
        return None
    try:
        payload = json.loads(open_with_secret(base64.b64decode(stored["sealed"]), secret=key.encode()))
    except (CryptoError, ValueError, KeyError, TypeError):
        return None
    concern = Concern.objects.filter(pk=payload["concern"]).first()
    if concern is None:
        return None
    return HandedReceipt(receipt=payload["receipt"], concern=concern, submission_token=payload["token"])


def forget_receipt_key(response: HttpResponse) -> None:
    response.delete_cookie(RECEIPT_KEY_COOKIE, path=sent_url(), samesite="Lax")
