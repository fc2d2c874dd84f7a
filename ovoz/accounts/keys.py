"""Staff keys for confidential concerns: made at the first login, opened at every login, held for the
session in two halves, re-wrapped when the password changes, recovered with the recovery key.

While signed in, the private key is kept sealed in the session under a random key that lives only in
an HttpOnly cookie of the browser: the session store alone (a database dump) opens nothing, and the
cookie alone is 32 random bytes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

import nacl.exceptions
import nacl.secret
import nacl.utils
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ovoz.accounts import lockout
from ovoz.accounts.errors import AccountError
from ovoz.accounts.models import User, UserKey
from ovoz.core import keys
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

SESSION_SEALED_KEY = "ovoz_sealed_key"
SESSION_NEW_RECOVERY_KEY = "ovoz_new_recovery_key"
SESSION_KEY_NOTICE_SAID = "ovoz_key_notice_said"  # the recovery-key notice was on a page of this session
_REQUEST_COOKIE_KEY = "_ovoz_unlock_key"
_REQUEST_COOKIE_IS_NEW = "_ovoz_unlock_key_is_new"

WRONG_RECOVERY_KEY = _("This recovery key does not open your key.")
WRONG_PASSWORD = lockout.WRONG_PASSWORD


def cookie_name() -> str:
    return "__Host-ovoz_unlock" if settings.IS_PRODUCTION else "ovoz_unlock"


# --- Keys ---------------------------------------------------------------------------------------


@transaction.atomic
def key_create(*, user: User, password: str) -> tuple[bytes, str]:
    """A new keypair for ``user``, wrapped under their password and a new recovery key.

    Returns the private key and the recovery key (to show once). Replaces an existing key: whatever was
    sealed to the old one can no longer be opened by this user, so those seals are deleted.
    """
    pair = keys.keypair_generate()
    recovery = keys.recovery_key_generate()
    existing = UserKey.objects.filter(user=user).first()
    values = {
        "public_key": pair.public,
        "password_wrapped": keys.wrap(pair.private, password),
        "recovery_wrapped": keys.wrap(pair.private, recovery),
        "needs_recovery": False,
    }
    UserKey.objects.update_or_create(user=user, defaults=values)
    if existing is not None:
        # The seals point at the user (concerns builds on accounts): reached through that relation, so
        # accounts needs no import of concerns.
        lost = user.concern_keys.all().delete()[0]
        audit_record(action=AuditAction.KEY_REPLACED, actor=user, target=user, data={"seals_lost": lost})
    else:
        audit_record(action=AuditAction.KEY_CREATED, actor=user, target=user)
    return pair.private, recovery


def key_open_with_password(*, user: User, password: str) -> bytes | None:
    """The private key, or None when the password no longer opens it (then it needs the recovery key)."""
    user_key = UserKey.objects.filter(user=user).first()
    if user_key is None:
        return None
    try:
        return keys.unwrap(bytes(user_key.password_wrapped), password)
    except keys.KeyMismatch:
        if not user_key.needs_recovery:
            UserKey.objects.filter(pk=user_key.pk).update(needs_recovery=True)
        return None


def key_recover(*, user: User, recovery_key: str, password: str) -> bytes:
    """Open the key with the recovery key and wrap it under the current password again.

    A wrong password counts towards the account's lock, as a failed sign-in does.
    """
    lockout.password_confirm(user=user, password=password)
    with transaction.atomic():
        return _key_recover(user=user, recovery_key=recovery_key, password=password)


def _key_recover(*, user: User, recovery_key: str, password: str) -> bytes:
    user_key = UserKey.objects.select_for_update().filter(user=user).first()
    if user_key is None:
        raise AccountError(WRONG_RECOVERY_KEY, code="invalid_recovery_key")
    try:
        private = keys.unwrap(bytes(user_key.recovery_wrapped), keys.recovery_key_normalise(recovery_key))
    except keys.KeyMismatch as error:
        audit_record(action=AuditAction.ACCESS_DENIED, actor=user, target=user, data={"view": "key recovery"})
        raise AccountError(WRONG_RECOVERY_KEY, code="invalid_recovery_key") from error
    user_key.password_wrapped = keys.wrap(private, password)
    user_key.needs_recovery = False
    user_key.save(update_fields=["password_wrapped", "needs_recovery", "updated_at"])
    audit_record(action=AuditAction.KEY_RECOVERED, actor=user, target=user)
    return private


def recovery_key_replace(*, user: User, password: str) -> str:
    """A new recovery key (shown once); the old one stops working.

    A wrong password counts towards the account's lock, as a failed sign-in does.
    """
    lockout.password_confirm(user=user, password=password)
    with transaction.atomic():
        private = key_open_with_password(user=user, password=password)
        if private is None:
            # The password is right but no longer opens the key (reset by an administrator).
            raise AccountError(WRONG_PASSWORD, code="invalid_password")
        recovery = keys.recovery_key_generate()
        UserKey.objects.filter(user=user).update(recovery_wrapped=keys.wrap(private, recovery))
        audit_record(action=AuditAction.KEY_RECOVERY_REPLACED, actor=user, target=user)
    return recovery


def key_rewrap_password(*, user: User, current_password: str, new_password: str) -> None:
    """After a password change: the key opens with the new password (if the old one opened it)."""
    private = key_open_with_password(user=user, password=current_password)
    if private is not None:
        UserKey.objects.filter(user=user).update(password_wrapped=keys.wrap(private, new_password))


def public_keys(users: list[User]) -> dict[int, bytes]:
    """Public keys of those of ``users`` who have one."""
    rows = UserKey.objects.filter(user__in=users, user__is_active=True).values_list("user_id", "public_key")
    return {user_id: bytes(public) for user_id, public in rows}


# --- The key held for a signed-in session -------------------------------------------------------------


def _cookie_key(request: HttpRequest, *, create: bool) -> bytes | None:
    key: bytes | None = getattr(request, _REQUEST_COOKIE_KEY, None)
    if key is not None:
        return key
    try:
        key = base64.urlsafe_b64decode(request.COOKIES.get(cookie_name(), ""))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != nacl.secret.SecretBox.KEY_SIZE:
        if not create:
            return None
        key = nacl.utils.random(nacl.secret.SecretBox.KEY_SIZE)
        setattr(request, _REQUEST_COOKIE_IS_NEW, True)
    setattr(request, _REQUEST_COOKIE_KEY, key)
    return key


def _session_put(request: HttpRequest, name: str, value: bytes) -> None:
    key = _cookie_key(request, create=True) or b""
    request.session[name] = base64.b64encode(nacl.secret.SecretBox(key).encrypt(value)).decode()


def _session_get(request: HttpRequest, name: str) -> bytes | None:
    sealed = request.session.get(name)
    key = _cookie_key(request, create=False)
    if not sealed or key is None:
        return None
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(base64.b64decode(sealed)))
    except (nacl.exceptions.CryptoError, binascii.Error, ValueError):
        return None


def session_remember(request: HttpRequest, private: bytes) -> None:
    _session_put(request, SESSION_SEALED_KEY, private)


def session_private_key(request: HttpRequest) -> bytes | None:
    """The signed-in user's private key, if this browser session holds it."""
    return _session_get(request, SESSION_SEALED_KEY)


