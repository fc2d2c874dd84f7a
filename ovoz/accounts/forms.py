from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User


class PasswordLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows now"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("Of your staff pages, and of the reminders and notifications you receive."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("As my browser says")), *settings.LANGUAGES]
        cast(forms.ChoiceField, self.fields["language"]).choices = choices


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("new_password") and cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return cleaned


class KeyRecoverForm(forms.Form):
    recovery_key = forms.CharField(label=_("Recovery key"), max_length=64, strip=True)
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)


class KeyPasswordForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)


class KeyReplaceForm(KeyPasswordForm):
    confirm = forms.BooleanField(
        label=_(
            "I understand that I will no longer be able to open the confidential concerns sealed to my old key, "
            "and that nobody can give that access back."
        )
    )


class RecipientProposeForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Staff user"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
    )
    change = forms.ChoiceField(
        label=_("Change"),
        choices=[
            ("add", _("Add: new confidential concerns will be sealed to them too")),
            ("remove", _("Remove: new confidential concerns will no longer be sealed to them")),
        ],
        widget=forms.RadioSelect,
    )
