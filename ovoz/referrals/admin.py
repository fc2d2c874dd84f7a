from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ovoz.referrals.models import CaseWorker, Consent, Referral, ServiceProvider


class CaseWorkerInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseWorker
    extra = 1
    autocomplete_fields = ("user",)


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The directory of services; their case workers receive referrals (after their first sign-in)."""

    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("areas",)
    inlines = [CaseWorkerInline]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Made and changed only in the staff workspace, through the audited services."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("concern", "provider", "state", "share_contact", "answered_at")
    list_filter = ("state",)


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ("concern", "provider", "status", "outcome", "share_contact", "without_consent", "created_at")
    list_filter = ("status", "without_consent")
    exclude = ("sealed_note",)
