from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from ovoz.accounts.permissions import staff_user
from ovoz.referrals import services
from ovoz.referrals.models import CaseWorker, Consent, Referral, ServiceProvider
from ovoz.referrals.permissions import can_add_case_worker


class CaseWorkerInline(admin.TabularInline):  # type: ignore[type-arg]
    """Case workers are added and removed here (each through the audited services); a row is never
    changed into another person: remove it and add the other."""

    model = CaseWorker
    extra = 1
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset_class = super().get_formset(request, obj, **kwargs)
        actor = staff_user(request)

        class CaseWorkerFormSet(formset_class):  # type: ignore[misc,valid-type]
            def clean(self) -> None:
                super().clean()
                for form in self.forms:
                    user = getattr(form, "cleaned_data", {}).get("user")
                    if form.instance.pk is None and user is not None and not can_add_case_worker(actor, user):
                        form.add_error("user", services.SELF_CASE_WORKER)

        return CaseWorkerFormSet


@admin.register(ServiceProvider)
class ServiceProviderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The directory of services; their case workers receive referrals (after their first sign-in)."""

    list_display = ("name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("areas",)
    inlines = [CaseWorkerInline]

    def save_model(self, request: HttpRequest, obj: ServiceProvider, form: Any, change: bool) -> None:
        services.service_provider_save(actor=staff_user(request), provider=obj, changed_fields=form.changed_data)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool) -> None:  # type: ignore[type-arg]
        if formset.model is not CaseWorker:
            super().save_formset(request, form, formset, change)
            return
        actor = staff_user(request)
        deleted = set(formset.deleted_forms) if formset.can_delete else set()
        # What the admin's change message reads (formset.save() would set these).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            instance = inline_form.instance
            if inline_form in deleted:
                if instance.pk is not None:
                    services.case_worker_remove(actor=actor, case_worker=instance)
                    formset.deleted_objects.append(instance)
            elif instance.pk is None and inline_form.has_changed() and inline_form.cleaned_data.get("user"):
                added = services.case_worker_add(
                    actor=actor, provider=form.instance, user=inline_form.cleaned_data["user"]
                )
                formset.new_objects.append(added)

    def delete_model(self, request: HttpRequest, obj: ServiceProvider) -> None:
        # Its case workers go with it: each is audited as removed.
        with transaction.atomic():
            for case_worker in obj.case_workers.select_related("user"):
                services.case_worker_remove(actor=staff_user(request), case_worker=case_worker)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ServiceProvider]) -> None:
        for provider in queryset:
            self.delete_model(request, provider)


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
