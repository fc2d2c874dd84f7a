"""Following a concern on the web: looking a receipt up, and keeping it between pages on one device.

The receipt opens what the reporter may read of a sealed concern (confidential.reporter_events), so
every page of the follow view needs it, and it must never travel in a URL. Between requests it is kept
in the server-side session only encrypted, under a random key that lives in a cookie of its own
(HttpOnly, SameSite=Strict, Secure over HTTPS, path limited to the follow pages): someone who copies the
session table reads nothing, and the cookie alone is just random bytes. Both are forgotten after
FOLLOW_IDLE_SECONDS without a visit, or at once with "Stop following on this device".

A receipt typed in is looked up the same way whatever the client's count of failures; only failed
look-ups are counted (core.ratelimit.failure_count), so people who share one address (a mobile
operator's NAT) never lock each other out of their own concern, while a client that keeps guessing gets
"too many attempts" for every wrong code.
"""

from __future__ import annotations

import base64
import binascii
import time
from dataclasses import dataclass

import nacl.exceptions
import nacl.secret
import nacl.utils
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ovoz.concerns import services
from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_normalise
from ovoz.core.ratelimit import failure_count, is_limited_for

FOLLOW_SCOPE = "follow"
FOLLOW_WINDOW_SECONDS = 600
FOLLOW_IDLE_SECONDS = 30 * 60
COOKIE_NAME = "ovoz_follow"
SESSION_SEALED = "ovoz_follow_sealed"
SESSION_UNTIL = "ovoz_follow_until"
SESSION_NOTICE = "ovoz_follow_notice"


def follow_url(language: str) -> str:
    """The follow page in ``language``, as an absolute URL for a message (it never carries the receipt)."""
    return f"{settings.OVOZ_PUBLIC_URL}/{language}/follow/"


def follow_pointer(language: str) -> str:
    """Where the rest of a cut SMS can be read: the follow page, in the reporter's language."""
    # Translators: ends an SMS whose note was cut short; the URL is the follow page.
    return _("More: %(url)s") % {"url": follow_url(language)}


@dataclass(frozen=True)
class Lookup:
    """What a typed receipt found: the concern, or nothing (and whether the client is over its limit)."""

    concern: Concern | None
    is_throttled: bool = False


def receipt_lookup(request: HttpRequest, receipt: str) -> Lookup:
    """Look the receipt up, always (the same work whether or not this client is over its limit); count
    the failure when it finds nothing. A right code always opens: that tells its holder only that it is
    right, which opening it shows anyway; a wrong one past the limit is refused as throttled."""
    concern = services.concern_find_by_receipt(receipt)
    if concern is not None:
        return Lookup(concern=concern)
    throttled = failure_count(
        request, scope=FOLLOW_SCOPE, limit=settings.OVOZ_FOLLOW_ATTEMPTS, window_seconds=FOLLOW_WINDOW_SECONDS
    )
    return Lookup(concern=None, is_throttled=throttled)


def messages_limited(concern: Concern) -> bool:
    """Count one message from the reporter; True when the concern had too many in ten minutes.

    Counted per concern, before any photo is opened (decoding is the costly part), so neighbours behind
    one address never share this limit; OVOZ_INTAKE_LIMIT, as for new concerns."""
    return is_limited_for(
        f"concern:{concern.pk}", scope="follow-message", limit=settings.OVOZ_INTAKE_LIMIT, window_seconds=600
    )


# --- Kept on this device -------------------------------------------------------------------------


def _cookies() -> list[tuple[str, str]]:
    """A cookie for each language's follow page, and sent nowhere else, so a change of language keeps
    following (one name each: a response holds one cookie of a name)."""
    return [(f"{COOKIE_NAME}_{code}", f"/{code}/follow/") for code, _name in settings.LANGUAGES]


def _cookie_key(request: HttpRequest) -> bytes | None:
    value = next((request.COOKIES[name] for name, _path in _cookies() if name in request.COOKIES), "")
    try:
        key = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == nacl.secret.SecretBox.KEY_SIZE else None


def _set_cookie(request: HttpRequest, response: HttpResponse, key: bytes) -> None:
    for name, path in _cookies():
        response.set_cookie(
            name,
            base64.urlsafe_b64encode(key).decode(),
            max_age=FOLLOW_IDLE_SECONDS,
            path=path,
            httponly=True,
            secure=request.is_secure() or settings.IS_PRODUCTION,
            samesite="Strict",
        )


def remember(request: HttpRequest, response: HttpResponse, receipt: str) -> None:
    """Keep the receipt for this device: encrypted in the session under a fresh key given to the cookie."""
    key = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
    normalised = (receipt_normalise(receipt) or "").encode()
    request.session[SESSION_SEALED] = base64.b64encode(nacl.secret.SecretBox(key).encrypt(normalised)).decode()
    request.session[SESSION_UNTIL] = int(time.time()) + FOLLOW_IDLE_SECONDS
    _set_cookie(request, response, key)


def remembered(request: HttpRequest) -> str | None:
    """The receipt this device follows, if it has one and used it in the last FOLLOW_IDLE_SECONDS."""
    sealed = request.session.get(SESSION_SEALED)
    until = request.session.get(SESSION_UNTIL)
    key = _cookie_key(request)
    if not isinstance(sealed, str) or not isinstance(until, int) or key is None or until < time.time():
        return None
    try:
        return nacl.secret.SecretBox(key).decrypt(base64.b64decode(sealed)).decode()
    except (nacl.exceptions.CryptoError, binascii.Error, ValueError, UnicodeDecodeError):
        return None


def keep(request: HttpRequest, response: HttpResponse) -> None:
    """A visit with the receipt: its idle time starts again (the session's deadline and the cookie's age)."""
    key = _cookie_key(request)
    if key is not None and SESSION_SEALED in request.session:
        request.session[SESSION_UNTIL] = int(time.time()) + FOLLOW_IDLE_SECONDS
        _set_cookie(request, response, key)


def forget(request: HttpRequest, response: HttpResponse) -> None:
    """This device stops following: the session's copy and the cookie's key are both dropped."""
    for name in (SESSION_SEALED, SESSION_UNTIL, SESSION_NOTICE):
        request.session.pop(name, None)
    if any(name in request.COOKIES for name, _path in _cookies()):
        for name, path in _cookies():  # the other languages' too: the browser sent only this page's
            response.delete_cookie(name, path=path, samesite="Strict")


def notice_set(request: HttpRequest, notice: str) -> None:
    """A sentence for the next follow page (after the redirect that follows an action)."""
    request.session[SESSION_NOTICE] = notice


def notice_take(request: HttpRequest) -> str:
    notice = request.session.pop(SESSION_NOTICE, "")
    return notice if isinstance(notice, str) else ""
