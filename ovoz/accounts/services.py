from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts import lockout, permissions, tasks
from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.errors import AccountError
from ovoz.accounts.keys import key_rewrap_password
from ovoz.accounts.models import RecipientChange, RecipientChangeState, User
from ovoz.core.crypto import keyed_hash
from ovoz.core.enqueue import enqueue_with_commit
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"
TOTP_DEVICE_NAME = "authenticator app"

INVALID_CREDENTIALS = _("The username or password is not correct.")
INVALID_CODE = _("That code is not correct or has expired. Enter the current code from your app, or a recovery code.")
ACCOUNT_LOCKED = lockout.ACCOUNT_LOCKED


# --- Accounts and roles -----------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    role: DeploymentRole = DeploymentRole.NONE,
    actor: User | None = None,
) -> User:
    """Create a staff account. It must enrol a second factor at its first login."""
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save()
    if role:
        user_set_role(actor=actor, user=user, role=role)
    return user


@transaction.atomic
def user_set_role(*, actor: User | None, user: User, role: DeploymentRole) -> User:
    """Give a user a deployment-wide role; administrators also get the Django admin."""
    previous = user.role
    user.role = role
    user.is_staff = role == DeploymentRole.ADMINISTRATOR
    user.is_superuser = role == DeploymentRole.ADMINISTRATOR
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    if previous != role:
        audit_record(
            action=AuditAction.ROLE_CHANGED, actor=actor, target=user, data={"from": previous, "to": str(role)}
        )
    return user


# --- Who receives confidential concerns: a two-person change -------------------------------------

RECIPIENT_CHANGE_DAYS = 7

SELF_CHANGE = _("Nobody proposes or confirms a change about themselves: ask another administrator.")


def _expire_stale_changes(*, user: User | None = None) -> None:
    stale = RecipientChange.objects.filter(state=RecipientChangeState.PENDING, expires_at__lte=timezone.now())
    if user is not None:
        stale = stale.filter(user=user)
    stale.update(state=RecipientChangeState.EXPIRED, updated_at=timezone.now())


@transaction.atomic
def recipient_change_propose(*, actor: User, user: User, receives: bool) -> RecipientChange:
    """An administrator proposes to add ``user`` to (or remove them from) the people new confidential
    concerns are sealed to. Nothing changes until someone else confirms (``recipient_change_confirm``)
    within ``RECIPIENT_CHANGE_DAYS`` days; every current recipient is told."""
    if not permissions.can_propose_recipient_change(actor):
        raise AccountError(_("Only an administrator can propose this."), code="forbidden")
    if receives and actor.pk == user.pk:
        raise AccountError(SELF_CHANGE, code="self_change")
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise AccountError(_("This account is deactivated."), code="inactive")
    if user.receives_confidential == receives:
        raise AccountError(
            _("They already receive confidential concerns.") if receives else _("They do not receive them now."),
            code="no_change",
        )
    _expire_stale_changes(user=user)
    if RecipientChange.objects.filter(user=user, state=RecipientChangeState.PENDING).exists():
        raise AccountError(_("A change about them already waits for confirmation."), code="already_proposed")
    change = RecipientChange.objects.create(
        user=user,
        receives=receives,
        proposed_by=actor,
        expires_at=timezone.now() + timedelta(days=RECIPIENT_CHANGE_DAYS),
    )
    audit_record(
        action=AuditAction.RECIPIENT_CHANGE_PROPOSED,
        actor=actor,
        target=user,
        data={"change": change.pk, "receives": receives},
    )
    enqueue_with_commit(tasks.notify_recipient_change, change_id=change.pk)
    return change


