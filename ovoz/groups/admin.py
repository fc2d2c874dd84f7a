from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import Grant
from ovoz.accounts.permissions import staff_user
from ovoz.groups import grants, services
from ovoz.groups.models import Institution, Invitation, WorkingGroup


@admin.register(WorkingGroup)
class WorkingGroupAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Working groups; every change goes through the audited services."""

    list_display = ("name", "slug", "area", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("area",)

    def save_model(self, request: HttpRequest, obj: WorkingGroup, form: Any, change: bool) -> None:
        services.working_group_save(actor=staff_user(request), group=obj, changed_fields=form.changed_data)

    def delete_model(self, request: HttpRequest, obj: WorkingGroup) -> None:
        # Deleting a group takes its members' roles with it: each one is audited as removed.
        services.working_group_delete(actor=staff_user(request), group=obj)

    @transaction.atomic
    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WorkingGroup]) -> None:
        for group in queryset:
            self.delete_model(request, group)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The directory of institutions; every change goes through the audited services. Institutions are
    retired (not active) rather than deleted: actions and grants point at them."""

    list_display = ("name", "area", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    raw_id_fields = ("area",)

    def save_model(self, request: HttpRequest, obj: Institution, form: Any, change: bool) -> None:
        if change:
            services.institution_update(actor=staff_user(request), institution=obj, changed_fields=form.changed_data)
            return
        created = services.institution_create(
            actor=staff_user(request), area=obj.area, name=obj.name, is_active=obj.is_active
        )
        obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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


@admin.register(Grant)
class GrantAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Give staff users a role in a working group. Every change goes through the audited services.

    ``accounts.Grant`` lives in accounts' tables (so its admin URL is under ``accounts/``), but it is a
    working-group concept: its admin and services live here (docs/architecture.md, "Grants")."""

    list_display = ("user", "working_group", "role", "institution", "created_at")
    list_filter = ("role", "working_group")
    search_fields = ("user__username", "working_group__name")
    autocomplete_fields = ("user",)
    raw_id_fields = ("working_group", "institution")

    def get_readonly_fields(self, request: HttpRequest, obj: Grant | None = None) -> tuple[str, ...]:
        # Only the member chooses whether public pages name them (in the group's staff pages).
        return ("user", "working_group", "is_named_publicly") if obj is not None else ("is_named_publicly",)

    def save_model(self, request: HttpRequest, obj: Grant, form: Any, change: bool) -> None:
        saved = grants.grant_save(
            actor=staff_user(request),
            user=obj.user,
            working_group=obj.working_group,
            role=GrantRole(obj.role),
            institution=obj.institution,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Grant) -> None:
        grants.grant_remove(actor=staff_user(request), user=obj.user, working_group=obj.working_group)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Grant]) -> None:
        for grant in queryset.select_related("user", "working_group"):
            self.delete_model(request, grant)
