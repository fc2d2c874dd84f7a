"""Who may see which provider, consent and referral: every staff read goes through here."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ovoz.accounts.models import User
from ovoz.concerns.confidential import intake_recipients
from ovoz.concerns.models import Concern
from ovoz.core.scoping import scoped_get
from ovoz.referrals.models import Consent, ConsentState, Referral, ReferralStatus, ServiceProvider


def providers_for(concern: Concern) -> QuerySet[ServiceProvider]:
    """Active providers serving the concern's area (an area they serve contains it), or all without an area."""
    providers = ServiceProvider.objects.filter(is_active=True)
    if concern.area is not None:
        around = [int(part) for part in concern.area.path.split("/") if part] + [concern.area.pk]
        providers = providers.filter(areas__in=around).distinct()
    return providers.order_by("kind", "name")


def consent_for(concern: Concern, provider: ServiceProvider) -> Consent | None:
    """The reporter's answer that counts for ``provider``: their latest about it, else their latest about
    any service; None if they never answered."""
    answered = concern.consents.exclude(state=ConsentState.ASKED)
    return answered.filter(provider=provider).first() or answered.filter(provider=None).first()


def open_consent_requests(concern: Concern) -> QuerySet[Consent]:
    return concern.consents.filter(state=ConsentState.ASKED, provider__isnull=False).select_related("provider")


def case_worker_referrals(user: User) -> QuerySet[Referral]:
    """Active referrals to the providers the user works for, newest first."""
    return (
        Referral.objects.filter(provider__case_workers__user=user)
        .exclude(status=ReferralStatus.REVOKED)
        .select_related("provider", "concern__area")
        .distinct()
    )


def case_worker_referral_get(user: User, referral_id: int) -> Referral:
    """One active referral to a provider the user works for; any other is a 404 (audited)."""
    return scoped_get(case_worker_referrals(user), pk=referral_id)


def concern_referrals(concern: Concern) -> QuerySet[Referral]:
    return concern.referrals.select_related("provider", "referred_by")


def is_case_worker(user: User) -> bool:
    return user.case_work.exists()


def may_refer_without_consent(user: User) -> bool:
    """The separate override permission, given explicitly (an administrator does not have it by default)."""
    codename = "refer_without_consent"
    return user.is_active and (
        user.user_permissions.filter(codename=codename).exists()
        or user.groups.filter(permissions__codename=codename).exists()
    )


@dataclass(frozen=True, order=True)
class ReaderRole:
    """An organisation and a role in it: how reporters are told who can read a confidential concern
    (never a person's name)."""

    organisation: str
    role: str


@dataclass(frozen=True)
class ConfidentialReaders:
    """Who can open a confidential concern raised now: the intake recipients (every one, at once) and
    the services whose case workers can open one after the reporter agrees to a referral."""

    intake: list[ReaderRole]
    services: list[ReaderRole]


def _roles_of(user: User) -> set[ReaderRole]:
    site = _("the organisation running this site")
    roles = {ReaderRole(work.provider.name, _("case worker")) for work in user.case_work.all()}
    for grant in user.grants.all():
        organisation = grant.institution.name if grant.institution else grant.working_group.name
        roles.add(ReaderRole(organisation, grant.get_role_display()))
    if user.role:
        roles.add(ReaderRole(site, user.get_role_display()))
    return roles or {ReaderRole(site, _("staff member"))}


def confidential_readers() -> ConfidentialReaders:
    """The organisations and roles of the current confidential-intake recipients (those with a key, to
    whom a new concern is sealed) and the active services with case workers who can receive referrals."""
    recipients = User.objects.filter(pk__in=[user.pk for user in intake_recipients()]).prefetch_related(
        "case_work__provider", "grants__working_group", "grants__institution"
    )
    intake = sorted({role for user in recipients for role in _roles_of(user)})
    providers = ServiceProvider.objects.filter(
        is_active=True, case_workers__user__is_active=True, case_workers__user__key__isnull=False
    ).distinct()
    services = sorted({ReaderRole(provider.name, provider.get_kind_display()) for provider in providers})
    return ConfidentialReaders(intake=intake, services=services)