@transaction.atomic
def recipient_change_confirm(*, actor: User, change: RecipientChange) -> RecipientChange:
    """A second person (another administrator, or a current recipient) confirms a proposed change;
    from now on new confidential concerns are sealed (or no longer sealed) to that user. Concerns
    already sealed to someone stay readable by them."""
    change = RecipientChange.objects.select_for_update().select_related("user").get(pk=change.pk)
    if actor.pk in (change.user_id, change.proposed_by_id):
        raise AccountError(SELF_CHANGE, code="self_change")
    if not permissions.can_confirm_recipient_change(actor, change):
        raise AccountError(_("Only another administrator or a current recipient can confirm this."), code="forbidden")
    if not change.is_open:
        raise AccountError(_("This proposal expired or was already decided."), code="closed")
    user = User.objects.select_for_update().get(pk=change.user_id)
    if not user.is_active:
        raise AccountError(_("This account is deactivated."), code="inactive")
    now = timezone.now()
    change.state = RecipientChangeState.CONFIRMED
    change.decided_by, change.decided_at = actor, now
    change.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    user.receives_confidential = change.receives
    user.save(update_fields=["receives_confidential"])
    audit_record(
        action=AuditAction.RECIPIENT_CHANGE_CONFIRMED,
        actor=actor,
        target=user,
        data={"change": change.pk, "receives": change.receives, "proposed_by": change.proposed_by_id},
    )
    enqueue_with_commit(tasks.notify_recipient_change, change_id=change.pk)
    return change


@transaction.atomic
def recipient_change_withdraw(*, actor: User, change: RecipientChange) -> RecipientChange:
    """An administrator or a current recipient withdraws (refuses) a proposal that still waits."""
    change = RecipientChange.objects.select_for_update().get(pk=change.pk)
    if not permissions.can_withdraw_recipient_change(actor, change):
        raise AccountError(_("Only an administrator or a current recipient can withdraw this."), code="forbidden")
    if not change.is_open:
        raise AccountError(_("This proposal expired or was already decided."), code="closed")
    change.state = RecipientChangeState.WITHDRAWN
    change.decided_by, change.decided_at = actor, timezone.now()
    change.save(update_fields=["state", "decided_by", "decided_at", "updated_at"])
    audit_record(
        action=AuditAction.RECIPIENT_CHANGE_WITHDRAWN,
        actor=actor,
        target=change.user,
        data={"change": change.pk, "receives": change.receives},
    )
    return change


@transaction.atomic
def recipient_first_add(*, user: User) -> RecipientChange:
    """Bootstrap: make ``user`` the deployment's first recipient of confidential concerns, without a
    second person (there is nobody yet to confirm). Only while nobody receives them; run by the
    operator on the server (``ovoz first-recipient``), audited without an actor."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise AccountError(_("This account is deactivated."), code="inactive")
    if User.objects.filter(receives_confidential=True, is_active=True).exists():
        raise AccountError(
            _("Someone already receives confidential concerns: propose further recipients in the staff workspace."),
            code="not_first",
        )
    now = timezone.now()
    change = RecipientChange.objects.create(
        user=user, receives=True, state=RecipientChangeState.CONFIRMED, expires_at=now, decided_at=now
    )
    user.receives_confidential = True
    user.save(update_fields=["receives_confidential"])
    audit_record(action=AuditAction.RECIPIENT_FIRST_ADDED, target=user, data={"change": change.pk, "via": "command"})
    enqueue_with_commit(tasks.notify_recipient_change, change_id=change.pk)
    return change


# --- Login with password and second factor ----------------------------------------------------


def login_check_password(*, username: str, password: str) -> User:
    """First step of a staff login. Returns the user, who must still pass the second factor.

    An unknown username, a wrong password and a locked account each cost one password hash, and
    lock after the same number of failures with the same answer (``ovoz.accounts.lockout``).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is not None and user.is_locked():
            lockout.spend_one_password_hash(password)
            audit_record(action=AuditAction.LOGIN_FAILED, target=user, data={"reason": "locked"})
            locked = True
        elif user is None and lockout.unknown_username_is_locked(username):
            lockout.spend_one_password_hash(password)
            locked = True
        else:
            # authenticate() runs one hash for an unknown username too (Django's ModelBackend).
            authenticated = authenticate(None, username=username, password=password)
            if isinstance(authenticated, User):
                return authenticated
            if user is not None:
                lockout.register_failure(user, action=AuditAction.LOGIN_FAILED)
                locked = user.is_locked()
            else:
                locked = lockout.unknown_username_register_failure(username)
        error = AccountError(
            ACCOUNT_LOCKED if locked else INVALID_CREDENTIALS, code="locked" if locked else "invalid_credentials"
        )
    raise error


