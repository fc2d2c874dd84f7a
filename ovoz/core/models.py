from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The ``previous_hash`` of the first entry of the audit chain.
GENESIS_HASH = "0" * 64


class TimeStampedModel(models.Model):
    """Base for every domain model: when it was created and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("Audit entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries are append-only.")


class AuditEntry(models.Model):
    """Who did what to which object and when. Written only by ``core.services.audit_record``.

    Entries hold identifiers and labels, never personal data or content: ``data`` is for
    small, non-identifying facts (a role name, a count).

    The entries form a hash chain (``ovoz.core.audit``) and the database itself refuses to update or
    delete them: triggers on PostgreSQL and SQLite (migration ``core.0003``). The unique
    ``previous_hash`` means no two entries can follow the same one, so the chain cannot fork.
    """

    # Set by audit_record before the hash is computed (not auto_now_add, which would set it later).
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # An entry must never change, so its actor cannot be deleted (deactivate accounts instead).
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    previous_hash = models.CharField(_("hash of the previous entry"), max_length=64, editable=False)
    entry_hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # The chain's order: ids are taken under the chain lock, so they grow with it.
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["previous_hash"], name="audit_chain_one_successor")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("Audit entries are append-only.")


class RetentionPolicy(models.Model):
    """How long Ovoz keeps what reporters gave it, after a concern is closed or resolved (DESIGN §5).

    One row, edited by administrators in the admin. An empty period keeps things for good. The daily
    retention task (``ovoz.operations.retention``) deletes what is due.
    """

    contact_days = models.PositiveIntegerField(
        _("contact details: days after closure"),
        null=True,
        blank=True,
        default=180,
        validators=[MinValueValidator(1)],
        help_text=_(
            "The reporter's contact details and the channel conversations that lead to them are deleted this many "
            "days after the concern is closed or resolved. Empty: kept."
        ),
    )
    public_concern_days = models.PositiveIntegerField(
        _("public concerns: days after closure"),
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(1)],
        help_text=_("Public concerns are deleted this many days after they are closed or resolved. Empty: kept."),
    )
    restricted_concern_days = models.PositiveIntegerField(
        _("restricted concerns: days after closure"),
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(1)],
        help_text=_("Restricted concerns are deleted this many days after they are closed or resolved. Empty: kept."),
    )
    confidential_concern_days = models.PositiveIntegerField(
        _("confidential concerns: days after closure"),
        null=True,
        blank=True,
        default=365,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Confidential concerns are deleted this many days after they are closed or resolved, and with them "
            "the keys that could open them. Empty: kept."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policy")

    def __str__(self) -> str:
        return str(_("Retention policy"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # a single row
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> RetentionPolicy:
        """The deployment's policy; the defaults until an administrator saves one."""
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def periods(self) -> dict[str, int | None]:
        """Every period by field name, for the audit log (numbers only)."""
        return {field: getattr(self, field) for field in RETENTION_FIELDS}


RETENTION_FIELDS = ("contact_days", "public_concern_days", "restricted_concern_days", "confidential_concern_days")
