"""Open311 partners: API keys and the tokens a partner follows its concerns with."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction

from ovoz.concerns.models import (
    ApiPartner,
    Concern,
    Open311Token,
)
from ovoz.core.crypto import keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

if TYPE_CHECKING:
    from ovoz.accounts.models import User


@transaction.atomic
def api_partner_create(*, actor: User | None, name: str) -> tuple[ApiPartner, str]:
    """Issue an API key to a partner system; the key is returned once and stored only as a hash."""
    key = secrets.token_urlsafe(32)
    partner = ApiPartner.objects.create(name=name, key_hash=keyed_hash(key, purpose="api-key"))
    audit_record(action=AuditAction.API_PARTNER_CREATED, actor=actor, target=partner)
    return partner, key


def api_partner_authenticate(key: str) -> ApiPartner | None:
    if not key:
        return None
    return ApiPartner.objects.filter(key_hash=keyed_hash(key, purpose="api-key"), is_active=True).first()


def open311_token_create(*, concern: Concern, partner: ApiPartner) -> str:
    token = secrets.token_urlsafe(18)
    Open311Token.objects.create(token_hash=keyed_hash(token, purpose="open311-token"), concern=concern, partner=partner)
    return token


def open311_token_concern(token: str) -> Concern | None:
    found = (
        Open311Token.objects.select_related("concern")
        .filter(token_hash=keyed_hash(token, purpose="open311-token"))
        .first()
    )
    return found.concern if found else None
