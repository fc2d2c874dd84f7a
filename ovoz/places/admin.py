from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ovoz.core.admin import TranslatedJSONForm
from ovoz.places.models import Area


class AreaForm(TranslatedJSONForm):
    translated_fields = ("names",)
    extra_languages = ("kaa", "tk")

    class Meta:
        model = Area
        fields = ("parent", "kind", "code", "name", "latitude", "longitude")


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = AreaForm
    list_display = ("name", "code", "kind", "parent", "has_boundary")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    raw_id_fields = ("parent",)

    def get_readonly_fields(self, request: HttpRequest, obj: Area | None = None) -> tuple[str, ...]:
        # Moving an area would leave the stored paths of everything inside it wrong.
        return ("parent", "kind") if obj is not None else ()

    @admin.display(boolean=True, description="boundary")
    def has_boundary(self, area: Area) -> bool:
        return area.boundary is not None