def has_second_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def _recovery_code_digest(code: str) -> str:
    """Recovery codes are kept only as a keyed hash (16 hex digits fit django-otp's token column)."""
    return keyed_hash(code.strip().lower(), purpose="recovery-code")[:16]


def second_factor_verify(*, user: User, token: str) -> TOTPDevice | StaticDevice:
    """Check a TOTP code or a one-time recovery code; failures count towards the account lock."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_locked():
            error = AccountError(ACCOUNT_LOCKED, code="locked")
        else:
            token = "".join(token.split()).replace("-", "")
            if token.isdigit():
                for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                    if device.verify_token(token):
                        return device
            elif token:
                for static_device in StaticDevice.objects.filter(user=user, confirmed=True):
                    if static_device.verify_token(_recovery_code_digest(token)):
                        audit_record(action=AuditAction.RECOVERY_CODE_USED, actor=user, target=user)
                        return static_device
            lockout.register_failure(user, action=AuditAction.SECOND_FACTOR_FAILED)
            locked = user.is_locked()
            error = AccountError(
                ACCOUNT_LOCKED if locked else INVALID_CODE, code="locked" if locked else "invalid_code"
            )
    raise error


def login_succeeded(*, user: User) -> None:
    """Record a completed login (password and second factor) and clear the failure count."""
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    audit_record(action=AuditAction.LOGIN, actor=user, target=user)


# --- Second factor enrolment ------------------------------------------------------------------


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """Return the user's pending (unconfirmed) authenticator device, creating it if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm a new authenticator with a code from it; returns fresh recovery codes to show once."""
    token = "".join(token.split())
    if device.user_id != user.pk or device.confirmed or not token.isdigit() or not device.verify_token(token):
        raise AccountError(INVALID_CODE, code="invalid_code")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Only one authenticator at a time: an enrolment replaces earlier ones.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    audit_record(action=AuditAction.SECOND_FACTOR_ENROLLED, actor=user, target=user)
    return _new_recovery_codes(user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace a user's recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    audit_record(action=AuditAction.RECOVERY_CODES_REGENERATED, actor=user, target=user)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the codes on the user's one recovery device (kept, so a session verified with it stays)."""
    device = StaticDevice.objects.filter(user=user).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_recovery_code_digest(code)) for code in codes])
    return codes


@transaction.atomic
def account_unlock(*, actor: User, user: User) -> None:
    """An administrator lifts a lock before it runs out."""
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_login_count=0)
    audit_record(action=AuditAction.ACCOUNT_UNLOCKED, actor=actor, target=user)


@transaction.atomic
def second_factor_reset(*, actor: User, user: User) -> None:
    """An administrator removes a user's second factor (lost phone); they enrol again at next login."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(action=AuditAction.SECOND_FACTOR_RESET, actor=actor, target=user)


def user_set_language(*, user: User, language: str) -> User:
    """A staff member chooses the language of their staff pages, reminders and notifications ("" for
    none: the browser's for pages, the deployment's for messages)."""
    if language and language not in dict(settings.LANGUAGES):
        raise AccountError(_("Choose one of the languages offered."), code="invalid_language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user


def password_change(*, user: User, current_password: str, new_password: str) -> None:
    """Change a password. Every session of the user ends, this one included.

    A wrong current password counts towards the account's lock, as a failed sign-in does.
    """
    lockout.password_confirm(
        user=user, password=current_password, wrong_message=_("Your current password is not correct.")
    )
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        # The key for confidential concerns now opens with the new password only.
        key_rewrap_password(user=user, current_password=current_password, new_password=new_password)
        audit_record(action=AuditAction.PASSWORD_CHANGED, actor=user, target=user)
