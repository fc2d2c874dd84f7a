"""Half-answered surveys on the web form and the enumerators' online form, sealed (issue 16, "Protect").

A page-by-page survey keeps its answers so far between pages in a ``SurveyDraft`` row. The row is
sealed (XSalsa20-Poly1305, ``core.crypto.seal_with_secret``) under a 256-bit secret that exists only in
a cookie on the respondent's device; the server keeps a keyed hash of the secret to find the row and
never writes the secret down. A seized database, its backups and the server's secrets open nothing
without the device; the cookie alone is random bytes.

The sealed content names its round and its user (the enumerator, or none), so a row is continued only
in the round and by the user it was made for, whatever the cookie says. A draft goes when its response
is stored (``draft_forget``), when its round closes (``services.survey_round_close``) and, untouched
for DRAFT_HOURS, by the daily retention run (``drafts_expire``). No session is involved: an anonymous
respondent's answering writes no session row.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import nacl.exceptions
from django.db.models import QuerySet
from django.utils import timezone

from ovoz.accounts.models import User
from ovoz.core.crypto import keyed_hash, open_with_secret, seal_with_secret
from ovoz.surveys.models import SurveyDraft, SurveyRound

DRAFT_HOURS = 24
SECRET_BYTES = 32
_SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_FINDER_PURPOSE = "survey-draft-finder"


def secret_new() -> str:
    """A fresh draft secret, as the cookie carries it (256 random bits, base64url without padding)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SECRET_BYTES)).decode().rstrip("=")


def is_secret(value: object) -> bool:
    return isinstance(value, str) and _SECRET_PATTERN.fullmatch(value) is not None


def _secret_bytes(secret: str) -> bytes:
    return base64.urlsafe_b64decode(secret + "=")


def _finder(secret: str) -> str:
    return keyed_hash(secret, purpose=_FINDER_PURPOSE)


@dataclass(frozen=True)
class DraftFound:
    """What a cookie's secret leads to: the answers so far (``state``), or nothing, and then whether a
    draft was made under this secret and has been deleted since (``is_lost``: retention came by)."""

    state: dict[str, Any] | None
    is_lost: bool = False


def draft_open(*, survey_round: SurveyRound, secret: str, user: User | None = None) -> DraftFound:
    """The draft this secret seals in ``survey_round`` for ``user`` (none on the public form).

    A draft of another round or another user is not opened, and not told apart from none (``state`` is
    None, ``is_lost`` False): the caller starts afresh under a new secret.
    """
    if not is_secret(secret):
        return DraftFound(state=None)
    row = SurveyDraft.objects.filter(finder=_finder(secret)).first()
    if row is None:
        return DraftFound(state=None, is_lost=True)
    user_id = user.pk if user is not None else None
    if row.round_id != survey_round.pk or row.user_id != user_id:
        return DraftFound(state=None)
    try:
        content = json.loads(open_with_secret(bytes(row.ciphertext), secret=_secret_bytes(secret)))
    except (nacl.exceptions.CryptoError, binascii.Error, ValueError):
        return DraftFound(state=None)
    if content.get("round") != survey_round.pk or content.get("user") != user_id:
        return DraftFound(state=None)
    state: dict[str, Any] = content["state"]
    return DraftFound(state=state)


def draft_save(*, survey_round: SurveyRound, secret: str, state: dict[str, Any], user: User | None = None) -> None:
    """Seal ``state`` (answers so far, page, submission key, start) under ``secret`` and keep it."""
    user_id = user.pk if user is not None else None
    content = json.dumps({"round": survey_round.pk, "user": user_id, "state": state}, separators=(",", ":"))
    ciphertext = seal_with_secret(content.encode(), secret=_secret_bytes(secret))
    SurveyDraft.objects.update_or_create(
        finder=_finder(secret),
        defaults={"round": survey_round, "user": user, "ciphertext": ciphertext, "updated_at": timezone.now()},
    )


def draft_forget(*, secret: str) -> None:
    """Delete the draft sealed under ``secret`` (its response was stored, or it was started over)."""
    if is_secret(secret):
        SurveyDraft.objects.filter(finder=_finder(secret)).delete()


def drafts_due(*, now: datetime) -> QuerySet[SurveyDraft]:
    """Drafts untouched for DRAFT_HOURS."""
    return SurveyDraft.objects.filter(updated_at__lt=now - timedelta(hours=DRAFT_HOURS))


def drafts_expire(*, now: datetime) -> int:
    """Delete the drafts untouched for DRAFT_HOURS (the daily retention run). Returns how many."""
    deleted, _by_model = drafts_due(now=now).delete()
    return deleted
