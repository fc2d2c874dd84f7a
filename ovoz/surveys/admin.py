"""Surveys in the admin: read only (imports, rounds and answers go through the staff pages' audited services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ovoz.surveys.models import Survey, SurveyRound


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Made and changed only in the staff workspace, through the audited services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ("slug", "default_language", "area", "is_published", "created_at")
    list_filter = ("is_published",)
    search_fields = ("slug", "form_id")
    # The workbook and the definition are shown on the staff pages (preview), not as raw bytes and JSON.
    exclude = ("source_xlsx", "definition")


@admin.register(SurveyRound)
class SurveyRoundAdmin(ReadOnlyAdmin):
    list_display = ("survey", "number", "state", "area", "opens_at", "closes_at", "one_answer_per_respondent")
    list_filter = ("state",)
