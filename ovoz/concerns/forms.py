from __future__ import annotations

import re
import secrets
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from ovoz.concerns.choices import Channel, CloseReason, Status, Visibility
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import MAX_TEXT_LENGTH, Theme
from ovoz.concerns.promises import LOOSER_THAN_THEME_WARNING, VISIBILITY_EXPLAINED
from ovoz.concerns.services import (
    MAX_ATTACHMENTS,
    MIN_SUBMISSION_TOKEN_LENGTH,
    visibility_default,
    visibility_needs_confirmation,
)
from ovoz.core.ids import coerce_id, parse_id
from ovoz.core.images import MAX_UPLOAD_BYTES, CleanImage, ImageRejected, image_clean, too_large
from ovoz.places.models import Area
from ovoz.places.selectors import areas_by_name, region_choices

TOKEN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{MIN_SUBMISSION_TOKEN_LENGTH},128}}")


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos, each checked by content and re-encoded without metadata."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data: Any, initial: Any = None) -> list[CleanImage]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                ngettext(
                    "You can attach up to %(count)s photo.", "You can attach up to %(count)s photos.", MAX_ATTACHMENTS
                )
                % {"count": MAX_ATTACHMENTS}
            )
        cleaned = []
        for upload in files:
            if not isinstance(upload, UploadedFile):
                continue
            try:
                if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                    raise too_large()  # refused before it is read into memory
                cleaned.append(image_clean(upload.read()))
            except ImageRejected as error:
                raise forms.ValidationError(str(error.message)) from error
        return cleaned


TEXT_TOO_LONG = ngettext_lazy(
    "Your text has %(show_value)d character, more than the limit of %(limit_value)d. "
    "Please shorten it: nothing was cut.",
    "Your text has %(show_value)d characters, more than the limit of %(limit_value)d. "
    "Please shorten it: nothing was cut.",
    "show_value",
)


class ResidentTextField(forms.CharField):
    """A text a resident writes: never cut by the browser (no ``maxlength``), refused above the limit
    with a message that says how long it is. Browsers send a line break as two characters; it counts
    as one here, as the counter on the page counts it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_TEXT_LENGTH)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        error_messages = {"max_length": TEXT_TOO_LONG, **kwargs.pop("error_messages", {})}
        super().__init__(error_messages=error_messages, **kwargs)

    def to_python(self, value: Any) -> str | None:
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)  # the browser would cut a pasted text without a word
        return attrs


class ErrorSummaryMixin(forms.Form):
    """What a form with errors shows at its top: every error, each linking to its field."""

    def error_anchor(self, name: str) -> str:
        """The id of the element an error of this field links to; empty for fields not on the page."""
        field = self.fields[name]
        if field.widget.is_hidden:
            return ""
        auto_id = self[name].auto_id
        if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return f"{auto_id}_0"
        return auto_id

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs: the form's own errors first, then the fields' in page order."""
        entries = [("", str(error)) for error in self.non_field_errors()]
        for name in self.fields:
            entries.extend((self.error_anchor(name), str(error)) for error in self.errors.get(name, []))
        return entries

    def describe_errors(self) -> None:
        """Mark each field with an error invalid and point it at its message (field.html gives it the id)."""
        for name in self.errors:
            if name not in self.fields or self.fields[name].widget.is_hidden:
                continue
            widget = self.fields[name].widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue  # their messages sit in the fieldset, read with its legend
            described = widget.attrs.get("aria-describedby", "")
            if self.fields[name].help_text and not described:
                described = f"{self[name].auto_id}_helptext"
            widget.attrs["aria-describedby"] = f"{described} {self[name].auto_id}_error".strip()
            widget.attrs["aria-invalid"] = "true"


