"""Consent and referrals: passing a confidential concern to a service provider, only as agreed."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ovoz.accounts.models import User
from ovoz.concerns import confidential
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import EventKind
from ovoz.concerns.models import Concern, ConcernKey, KeyPart
from ovoz.concerns.permissions import can_act_on
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.referrals import selectors
from ovoz.referrals.errors import ReferralError
from ovoz.referrals.models import (
    CaseWorker,
    Consent,
    ConsentState,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    ServiceProvider,
)
from ovoz.referrals.permissions import can_add_case_worker, can_refer

NOT_SEALED = _("Only confidential concerns are referred to services.")
NO_KEY = _("Open your key first: you need it to pass this concern on.")
SELF_CASE_WORKER = _("Nobody makes themselves a case worker: ask another administrator.")


# --- The directory and its case workers (from the admin) ---------------------------------------


@transaction.atomic
def service_provider_save(*, actor: User, provider: ServiceProvider, changed_fields: Sequence[str]) -> ServiceProvider:
    """Create a service provider, or save the fields an administrator changed; one audit entry naming
    the fields (not their values)."""
    created = provider.pk is None
    if not created and not changed_fields:
        return provider
    provider.save()
    audit_record(
        action=AuditAction.SERVICE_PROVIDER_SAVED,
        actor=actor,
        target=provider,
        data={"created": created, "fields": sorted(changed_fields)},
    )
    return provider


@transaction.atomic
def case_worker_add(*, actor: User, provider: ServiceProvider, user: User) -> CaseWorker:
    """Make ``user`` a case worker of ``provider``: referrals to it from now on are sealed to them too
    (once they have a key). Referrals made before stay sealed to the case workers of that time."""
    if not can_add_case_worker(actor, user):
        raise ReferralError(SELF_CASE_WORKER, code="self_change")
    case_worker, created = CaseWorker.objects.get_or_create(provider=provider, user=user)
    if created:
        audit_record(action=AuditAction.CASE_WORKER_ADDED, actor=actor, target=user, data={"provider": provider.pk})
    return case_worker


@transaction.atomic
def case_worker_remove(*, actor: User, case_worker: CaseWorker) -> None:
    """Stop a case worker receiving the provider's referrals. What was already sealed to them stays
    sealed to them until the referral is revoked."""
    deleted, _details = CaseWorker.objects.filter(pk=case_worker.pk).delete()
    if deleted:
        audit_record(
            action=AuditAction.CASE_WORKER_REMOVED,
            actor=actor,
            target=case_worker.user,
            data={"provider": case_worker.provider_id},
        )


@transaction.atomic
def consent_at_intake(*, concern: Concern, share: bool, share_contact: bool) -> Consent:
    """The reporter's answer on the report form to "may we pass this to a service that can help?"."""
    consent, _created = Consent.objects.get_or_create(
        concern=concern,
        provider=None,
        asked_by=None,
        defaults={
            "state": ConsentState.GIVEN if share else ConsentState.REFUSED,
            "share_contact": share and share_contact,
            "answered_at": timezone.now(),
        },
    )
    return consent


@transaction.atomic
def consent_request(*, actor: User, concern: Concern, provider: ServiceProvider) -> Consent:
    """Ask the reporter whether the concern may go to ``provider``; they answer on the follow page."""
    if not concern.is_sealed:
        raise ReferralError(NOT_SEALED, code="not_confidential")
    if not can_act_on(actor, concern):
        raise ReferralError(_("You cannot act on this concern."), code="forbidden")
    pending = concern.consents.filter(provider=provider, state=ConsentState.ASKED).first()
    if pending is not None:
        return pending
    consent = Consent.objects.create(concern=concern, provider=provider, state=ConsentState.ASKED, asked_by=actor)
    concern_services.concern_message_reporter(
        actor=actor,
        concern=concern,
        text=gettext("May we pass your concern to %(service)s? You can answer below.") % {"service": provider.name},
        kind=EventKind.QUESTION,
    )
    audit_record(action=AuditAction.CONSENT_REQUESTED, actor=actor, target=concern, data={"provider": provider.pk})
    return consent


@transaction.atomic
def consent_answer(*, concern: Concern, consent_id: int, give: bool, share_contact: bool) -> Consent:
    """The reporter (holding the receipt) answers a request; only an open request of this concern."""
    consent = concern.consents.select_for_update().filter(pk=consent_id, state=ConsentState.ASKED).first()
    if consent is None:
        raise ReferralError(_("This question was already answered."), code="already_answered")
    consent.state = ConsentState.GIVEN if give else ConsentState.REFUSED
    consent.share_contact = give and share_contact
    consent.answered_at = timezone.now()
    consent.save(update_fields=["state", "share_contact", "answered_at", "updated_at"])
    audit_record(
        action=AuditAction.CONSENT_ANSWERED,
        target=concern,
        data={"provider": consent.provider_id, "state": consent.state},
    )
    return consent


