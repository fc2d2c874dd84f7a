from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.core.models import RETENTION_FIELDS, AuditEntry, RetentionPolicy
from ovoz.core.services import retention_policy_update

# Not for editing by hand: Django's permission groups are unused (Ovoz has roles and grants), and the
# second-factor devices hold secrets no administrator should read; an administrator resets a user's
# second factor with the action on the staff user list instead.
for model in (Group, TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class TranslatedJSONForm(forms.ModelForm):  # type: ignore[type-arg]
    """Edit ``{language: text}`` JSON fields as one text box per interface language.

    Subclasses set ``translated_fields`` to the JSON field names and leave those names out of
    ``Meta.fields``; languages set outside the interface languages (e.g. a local name in Turkmen)
    are kept as they are. The boxes are declared on the class, not added per instance, because the
    admin lays out its add and change pages from the form class's fields.
    """

    translated_fields: tuple[str, ...] = ()
    extra_languages: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = getattr(getattr(cls, "Meta", None), "model", None)
        if model is None:
            return
        # Runs inside the form metaclass, before it gathers the declared fields.
        for field_name in cls.translated_fields:
            verbose_name = model._meta.get_field(field_name).verbose_name
            for code, language_name in cls._languages():
                cls.declared_fields[f"{field_name}__{code}"] = forms.CharField(
                    label=f"{verbose_name} ({language_name})",
                    required=code == settings.LANGUAGE_CODE,
                    widget=forms.Textarea(attrs={"rows": 2}) if "description" in field_name else forms.TextInput(),
                )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field_name in self.translated_fields:
            current = getattr(self.instance, field_name, None) or {}
            for code, _language_name in self._languages():
                self.initial.setdefault(f"{field_name}__{code}", current.get(code, ""))

    @classmethod
    def _languages(cls) -> list[tuple[str, str]]:
        return [*settings.LANGUAGES, *((code, code) for code in cls.extra_languages)]

    def save(self, commit: bool = True) -> Any:
        for field_name in self.translated_fields:
            values = dict(getattr(self.instance, field_name, None) or {})
            for code, _language_name in self._languages():
                text = (self.cleaned_data.get(f"{field_name}__{code}") or "").strip()
                if text:
                    values[code] = text
                else:
                    values.pop(code, None)
            setattr(self.instance, field_name, values)
        return super().save(commit=commit)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("at", "action", "actor", "object_type", "object_id")
    list_filter = ("action",)
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The one retention policy: its list page opens the policy itself. Changes are audited."""

    fields = RETENTION_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        policy = RetentionPolicy.load()
        return HttpResponseRedirect(reverse("admin:core_retentionpolicy_change", args=[policy.pk]))

    def save_model(self, request: HttpRequest, obj: RetentionPolicy, form: Any, change: bool) -> None:
        # The admin site admits administrators only (``ovoz.accounts.admin_site``): a signed-in user.
        actor = request.user if isinstance(request.user, get_user_model()) else None
        retention_policy_update(actor=actor, policy=obj)
