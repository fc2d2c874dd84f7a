"""Counting failed password and code checks, and locking an account after too many.

Every check of a staff password counts here, whatever the page: the sign-in, and the pages of a
signed-in user that ask for the password again (account, key). A real username and an unknown one
lock after the same number of failures, for the same time, and each answer costs one password hash,
a locked account's included: neither the count nor the time tells whether a username exists.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.errors import AccountError
from ovoz.accounts.models import User
from ovoz.core.crypto import keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

ACCOUNT_LOCKED = _(
    "This account is locked for a while after too many failed attempts. Try again later or ask an administrator."
)
WRONG_PASSWORD = _("Your password is not correct.")

# How long failures at an unknown username are remembered (a real account's count lasts until a
# successful sign-in). A week: an attacker who spreads guesses further apart than that can tell the
# two apart only by their count being forgotten, at one guess a week.
UNKNOWN_USERNAME_MEMORY_SECONDS = 7 * 24 * 3600


def spend_one_password_hash(password: str) -> None:
    """Compute one password hash with the default hasher and throw it away: an answer that needs no
    check (a locked account, an unknown username already locked) costs what a wrong password costs."""
    make_password(password)


def register_failure(user: User, *, action: AuditAction) -> None:
    """Count a failed attempt on this account only; lock it when the limit is reached.

    Runs with the user's row locked (``select_for_update``), so parallel guesses queue up behind
    each other instead of all passing the check at once.
    """
    User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
    user.refresh_from_db(fields=["failed_login_count", "locked_until"])
    audit_record(action=action, target=user)
    if user.failed_login_count >= settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK:
        locked_until = timezone.now() + timedelta(seconds=settings.OVOZ_LOGIN_LOCK_SECONDS)
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=locked_until)
        user.refresh_from_db(fields=["failed_login_count", "locked_until"])
        audit_record(action=AuditAction.LOGIN_LOCKED, target=user)


def _unknown_key(username: str, part: str) -> str:
    # Counted in the cache under a keyed hash of the name, never stored.
    return f"ovoz:login:unknown:{part}:{keyed_hash(username.casefold(), purpose='login-unknown')}"


def unknown_username_is_locked(username: str) -> bool:
    return cache.get(_unknown_key(username, "locked")) is not None


def unknown_username_register_failure(username: str) -> bool:
    """A failure at a username that does not exist, counted as ``register_failure`` counts a real
    one: the lock comes at the same failure and lasts as long. Returns whether it is now locked."""
    count_key = _unknown_key(username, "count")
    cache.add(count_key, 0, timeout=UNKNOWN_USERNAME_MEMORY_SECONDS)
    try:
        failures = cache.incr(count_key)
    except ValueError:  # expired between add and incr
        cache.set(count_key, 1, timeout=UNKNOWN_USERNAME_MEMORY_SECONDS)
        failures = 1
    if failures >= settings.OVOZ_LOGIN_FAILURES_BEFORE_LOCK:
        cache.delete(count_key)
        cache.set(_unknown_key(username, "locked"), True, timeout=settings.OVOZ_LOGIN_LOCK_SECONDS)
        return True
    return False


def password_confirm(*, user: User, password: str, wrong_message: str | Promise = WRONG_PASSWORD) -> None:
    """A signed-in user types their password again (to change it, or to use their key).

    A wrong password counts towards the same lock as a failed sign-in, and a locked account is
    refused whatever the password (after the same hash). The count is committed before the refusal
    is raised, so a caller's rollback cannot undo it: call this outside any transaction of your own.
    Raises ``AccountError`` with code ``invalid_password`` or ``locked``.
    """
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        if current.is_locked():
            spend_one_password_hash(password)
            audit_record(
                action=AuditAction.PASSWORD_CHECK_FAILED, actor=current, target=current, data={"reason": "locked"}
            )
            error = AccountError(ACCOUNT_LOCKED, code="locked")
        elif check_password(password, current.password):
            if current.failed_login_count:
                User.objects.filter(pk=current.pk).update(failed_login_count=0)
            return
        else:
            register_failure(current, action=AuditAction.PASSWORD_CHECK_FAILED)
            locked = current.is_locked()
            error = AccountError(
                ACCOUNT_LOCKED if locked else wrong_message, code="locked" if locked else "invalid_password"
            )
    raise error
