from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.choices import GrantRole
from ovoz.concerns.choices import Status, Visibility
from ovoz.concerns.models import Theme
from ovoz.groups.models import Institution, WorkingGroup
from ovoz.groups.selectors import institution_list
from ovoz.places.models import Area
from ovoz.places.selectors import area_ancestors


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
        areas += list(Area.objects.filter(parent=group.area).defer("boundary").order_by("name"))
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
