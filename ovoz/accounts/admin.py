from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ovoz.accounts import services
from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.errors import AccountError
from ovoz.accounts.models import Grant, RecipientChange, User
from ovoz.accounts.permissions import staff_user
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record


class GrantInline(admin.TabularInline):  # type: ignore[type-arg]
    """The user's grants, for reading; they are added and removed on the grants page (audited)."""

    model = Grant
    extra = 0
    # Every field: a change here would bypass the audited services (and only a member decides whether
    # public pages name them).
    readonly_fields = ("working_group", "role", "institution", "is_named_publicly")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "email", "role", "is_active", "locked_until")
    list_filter = ("role", "is_active")
    readonly_fields = (
        "role",
        "receives_confidential",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
        "locked_until",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (
            _("Role"),
            {"fields": ("role", "receives_confidential", "is_active", "is_staff", "is_superuser", "locked_until")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    inlines = [GrantInline]

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list[type[admin.options.InlineModelAdmin]]:  # type: ignore[type-arg]
        return [GrantInline] if obj is not None else []

    actions = [
        "make_administrator",
        "make_coordinator",
        "remove_role",
        "receive_confidential",
        "stop_receiving_confidential",
        "reset_second_factor",
        "unlock",
    ]

    def _set_role(self, request: HttpRequest, users: QuerySet[User], role: DeploymentRole) -> None:
        actor = staff_user(request)
        for user in users:
            services.user_set_role(actor=actor, user=user, role=role)
        self.message_user(request, _("Roles changed."), messages.SUCCESS)

    @admin.action(description=_("Make administrator"))
    def make_administrator(self, request: HttpRequest, users: QuerySet[User]) -> None:
        self._set_role(request, users, DeploymentRole.ADMINISTRATOR)

    @admin.action(description=_("Make coordinator"))
    def make_coordinator(self, request: HttpRequest, users: QuerySet[User]) -> None:
        self._set_role(request, users, DeploymentRole.COORDINATOR)

    @admin.action(description=_("Remove deployment role"))
    def remove_role(self, request: HttpRequest, users: QuerySet[User]) -> None:
        self._set_role(request, users, DeploymentRole.NONE)

    def _propose_recipient_change(self, request: HttpRequest, users: QuerySet[User], *, receives: bool) -> None:
        # Only a proposal: another administrator or a current recipient confirms it on the recipients page.
        for user in users:
            try:
                services.recipient_change_propose(actor=staff_user(request), user=user, receives=receives)
            except AccountError as error:
                self.message_user(request, f"{user.username}: {error.message}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(name)s: proposed; it takes effect once someone else confirms it at %(link)s.")
                    % {"name": user.username, "link": reverse("accounts:recipients")},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Propose as a recipient of new confidential concerns"))
    def receive_confidential(self, request: HttpRequest, users: QuerySet[User]) -> None:
        self._propose_recipient_change(request, users, receives=True)

    @admin.action(description=_("Propose to stop sealing new confidential concerns to them"))
    def stop_receiving_confidential(self, request: HttpRequest, users: QuerySet[User]) -> None:
        self._propose_recipient_change(request, users, receives=False)

    @admin.action(description=_("Reset second factor (user enrols again at next login)"))
    def reset_second_factor(self, request: HttpRequest, users: QuerySet[User]) -> None:
        actor = staff_user(request)
        for user in users:
            services.second_factor_reset(actor=actor, user=user)
        self.message_user(request, _("Second factors reset."), messages.SUCCESS)

    @admin.action(description=_("Unlock"))
    def unlock(self, request: HttpRequest, users: QuerySet[User]) -> None:
        actor = staff_user(request)
        for user in users:
            services.account_unlock(actor=actor, user=user)
        self.message_user(request, _("Accounts unlocked."), messages.SUCCESS)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Staff accounts are deactivated, never deleted: the audit log keeps pointing at them.
        return False

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = User.objects.get(pk=id)
            audit_record(action=AuditAction.PASSWORD_SET_BY_ADMINISTRATOR, actor=staff_user(request), target=user)
        return response


@admin.register(RecipientChange)
class RecipientChangeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Proposed and confirmed changes of who receives confidential concerns, for reading: they are
    proposed with the staff users' actions and confirmed on the recipients page (both audited)."""

    list_display = ("user", "receives", "state", "proposed_by", "created_at", "expires_at", "decided_by")
    list_filter = ("state", "receives")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
