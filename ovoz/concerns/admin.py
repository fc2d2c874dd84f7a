from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ovoz.concerns.models import Theme
from ovoz.core.admin import TranslatedJSONForm


class ThemeForm(TranslatedJSONForm):
    translated_fields = ("labels", "descriptions")

    class Meta:
        model = Theme
        fields = ("slug", "labels", "descriptions", "default_visibility", "position", "is_active")


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ThemeForm
    list_display = ("slug", "label", "default_visibility", "position", "is_active")
    list_editable = ("position", "is_active")

    def get_readonly_fields(self, request: HttpRequest, obj: Theme | None = None) -> tuple[str, ...]:
        # The slug is the Open311 service code partners store: it never changes once made.
        return ("slug",) if obj is not None else ()
