from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.choices import Status
from ovoz.concerns.models import Theme
from ovoz.insights.choices import AlertState
from ovoz.places.choices import AreaKind

PERIOD_MONTHS = {"3": 3, "12": 12}


class MapFilterForm(forms.Form):
    """The map's and the table's filters: whole months only, so the monthly rollup answers them."""

    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.filter(is_active=True),
        required=False,
        to_field_name="slug",
        empty_label=_("All themes"),
    )
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("All time")), ("12", _("Last 12 months")), ("3", _("Last 3 months"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    level = forms.ChoiceField(
        label=_("Areas"),
        required=False,
        choices=[(AreaKind.REGION.value, _("Regions")), (AreaKind.DISTRICT.value, _("Districts"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *Status.choices]  # type: ignore[attr-defined]

    def since(self) -> date | None:
        months = PERIOD_MONTHS.get(self.cleaned_data.get("period") or "")
        if months is None:
            return None
        today = timezone.localdate()
        month_index = today.year * 12 + today.month - 1 - (months - 1)
        return date(month_index // 12, month_index % 12 + 1, 1)


class AlertStateForm(forms.Form):
    """Mark an alert seen, being acted on, or dismissed (with a reason)."""

    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            (AlertState.SEEN, _("Seen")),
            (AlertState.ACTING, _("Acting on it")),
            (AlertState.DISMISSED, _("Dismissed")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Required to dismiss. Staff read it; write no names and nothing a reporter wrote."),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any state")), *AlertState.choices])
