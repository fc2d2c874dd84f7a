"""Service providers, their case workers, the reporter's consent, and referrals (DESIGN §3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.core.models import TimeStampedModel


class ProviderKind(models.TextChoices):
    SHELTER = "shelter", _("shelter")
    LEGAL_AID = "legal_aid", _("legal aid")
    PSYCHOSOCIAL = "psychosocial", _("psychosocial support")
    MEDICAL = "medical", _("medical care")
    POLICE = "police", _("police")


class ServiceProvider(TimeStampedModel):
    """An organisation that helps people directly; its case workers can receive referred concerns."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=ProviderKind.choices)
    areas = models.ManyToManyField(
        "places.Area",
        verbose_name=_("areas served"),
        related_name="service_providers",
        help_text=_("It serves these areas and everything inside them."),
    )
    languages = models.JSONField(
        _("languages"), default=list, blank=True, help_text=_('Language codes it works in, e.g. ["uz", "ru"].')
    )
    how_to_reach = models.TextField(
        _("how to reach it"), blank=True, max_length=2000, help_text=_("Public: address, telephone, opening hours.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseWorker(TimeStampedModel):
    """A staff user who works on referrals for one provider."""

    provider = models.ForeignKey(
        ServiceProvider, verbose_name=_("service provider"), on_delete=models.CASCADE, related_name="case_workers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="case_work"
    )

    class Meta:
        verbose_name = _("case worker")
        verbose_name_plural = _("case workers")
        constraints = [models.UniqueConstraint(fields=["provider", "user"], name="case_worker_once_per_provider")]

    def __str__(self) -> str:
        return f"{self.user} · {self.provider}"


class ConsentState(models.TextChoices):
    ASKED = "asked", _("asked, not answered yet")
    GIVEN = "given", _("given")
    REFUSED = "refused", _("refused")


class Consent(TimeStampedModel):
    """The reporter's answer to "May we pass this to <service>?" (``provider`` empty: to any service
    that can help, asked at intake). The latest answer for a provider is the one that counts."""

    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="consents")
    provider = models.ForeignKey(
        ServiceProvider, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    share_contact = models.BooleanField(default=False)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.concern_id} → {self.provider_id or 'any'}: {self.state}"


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("referred")
    ACCEPTED = "accepted", _("accepted by the service")
    IN_PROGRESS = "in_progress", _("in progress")
    CLOSED = "closed", _("closed")
    REVOKED = "revoked", _("revoked")


class ReferralOutcome(models.TextChoices):
    HELPED = "helped", _("help given")
    DECLINED = "declined", _("the person declined help")
    UNREACHABLE = "unreachable", _("the person could not be reached")
    REFERRED_ON = "referred_on", _("referred on to another service")
    NOT_ELIGIBLE = "not_eligible", _("outside what the service does")


class Referral(TimeStampedModel):
    """A confidential concern passed to a provider. Its case workers hold keys for exactly the
    consented parts; revoking deletes those keys."""

    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="referrals")
    provider = models.ForeignKey(ServiceProvider, on_delete=models.PROTECT, related_name="referrals")
    consent = models.ForeignKey(Consent, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals")
    share_contact = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.REFERRED)
    outcome = models.CharField(max_length=16, choices=ReferralOutcome.choices, blank=True)
    # The case worker's note, sealed to the concern's content key like everything else it holds.
    sealed_note = models.BinaryField(null=True, editable=False)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    without_consent = models.BooleanField(default=False, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        permissions = [("refer_without_consent", "Can refer a confidential concern without the reporter's consent")]

    def __str__(self) -> str:
        return f"#{self.concern_id} → {self.provider}"

    @property
    def is_active(self) -> bool:
        return self.status != ReferralStatus.REVOKED
