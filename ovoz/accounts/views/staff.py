"""Staff login: password, then second factor (enrolled at the first login), then the workspace.

Until both steps pass, the user is not logged in: the session only remembers, for a few minutes,
whose password was correct.
"""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Literal, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts import keys, lockout, services
from ovoz.accounts.decorators import staff_required
from ovoz.accounts.errors import AccountError
from ovoz.accounts.forms import (
    EnrolForm,
    KeyPasswordForm,
    KeyRecoverForm,
    KeyReplaceForm,
    LanguageForm,
    PasswordChangeForm,
    PasswordLoginForm,
    SecondFactorForm,
)
from ovoz.accounts.models import User, UserKey
from ovoz.accounts.permissions import staff_user
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

PENDING_USER = "ovoz_pending_user"
PENDING_SINCE = "ovoz_pending_since"
PENDING_NEXT = "ovoz_pending_next"
PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("staff:home")


def _pending_user(request: HttpRequest) -> User | None:
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if not user_id or time.time() - since > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def use_staff_language(response: HttpResponse, user: User) -> HttpResponse:
    """Switch to the language the staff member chose, for this response and (through the language
    cookie that every staff page reads) for the pages after it; nothing when they chose none."""
    if user.language:
        translation.activate(user.language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
        )
    return response


def _finish_login(request: HttpRequest, user: User, device: object) -> HttpResponseRedirect:
    next_url = request.session.get(PENDING_NEXT)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # new session key
    otp_login(request, device)
    services.login_succeeded(user=user)
    response = redirect(_safe_next(request, next_url))
    use_staff_language(response, user)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check_password(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"]
            )
        except AccountError as error:
            form.add_error(None, str(error.message))
        else:
            request.session.cycle_key()
            keys.login_unlock(request, user=user, password=form.cleaned_data["password"])
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_SINCE] = time.time()
            request.session[PENDING_NEXT] = request.GET.get("next", "")
            if services.has_second_factor(user):
                return redirect("accounts:login_verify")
            return redirect("accounts:enrol")
    return render(request, "accounts/login.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def login_verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None or not services.has_second_factor(user):
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_verify(user=user, token=form.cleaned_data["code"])
        except AccountError as error:
            form.add_error("code", str(error.message))
            if error.code == "locked":
                request.session.flush()
                messages.error(request, str(error.message))
                return redirect("accounts:login")
        else:
            return _finish_login(request, user, device)
    return render(request, "accounts/login_verify.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None or services.has_second_factor(user):
        return redirect("accounts:login")
    device = services.totp_enrolment_start(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.totp_enrolment_confirm(user=user, device=device, token=form.cleaned_data["code"])
        except AccountError as error:
            form.add_error("code", str(error.message))
        else:
            _finish_login(request, user, device)
            if user.language:
                translation.activate(user.language)
            # Shown once, in this response only: the codes are never stored readable. The key page, with
            # the new recovery key, comes next (the page links to it).
            context = {
                "codes": codes,
                "just_enrolled": True,
                "key_waiting": keys.SESSION_NEW_RECOVERY_KEY in request.session,
            }
            return use_staff_language(render(request, "accounts/recovery_codes.html", context), user)
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=False)
    context = {"form": form, "qr_svg": qr_svg, "secret": _base32_secret(device)}
    return render(request, "accounts/enrol.html", context)


def _base32_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@staff_required(workspace=False)
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Make new recovery codes and show them once; they are not stored in readable form."""
    codes = None
    if request.method == "POST":
        codes = services.recovery_codes_regenerate(user=staff_user(request))
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


def _end_locked_session(request: HttpRequest, error: AccountError) -> HttpResponse:
    """Too many wrong passwords typed again in a signed-in session lock the account, as at sign-in:
    whoever holds this session is signed out too."""
    logout(request)
    messages.error(request, str(error.message))
    response = redirect("accounts:login")
    keys.forget(response)
    return response


@never_cache
@staff_required(workspace=False)
@require_http_methods(["GET", "POST"])
def account_view(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    is_language = request.POST.get("action") == "language"
    language_form = LanguageForm(request.POST if is_language else None, initial={"language": user.language})
    if is_language:
        if language_form.is_valid():
            services.user_set_language(user=user, language=language_form.cleaned_data["language"])
            response = use_staff_language(redirect("accounts:account"), user)
            if not user.language:  # back to what the browser says
                response.delete_cookie(settings.LANGUAGE_COOKIE_NAME, path=settings.LANGUAGE_COOKIE_PATH)
            messages.success(request, _("Saved."))
            return response
        return render(request, "accounts/account.html", {"form": PasswordChangeForm(), "language_form": language_form})
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except AccountError as error:
            if error.code == "locked":
                return _end_locked_session(request, error)
            form.add_error("current_password", str(error.message))
        except ValidationError as error:
            form.add_error("new_password", error)
        else:
            logout(request)
            messages.success(request, _("Your password was changed. Every session has ended; sign in again."))
            response = redirect("accounts:login")
            keys.forget(response)
            return response
    return render(request, "accounts/account.html", {"form": form, "language_form": language_form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and isinstance(request.user, User):
        audit_record(action=AuditAction.LOGOUT, actor=request.user, target=request.user)
    logout(request)
    messages.info(request, _("You have signed out."))
    response = redirect("accounts:login")
    keys.forget(response)
    return response


@never_cache
@staff_required(workspace=False)
@require_http_methods(["GET", "POST"])
def key_view(request: HttpRequest) -> HttpResponse:
    """The user's key for confidential concerns: see a new recovery key once, open the key with the
    recovery key after a password reset, make a new recovery key, or start over with a new key."""
    user = staff_user(request)
    action = request.POST.get("action", "")
    recover_form = KeyRecoverForm(request.POST if action == "recover" else None)
    renew_form = KeyPasswordForm(request.POST if action == "renew" else None, prefix="renew")
    replace_form = KeyReplaceForm(request.POST if action == "replace" else None, prefix="replace")
    new_recovery_key = keys.session_take_recovery_key(request)
    try:
        if action == "recover" and recover_form.is_valid():
            private = keys.key_recover(
                user=user,
                recovery_key=recover_form.cleaned_data["recovery_key"],
                password=recover_form.cleaned_data["password"],
            )
            keys.session_remember(request, private)
            messages.success(request, _("Your key is open again, and opens with your password from now on."))
            return redirect("accounts:key")
        if action == "renew" and renew_form.is_valid():
            new_recovery_key = keys.recovery_key_replace(user=user, password=renew_form.cleaned_data["password"])
            UserKey.objects.filter(user=user).update(recovery_key_shown=True)
        if action == "replace" and replace_form.is_valid():
            lockout.password_confirm(user=user, password=replace_form.cleaned_data["password"])
            private, new_recovery_key = keys.key_create(user=user, password=replace_form.cleaned_data["password"])
            UserKey.objects.filter(user=user).update(recovery_key_shown=True)
            keys.session_remember(request, private)
    except AccountError as error:
        if error.code == "locked":
            return _end_locked_session(request, error)
        form = {"recover": recover_form, "renew": renew_form}.get(action, replace_form)
        form.add_error(None, str(error.message))
    user_key = UserKey.objects.filter(user=user).first()
    context = {
        "user_key": user_key,
        "is_open": keys.session_private_key(request) is not None,
        "new_recovery_key": new_recovery_key,
        "sealed_count": user.concern_keys.values("concern").distinct().count(),
        "recover_form": recover_form,
        "renew_form": renew_form,
        "replace_form": replace_form,
    }
    return render(request, "accounts/key.html", context, status=400 if action and not new_recovery_key else 200)