@transaction.atomic
def referral_create(
    *,
    actor: User,
    private_key: bytes | None,
    concern: Concern,
    provider: ServiceProvider,
    share_contact: bool,
    override_reason: str = "",
) -> Referral:
    """Pass a confidential concern to a provider: its case workers get keys for exactly the consented parts.

    Without the reporter's consent this is refused, unless the actor holds the separate override
    permission and gives a reason; that is audited as its own action.
    """
    if not concern.is_sealed:
        raise ReferralError(NOT_SEALED, code="not_confidential")
    if not can_refer(actor, concern):
        raise ReferralError(_("You cannot refer this concern."), code="forbidden")
    parts = confidential.part_keys(concern, user=actor, private_key=private_key) if private_key else {}
    if KeyPart.CONTENT not in parts:
        raise ReferralError(NO_KEY, code="key_locked")
    consent = selectors.consent_for(concern, provider)
    if consent is not None and consent.state != ConsentState.GIVEN:
        consent = None
    override_reason = override_reason.strip()
    if consent is None and not (override_reason and selectors.may_refer_without_consent(actor)):
        raise ReferralError(
            _("The reporter has not agreed to this. Ask them first; they answer on the follow page."),
            code="no_consent",
        )
    consented = consent is not None
    # Contact details only where the reporter agreed to them (or, overriding, where staff hold them).
    share_contact = share_contact and KeyPart.CONTACT in parts and (consent is None or consent.share_contact)
    workers = list(User.objects.filter(case_work__provider=provider, is_active=True, key__isnull=False))
    if not workers:
        raise ReferralError(
            _("Nobody at this service can receive it yet: its case workers must sign in once to get their keys."),
            code="no_case_worker",
        )
    referral = Referral.objects.create(
        concern=concern,
        provider=provider,
        consent=consent,
        share_contact=share_contact,
        referred_by=actor,
        without_consent=not consented,
    )
    shared: dict[str, bytes] = {KeyPart.CONTENT: parts[KeyPart.CONTENT]}
    if share_contact:
        shared[KeyPart.CONTACT] = parts[KeyPart.CONTACT]
    confidential.seal_to(concern, shared, workers, referral_id=referral.pk)
    details = {"provider": provider.pk, "referral": referral.pk, "contact": share_contact}
    if not consented:
        # The reason is staff's own words about why; kept to its length so no personal detail lands here.
        details["reason_length"] = len(override_reason)
        audit_record(action=AuditAction.REFERRAL_OVERRIDE, actor=actor, target=concern, data=details)
    audit_record(action=AuditAction.REFERRAL_CREATED, actor=actor, target=concern, data=details)
    return referral


@transaction.atomic
def referral_revoke(*, actor: User, referral: Referral) -> Referral:
    """Take the referral back: its case workers' keys are deleted, so they can no longer open it."""
    if not can_act_on(actor, referral.concern):
        raise ReferralError(_("You cannot revoke this referral."), code="forbidden")
    if referral.status == ReferralStatus.REVOKED:
        return referral
    removed = ConcernKey.objects.filter(referral=referral).delete()[0]
    referral.status = ReferralStatus.REVOKED
    referral.revoked_at = timezone.now()
    referral.save(update_fields=["status", "revoked_at", "updated_at"])
    audit_record(
        action=AuditAction.REFERRAL_REVOKED,
        actor=actor,
        target=referral.concern,
        data={"referral": referral.pk, "keys_deleted": removed},
    )
    return referral


@transaction.atomic
def referral_update(
    *, actor: User, referral: Referral, status: ReferralStatus, outcome: str = "", note: str = ""
) -> Referral:
    """A case worker records where the referral stands and how it ended; the note is sealed."""
    if not CaseWorker.objects.filter(provider=referral.provider, user=actor).exists() or not referral.is_active:
        raise ReferralError(_("You cannot update this referral."), code="forbidden")
    if status == ReferralStatus.REVOKED:
        raise ReferralError(_("Only the referring team can revoke a referral."), code="forbidden")
    if status == ReferralStatus.CLOSED and outcome not in ReferralOutcome.values:
        raise ReferralError(_("Say how it ended."), code="outcome_required")
    referral.status = status
    referral.outcome = outcome if status == ReferralStatus.CLOSED else ""
    if note.strip():
        referral.sealed_note = confidential.seal_text(referral.concern, note.strip())
    referral.save(update_fields=["status", "outcome", "sealed_note", "updated_at"])
    audit_record(
        action=AuditAction.REFERRAL_UPDATED,
        actor=actor,
        target=referral.concern,
        data={"referral": referral.pk, "status": str(status), "outcome": referral.outcome},
    )
    return referral
