"""The staff pages' forms (the XLSForm reader is ``ovoz.surveys.forms``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ovoz.channels.models import Channel
from ovoz.places.models import Area
from ovoz.places.selectors import area_get_by_reference


class AreaCodeField(forms.CharField):
    """An area by its ISO 3166-2 code or id; empty for none."""

    def clean(self, value: object) -> Area | None:
        text = super().clean(value)
        if not text:
            return None
        area = area_get_by_reference(text)
        if area is None:
            raise forms.ValidationError(_("No area has this code."), code="area_unknown")
        return area


class SurveyImportForm(forms.Form):
    file = forms.FileField(label=_("XLSForm workbook (.xlsx)"))
    area = AreaCodeField(
        label=_("Area code"), required=False, max_length=32, help_text=_("e.g. TJ-KT; empty for the whole deployment.")
    )
    publish = forms.BooleanField(label=_("Publish: open rounds can be answered"), required=False)


class IndicatorForm(forms.Form):
    answer = forms.ChoiceField(label=_("Share of respondents who answered"))
    label = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("e.g. Feel safe at night; in the form's language.")
    )

    def __init__(self, *args: Any, survey: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for question in survey.questions:
            if question["type"] not in ("select_one", "select_multiple"):
                continue
            for choice in question.get("choices", []):
                text = choice.get("labels", {}).get(language) or choice["name"]
                choices.append((f"{question['name']}={choice['name']}", f"{question['name']}: {text}"))
        cast(forms.ChoiceField, self.fields["answer"]).choices = choices


class RoundOpenForm(forms.Form):
    area = AreaCodeField(
        label=_("Area code"), required=False, max_length=32, help_text=_("Empty for the survey's own area.")
    )
    one_answer_per_respondent = forms.BooleanField(
        label=_("One answer per respondent"),
        required=False,
        help_text=_("Keeps a keyed hash of each respondent's phone or chat until the round closes, never the number."),
    )


class RoundKeywordForm(forms.Form):
    keyword = forms.CharField(
        label=_("Keyword"),
        required=False,
        max_length=32,
        help_text=_("One word a respondent sends by SMS or to the Telegram bot to start; empty for none."),
    )


class InviteForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.filter(is_active=True))
    addresses = forms.CharField(
        label=_("Phone numbers or Telegram chat ids"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One a line. They are used to send the first question and never kept with the answers."),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    def clean_addresses(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["addresses"].splitlines() if line.strip()]
