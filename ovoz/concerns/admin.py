from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ovoz.accounts.permissions import staff_user
from ovoz.concerns import services
from ovoz.concerns.models import ApiPartner, Theme
from ovoz.core.admin import TranslatedJSONForm


class ThemeForm(TranslatedJSONForm):
    translated_fields = ("labels", "descriptions")

    class Meta:
        model = Theme
        fields = ("slug", "default_visibility", "position", "is_active")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ThemeForm
    list_display = ("slug", "label", "default_visibility", "position", "is_active")
    list_editable = ("position", "is_active")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # deactivate instead: concerns and their counts keep the theme

    def get_readonly_fields(self, request: HttpRequest, obj: Theme | None = None) -> tuple[str, ...]:
        # The slug is the Open311 service code partners store: it never changes once made.
        return ("slug",) if obj is not None else ()


@admin.register(ApiPartner)
class ApiPartnerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Partner systems that may POST Open311 requests. The key is shown once, when the partner is added."""

    list_display = ("name", "is_active", "created_at")
    fields = ("name", "is_active")

    def save_model(self, request: HttpRequest, obj: ApiPartner, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        partner, key = services.api_partner_create(actor=staff_user(request), name=obj.name)
        obj.pk, obj.key_hash, obj.created_at = partner.pk, partner.key_hash, partner.created_at
        self.message_user(
            request,
            _("The API key for %(name)s is %(key)s. Copy it now: it is not stored and cannot be shown again.")
            % {"name": partner.name, "key": key},
            messages.WARNING,
        )

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # deactivate instead: tokens keep pointing at the partner