class RegionDistrictMixin(forms.Form):
    """Where, without JavaScript: a region select, then the districts of the chosen region.

    The form using it declares ``region`` and ``district`` fields and calls ``set_area_choices``.
    """

    def set_area_choices(self, *, region_label: str | Promise, region_id: int | None = None) -> None:
        _choices(self, "region").choices = [("", region_label), *region_choices()]
        selected = parse_id(self.data.get("region")) if self.is_bound else region_id
        districts = areas_by_name(Area.objects.filter(parent_id=selected).defer("boundary")) if selected else []
        _choices(self, "district").choices = [
            ("", _("Anywhere in the region")),
            *((district.pk, district.display_name) for district in districts),
        ]
        self.has_districts = bool(districts)

    def clean_area(self, cleaned: dict[str, Any]) -> None:
        district_id, region_id = cleaned.get("district"), cleaned.get("region")
        if district_id and not Area.objects.filter(pk=district_id, parent_id=region_id).exists():
            self.add_error("district", _("Choose a district of the region you chose."))

    def chosen_area(self) -> Area | None:
        area_id = self.cleaned_data.get("district") or self.cleaned_data.get("region")
        return Area.objects.filter(pk=area_id).first() if area_id else None


class ThemesField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Themes to tick; none ticked is an empty list, not an empty queryset that every reader would compile
    into SQL only to find it empty (most reports tick none: issue 13.5)."""

    def clean(self, value: Any) -> Any:
        if not value and not self.required:
            return []
        return super().clean(value)


class ReportForm(ErrorSummaryMixin, RegionDistrictMixin):
    text = ResidentTextField(
        label=_("What is the problem?"),
        help_text=_("Describe what happens, where and since when. Do not write names of people if you can avoid it."),
        error_messages={"required": _("Please describe your concern.")},
    )
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=coerce_id, empty_value=None)
    district = forms.TypedChoiceField(label=_("District or town"), required=False, coerce=coerce_id, empty_value=None)
    themes = ThemesField(
        label=_("What is it about?"),
        queryset=Theme.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visibility = forms.ChoiceField(
        label=_("Who may see it?"),
        choices=[(value, VISIBILITY_EXPLAINED[Visibility(value)]) for value, _label in Visibility.choices],
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "If you choose nothing: concerns about violence at home stay confidential; others may be "
            "published after review."
        ),
    )
    # Shown (and needed) only when the choice above is looser than a chosen theme asks for.
    visibility_confirmed = forms.BooleanField(
        label=_("Yes, I am sure: let it be seen as I chose above."),
        required=False,
    )
    language = forms.ChoiceField(label=_("Language of your text"), required=False)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=32,
        # A phone keypad, and no autocorrection of the number.
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("E-mail (optional)"), required=False, max_length=254)
    contact_consent = forms.BooleanField(
        label=_(
            "I agree that Ovoz keeps this contact, encrypted, only to answer me about this concern. "
            "It is deleted when the concern is closed and its retention period ends."
        ),
        required=False,
    )
    photos = PhotosField(label=_("Photos (optional, up to 3)"), required=False)
    referral_consent = forms.ChoiceField(
        label=_(
            "If your concern is confidential and a service could help you (a shelter, legal aid, counselling, "
            "medical care), may we pass it to that service?"
        ),
        widget=forms.RadioSelect,
        choices=[
            ("no", _("No, not without asking me")),
            ("yes", _("Yes, what I wrote, without my contact details")),
            ("yes_contact", _("Yes, and they may contact me")),
        ],
        initial="no",
        required=False,
    )
    # The draft token (concerns/views/handoff.py); a missing or altered one is refused in clean().
    submission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=128)
    # Filled in by report.js when the reporter shares the phone's location; rounded to about 1 km.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def __init__(self, *args: Any, draft: bool = False, **kwargs: Any) -> None:
        """``draft``: the form is shown again as written (another language), never checked for sending."""
        super().__init__(*args, **kwargs)
        self.is_draft = draft
        self.set_area_choices(region_label=_("I'd rather not say"))
        _choices(self, "language").choices = [("", _("Recognise it for me")), *settings.LANGUAGES]
        self.needs_visibility_confirmation = False
        # The hint and the limit under the text (field.html renders both ids).
        text_id = self["text"].auto_id
        self.fields["text"].widget.attrs["aria-describedby"] = f"{text_id}_helptext {text_id}_limit"
        self.text_limit = MAX_TEXT_LENGTH

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("phone") or cleaned.get("email")) and not cleaned.get("contact_consent"):
            self.add_error("contact_consent", _("Please agree, or leave the contact fields empty."))
        self.clean_area(cleaned)
        if not self.is_draft:  # asking again replaces the choice with the safer one; a draft is not sent
            self.ask_again_if_looser_than_themes(cleaned)
            self.refuse_bad_token(cleaned)
        return cleaned

    def refuse_bad_token(self, cleaned: dict[str, Any]) -> None:
        """The same rule as the intake service: a token too short or altered is refused, never dropped.
        What was written stays, and the form comes back with a good token so it can be sent again."""
        if TOKEN_PATTERN.fullmatch(cleaned.get("submission_token") or ""):
            return
        self.add_error(
            None,
            _("This form could not be checked, so nothing was sent. What you wrote is kept: please send it again."),
        )
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["submission_token"] = secrets.token_urlsafe(24)
        self.data = data

    def ask_again_if_looser_than_themes(self, cleaned: dict[str, Any]) -> None:
        """Public (or restricted) with a theme that is confidential by default: ask again, offering the
        theme's default, unless the reporter ticked that they are sure. Nothing is stored meanwhile."""
        themes = list(cleaned.get("themes") or [])
        chosen = Visibility(cleaned["visibility"]) if cleaned.get("visibility") else None
        self.needs_visibility_confirmation = visibility_needs_confirmation(themes=themes, visibility=chosen)
        if not self.needs_visibility_confirmation or cleaned.get("visibility_confirmed"):
            return
        self.add_error(None, _("Please look again at who may see your concern, below: it has not been sent yet."))
        self.add_error("visibility", LOOSER_THAN_THEME_WARNING)
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["visibility"] = visibility_default(themes).value  # the choice offered is the safer one
        self.data = data

    def add_concern_error(self, error: ConcernError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, str(error.message))


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class ReporterMessageForm(forms.Form):
    text = ResidentTextField(label=_("Your answer or more information"), widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label=_("Photos (optional, up to 3)"), required=False)


