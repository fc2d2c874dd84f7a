"""Reads about staff accounts that need scoping: who receives confidential concerns, and the changes."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from ovoz.accounts.models import RecipientChange, RecipientChangeState, User

RECENT_CHANGE_DAYS = 30


def recipient_list() -> QuerySet[User]:
    """Active staff users new confidential concerns are sealed to (those without a key yet included:
    the page says so), by username."""
    return User.objects.filter(receives_confidential=True, is_active=True).select_related("key").order_by("username")


def recipient_change_list(*, limit: int = 50) -> list[RecipientChange]:
    """The latest proposals and changes, newest first."""
    return list(RecipientChange.objects.select_related("user", "proposed_by", "decided_by")[:limit])


def recipient_change_open_list() -> list[RecipientChange]:
    """Proposals still waiting for confirmation and not expired."""
    return list(
        RecipientChange.objects.filter(
            state=RecipientChangeState.PENDING, expires_at__gt=timezone.now()
        ).select_related("user", "proposed_by")
    )


def recipient_change_get(*, change_id: object) -> RecipientChange:
    """A proposal by id (the page is for administrators and recipients only); unknown ids are a 404."""
    try:
        return RecipientChange.objects.select_related("user").get(pk=int(str(change_id)))
    except (ValueError, RecipientChange.DoesNotExist):
        raise Http404 from None


def recipient_notice() -> str:
    """For the staff pages of administrators and recipients: ``pending`` when a proposal waits,
    ``changed`` when the list changed in the last ``RECENT_CHANGE_DAYS`` days, else empty."""
    now = timezone.now()
    if RecipientChange.objects.filter(state=RecipientChangeState.PENDING, expires_at__gt=now).exists():
        return "pending"
    recent = now - timedelta(days=RECENT_CHANGE_DAYS)
    if RecipientChange.objects.filter(state=RecipientChangeState.CONFIRMED, decided_at__gte=recent).exists():
        return "changed"
    return ""
