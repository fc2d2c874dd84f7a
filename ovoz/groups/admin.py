from __future__ import annotations

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from ovoz.accounts import services as account_services
from ovoz.accounts.permissions import staff_user
from ovoz.groups.models import Institution, Invitation, WorkingGroup


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "area", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("area",)

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: WorkingGroup) -> None:
        # Deleting a group takes its members' roles with it: each one is audited as removed.
        for grant in obj.grants.select_related("user"):
            account_services.grant_remove(actor=staff_user(request), user=grant.user, working_group=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkingGroup]) -> None:
        for group in queryset:
            self.delete_model(request, group)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "area", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    raw_id_fields = ("area",)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Invitations are made by facilitators in the staff workspace (audited); here they are only read."""

    list_display = ("email", "working_group", "role", "expires_at", "accepted_at")
    list_filter = ("role",)
    readonly_fields = (
        "working_group",
        "email",
        "role",
        "institution",
        "expires_at",
        "invited_by",
        "accepted_at",
        "accepted_by",
    )
    exclude = ("token_hash",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
