"""Enumerators: staff users who collect survey answers on a phone and do nothing else in the staff area.

An enumerator is a ``surveys.Enumerator`` row, not a deployment role or a group grant, so every other
staff page refuses them (``can_use_staff_workspace`` does not hold for them) and nothing that reads
``User.role`` widens their view. Administrators and coordinators name and remove enumerators, and may
collect themselves.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ovoz.accounts.models import User
from ovoz.accounts.permissions import is_verified_staff
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import Enumerator, RoundState, SurveyRound
from ovoz.surveys.permissions import can_manage_surveys


def can_collect_answers(user: Any) -> bool:
    """Enter respondents' answers for an open round: enumerators, administrators and coordinators,
    signed in with the second factor."""
    if not is_verified_staff(user) or not isinstance(user, User):
        return False
    return can_manage_surveys(user) or Enumerator.objects.filter(user=user).exists()


def collectable_rounds() -> QuerySet[SurveyRound]:
    return (
        SurveyRound.objects.filter(state=RoundState.OPEN, survey__is_published=True)
        .select_related("survey", "area")
        .order_by("survey__slug", "number")
    )


@transaction.atomic
def enumerator_add(*, actor: User, user: User) -> Enumerator:
    if not can_manage_surveys(actor):
        raise SurveyError(_("Only administrators and coordinators can name enumerators."), code="not_allowed")
    enumerator, created = Enumerator.objects.get_or_create(user=user, defaults={"added_by": actor})
    if created:
        audit_record(action=AuditAction.SURVEY_ENUMERATOR_ADDED, actor=actor, target=user, data={})
    return enumerator


@transaction.atomic
def enumerator_remove(*, actor: User, user: User) -> None:
    if not can_manage_surveys(actor):
        raise SurveyError(_("Only administrators and coordinators can name enumerators."), code="not_allowed")
    if Enumerator.objects.filter(user=user).delete()[0]:
        audit_record(action=AuditAction.SURVEY_ENUMERATOR_REMOVED, actor=actor, target=user, data={})
