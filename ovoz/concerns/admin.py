from __future__ import annotations

from django.contrib import admin

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
