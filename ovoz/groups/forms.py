from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.concerns.choices import Status, Visibility
from ovoz.concerns.forms import PhotosField
from ovoz.concerns.models import Concern, Theme
from ovoz.groups.choices import MAX_SCORE, MAX_WEIGHT, MIN_SCORE, ActionStatus, AgeBand, Gender, MeetingStatus
from ovoz.groups.models import MAX_DECISIONS_LENGTH, MAX_MINUTES_LENGTH, Criterion, Institution, WorkingGroup
from ovoz.groups.selectors import institution_list
from ovoz.places.models import Area
from ovoz.places.selectors import area_ancestors, areas_by_name


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _model_choices(form: forms.Form, name: str) -> forms.ModelChoiceField:  # type: ignore[type-arg]
    return cast(forms.ModelChoiceField, form.fields[name])  # type: ignore[type-arg]


class GroupFormMixin(forms.Form):
    """Forms whose choices depend on the group: its institutions."""

    def limit_institutions(self, group: WorkingGroup, field: str = "institution") -> None:
        _model_choices(self, field).queryset = institution_list(group=group)


class InviteForm(GroupFormMixin):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=GrantRole.choices, initial=GrantRole.COMMUNITY)
    institution = forms.ModelChoiceField(
        label=_("Speaks for (optional)"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("No institution"),
    )

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_institutions(group)


class MemberForm(GroupFormMixin):
    role = forms.ChoiceField(label=_("Role"), choices=GrantRole.choices)
    institution = forms.ModelChoiceField(
        label=_("Speaks for"), queryset=Institution.objects.none(), required=False, empty_label=_("No institution")
    )

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_institutions(group)


class NamedForm(forms.Form):
    is_named_publicly = forms.BooleanField(
        label=_("Show my name, role and institution on the group's public pages"), required=False
    )


class InstitutionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    area = forms.TypedChoiceField(label=_("Area"), coerce=int)

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas: list[Area] = [*area_ancestors(group.area), group.area]
        areas += areas_by_name(Area.objects.filter(parent=group.area).defer("boundary"))
        _choices(self, "area").choices = [(area.pk, area.display_name) for area in areas]
        self.initial.setdefault("area", group.area.pk)
        self.areas = {area.pk: area for area in areas}

    def chosen_area(self) -> Area:
        return self.areas[self.cleaned_data["area"]]


class InvitationAcceptForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @ . + - _ only. You sign in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        help_text=_("At least 12 characters, not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    is_named_publicly = forms.BooleanField(
        label=_("Show my name, role and institution on the group's public pages"), required=False
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class ConcernFilterForm(forms.Form):
    search = forms.CharField(label=_("Number or words"), required=False, max_length=100)
    theme = forms.ModelChoiceField(
        label=_("Theme"),
        queryset=Theme.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("All themes"),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    visibility = forms.ChoiceField(label=_("Visibility"), required=False)

    def __init__(self, *args: Any, with_status: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "status").choices = [("", _("Any status")), *Status.choices]
        _choices(self, "visibility").choices = [("", _("Any visibility")), *Visibility.choices]
        if not with_status:
            del self.fields["status"]


def selected(queryset: QuerySet[Any], values: list[str]) -> list[Any]:
    """The rows of ``queryset`` whose ids were posted (ignoring anything that is not an id)."""
    ids = [int(value) for value in values if value.isascii() and value.isdigit() and len(value) < 19]
    return list(queryset.filter(pk__in=ids)) if ids else []


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    online_link = forms.URLField(
        label=_("Online link"), required=False, assume_scheme="https", help_text=_("A place, a link, or both.")
    )
    status = forms.ChoiceField(label=_("Status"), choices=MeetingStatus.choices)

    def __init__(self, *args: Any, with_status: bool = False, may_be_held: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_status:
            del self.fields["status"]
        elif not may_be_held:  # before the meeting's date, "held" is not offered
            _choices(self, "status").choices = [
                (value, label) for value, label in MeetingStatus.choices if value != MeetingStatus.HELD
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("place") and not cleaned.get("online_link") and not self.errors:
            self.add_error("place", _("Give a place or an online link."))
        return cleaned


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=MAX_MINUTES_LENGTH,
        help_text=_("Markdown. For the members; the public sees a summary without the minutes."),
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        max_length=MAX_DECISIONS_LENGTH,
        help_text=_("Markdown. Shown on the public page once the meeting is held: write no names."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def attendance_field_name(gender: str, age_band: str) -> str:
    return f"attendance_{gender}_{age_band}"


class MemberChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class AttendanceForm(forms.Form):
    """People counted by gender and age band (twelve numbers), and the members who were there."""

    members_present = MemberChoiceField(
        label=_("Members present"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for gender in Gender:
            for band in AgeBand:
                self.fields[attendance_field_name(gender, band)] = forms.IntegerField(
                    label=_("%(gender)s, %(age)s") % {"gender": gender.label, "age": band.label},
                    min_value=0,
                    max_value=100_000,
                    initial=0,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}),
                )
        users = User.objects.filter(grants__working_group=group).order_by("first_name", "username")
        _model_choices(self, "members_present").queryset = users

    def grid(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Rows by gender, columns by age band, for a table of labelled inputs."""
        return [
            (str(gender.label), [self[attendance_field_name(gender, band)] for band in AgeBand]) for gender in Gender
        ]

    def counts(self) -> dict[tuple[str, str], int]:
        return {
            (gender.value, band.value): self.cleaned_data[attendance_field_name(gender, band)]
            for gender in Gender
            for band in AgeBand
        }


def score_field_name(concern_id: int, criterion_id: int) -> str:
    return f"score_{concern_id}_{criterion_id}"


SCORE_CHOICES = [("", "–"), *((str(value), str(value)) for value in range(MIN_SCORE, MAX_SCORE + 1))]


class ScoreForm(forms.Form):
    """One member's scores: a 1–5 choice per concern on the agenda and criterion; empty clears it."""

    def __init__(self, *args: Any, concerns: list[Concern], criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concerns, self.criteria = concerns, criteria
        for concern in concerns:
            for criterion in criteria:
                self.fields[score_field_name(concern.pk, criterion.pk)] = forms.TypedChoiceField(
                    label=criterion.display_label,
                    choices=SCORE_CHOICES,
                    coerce=int,
                    empty_value=None,
                    required=False,
                )

    def rows(self) -> list[tuple[Concern, list[forms.BoundField]]]:
        return [
            (concern, [self[score_field_name(concern.pk, criterion.pk)] for criterion in self.criteria])
            for concern in self.concerns
        ]

    def scores(self) -> dict[tuple[int, int], int | None]:
        return {
            (concern.pk, criterion.pk): self.cleaned_data[score_field_name(concern.pk, criterion.pk)]
            for concern in self.concerns
            for criterion in self.criteria
        }


class WeightsForm(forms.Form):
    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[criterion.slug] = forms.IntegerField(
                label=criterion.display_label, min_value=0, max_value=MAX_WEIGHT, initial=criterion.weight
            )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Decision (shown on the public page)"),
        required=False,
        max_length=MAX_DECISIONS_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConcernChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Concerns shown by number and themes only: a form label must not carry a reporter's words."""

    def label_from_instance(self, obj: Any) -> str:
        themes = ", ".join(theme.label for theme in obj.themes.all())
        return str(_("No. %(number)s") % {"number": obj.pk}) + (f" · {themes}" if themes else "")


class MemberSingleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class ActionForm(GroupFormMixin):
    title = forms.CharField(label=_("What will be done"), max_length=200)
    description = forms.CharField(
        label=_("Details"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    concerns = ConcernChoiceField(
        label=_("For the prioritised concerns"), queryset=Concern.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    owner = forms.ModelChoiceField(label=_("Owner institution"), queryset=Institution.objects.none())
    responsible = MemberSingleChoiceField(
        label=_("Responsible member"), queryset=User.objects.none(), required=False, empty_label=_("Nobody yet")
    )
    partners = forms.CharField(label=_("Partners"), required=False, max_length=300)
    starts_on = forms.DateField(label=_("Start date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_public = forms.BooleanField(label=_("Show on the public page"), required=False, initial=True)

    def __init__(self, *args: Any, group: WorkingGroup, concerns: QuerySet[Concern], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit_institutions(group, field="owner")
        _model_choices(self, "concerns").queryset = concerns.prefetch_related("themes")
        users = User.objects.filter(grants__working_group=group).order_by("first_name", "username")
        _model_choices(self, "responsible").queryset = users

    def action_details(self) -> dict[str, Any]:
        """The cleaned fields as the keyword arguments of ``action_create`` and ``action_update``."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "concerns": list(data["concerns"]),
            "owner": data["owner"],
            "responsible": data["responsible"],
            "partners": data["partners"],
            "starts_on": data["starts_on"],
            "due_on": data["due_on"],
            "is_public": data["is_public"],
        }


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ActionStatus.choices)
    reason = forms.CharField(
        label=_("Reason for dropping it"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionUpdateForm(forms.Form):
    text = forms.CharField(label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    day = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    photos = PhotosField(label=_("Photos (optional, up to 3)"), required=False)