class PublicFilterForm(forms.Form):
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=coerce_id, empty_value=None)
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.filter(is_active=True),
        required=False,
        to_field_name="slug",
        empty_label=_("All themes"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "region").choices = [("", _("All regions")), *region_choices()]
        _choices(self, "status").choices = [("", _("Any status")), *Status.choices]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "—"), *CloseReason.choices], required=False
    )
    note = forms.CharField(
        label=_("Public note (optional)"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=coerce_id, empty_value=None)
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("All themes"),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    search = forms.CharField(label=_("Number"), required=False, max_length=12)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "status").choices = [("", _("Any status")), *Status.choices]
        _choices(self, "region").choices = [("", _("All regions")), *region_choices()]
        _choices(self, "language").choices = [("", _("Any language")), *settings.LANGUAGES]
        _choices(self, "visibility").choices = [("", _("Any visibility")), *Visibility.choices]
        _choices(self, "channel").choices = [("", _("Any channel")), *Channel.choices]


class TriageForm(RegionDistrictMixin):
    region = forms.TypedChoiceField(label=_("Region"), required=False, coerce=coerce_id, empty_value=None)
    district = forms.TypedChoiceField(label=_("District or town"), required=False, coerce=coerce_id, empty_value=None)
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"),
        queryset=Theme.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    language = forms.ChoiceField(label=_("Language of the text"), required=False)

    def __init__(self, *args: Any, region_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_area_choices(region_label=_("Not known"), region_id=region_id)
        _choices(self, "language").choices = [("", _("Not known")), *settings.LANGUAGES]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_area(cleaned)
        return cleaned


class PublicTextForm(forms.Form):
    public_text = forms.CharField(
        label=_("Public text"),
        help_text=_(
            "What everyone will read. Remove names, phone numbers, addresses and anything else that identifies people."
        ),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("question", _("Question to the reporter")), ("reply", _("Reply to the reporter"))]
    )
    text = forms.CharField(label=_("Message"), max_length=MAX_TEXT_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))


class DuplicateForm(forms.Form):
    original = forms.IntegerField(label=_("Number of the concern this one repeats"), min_value=1)


class BulkStatusForm(forms.Form):
    concerns = forms.TypedMultipleChoiceField(coerce=coerce_id, choices=[])
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    close_reason = forms.ChoiceField(
        label=_("Reason for closing"), choices=[("", "—"), *CloseReason.choices], required=False
    )