def session_offer_recovery_key(request: HttpRequest, recovery_key: str) -> None:
    _session_put(request, SESSION_NEW_RECOVERY_KEY, recovery_key.encode())


def session_take_recovery_key(request: HttpRequest) -> str | None:
    """A recovery key made in this session, once: it is forgotten as it is read (and marked as shown)."""
    value = _session_get(request, SESSION_NEW_RECOVERY_KEY)
    request.session.pop(SESSION_NEW_RECOVERY_KEY, None)
    if value is None:
        return None
    if isinstance(request.user, User):
        UserKey.objects.filter(user=request.user).update(recovery_key_shown=True)
    return value.decode()


def set_unlock_cookie(request: HttpRequest, response: HttpResponse) -> None:
    """Give the browser its half (called by middleware when this request made one)."""
    key = getattr(request, _REQUEST_COOKIE_KEY, None)
    if key is not None and getattr(request, _REQUEST_COOKIE_IS_NEW, False):
        response.set_cookie(
            cookie_name(),
            base64.urlsafe_b64encode(key).decode(),
            httponly=True,
            secure=settings.SESSION_COOKIE_SECURE,
            samesite="Lax",
            path="/",
        )


def forget(response: HttpResponse) -> None:
    """At sign-out: the browser drops its half (the session, with the other half, is flushed)."""
    response.delete_cookie(cookie_name(), path="/", samesite="Lax")


class UnlockCookieMiddleware:
    """Sets the browser's half of the session key when a view made one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        set_unlock_cookie(request, response)
        return response


def login_unlock(request: HttpRequest, *, user: User, password: str) -> None:
    """At the password step of a login: open the user's key (making one at the first login)."""
    if not UserKey.objects.filter(user=user).exists():
        private, recovery = key_create(user=user, password=password)
        session_offer_recovery_key(request, recovery)
    else:
        opened = key_open_with_password(user=user, password=password)
        if opened is None:
            return
        private = opened
    session_remember(request, private)


def key_notice(request: HttpRequest) -> dict[str, str]:
    """Context processor: a staff page tells about a recovery key waiting to be seen, or a closed key.

    A closed key (after a password reset) is said on every staff page: nothing sealed opens until it
    is recovered. A recovery key still to be seen is said once a session, on its first staff page,
    and then only on the account page, where the key is looked after, until the user has seen one.
    """
    user = getattr(request, "user", None)
    if (
        not isinstance(user, User)
        or not request.path.startswith("/staff/")
        or request.path.startswith(("/staff/account/key/", "/staff/login/"))
    ):
        return {}
    notice = ""
    if SESSION_NEW_RECOVERY_KEY in request.session:
        notice = "new_recovery_key"
    else:
        user_key = UserKey.objects.filter(user=user).only("needs_recovery", "recovery_key_shown").first()
        if user_key is not None and user_key.needs_recovery:
            return {"key_notice": "needs_recovery"}
        if user_key is not None and not user_key.recovery_key_shown:
            notice = "no_recovery_key"
    if not notice:
        return {}
    if request.path == reverse("accounts:account"):
        return {"key_notice": notice}
    if request.session.get(SESSION_KEY_NOTICE_SAID):
        return {}
    request.session[SESSION_KEY_NOTICE_SAID] = True
    return {"key_notice": notice}
