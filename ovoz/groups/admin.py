from __future__ import annotations

from django.contrib import admin

from ovoz.groups.models import WorkingGroup


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "area", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("area",)
