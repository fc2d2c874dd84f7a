from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ovoz.referrals.models import ReferralOutcome, ReferralStatus, ServiceProvider


class ReferForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Service"), queryset=ServiceProvider.objects.none())
    share_contact = forms.BooleanField(
        label=_("Pass on the reporter's contact details too (only if they agreed to it)"), required=False
    )
    override_reason = forms.CharField(
        label=_("Reason to refer without the reporter's consent"),
        help_text=_("Only for an immediate danger to life. Recorded in the audit log. No names or details."),
        required=False,
        max_length=300,
    )

    def __init__(self, *args: Any, providers: QuerySet[ServiceProvider], may_override: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        if not may_override:
            del self.fields["override_reason"]


class AskConsentForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Service"), queryset=ServiceProvider.objects.none())

    def __init__(self, *args: Any, providers: QuerySet[ServiceProvider], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]


class ReferralUpdateForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in ReferralStatus.choices if value != ReferralStatus.REVOKED],
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (when closed)"), choices=[("", "—"), *ReferralOutcome.choices], required=False
    )
    note = forms.CharField(
        label=_("Note (sealed: only those who hold this concern's key read it)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


class ConsentAnswerForm(forms.Form):
    """The reporter's answer on the follow page."""

    consent = forms.IntegerField(widget=forms.HiddenInput)
    answer = forms.ChoiceField(
        label=_("Your answer"),
        widget=forms.RadioSelect,
        choices=[
            ("yes_contact", _("Yes, and they may contact me")),
            ("yes", _("Yes, but without my contact details")),
            ("no", _("No")),
        ],
    )
