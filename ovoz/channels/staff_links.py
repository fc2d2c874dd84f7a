"""Staff members' Telegram chats, for their working-group reminders.

A member asks for a one-time code on /staff/account/telegram/ and sends ``/link CODE`` to the
deployment's Telegram bot; the bot stores their chat id encrypted. Only a keyed hash of the code is
kept, it works once and expires after LINK_CODE_MINUTES.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from ovoz.channels import tasks
from ovoz.channels.models import Channel, OutboundMessage, StaffChatLink, StaffLinkCode
from ovoz.core.crypto import encrypt, keyed_hash
from ovoz.core.enqueue import enqueue_with_commit
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

if TYPE_CHECKING:
    from ovoz.accounts.models import User

LINK_CODE_MINUTES = 30
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read off one screen, typed on another
MAX_TELEGRAM_TEXT = 4000


def _code_hash(code: str) -> str:
    return keyed_hash(code.strip().upper().replace("-", ""), purpose="staff-link-code")


@transaction.atomic
def link_code_create(*, user: User) -> str:
    """A new one-time code for ``user`` (any older one stops working)."""
    StaffLinkCode.objects.filter(user=user).delete()
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    StaffLinkCode.objects.create(
        user=user, code_hash=_code_hash(code), expires_at=timezone.now() + timedelta(minutes=LINK_CODE_MINUTES)
    )
    return f"{code[:4]}-{code[4:]}"


def chat_link(*, channel: Channel, chat_id: str, code: str) -> User | None:
    """Link the chat to the staff member whose valid code this is; None for a wrong or expired code."""
    found = (
        StaffLinkCode.objects.select_for_update()
        .select_related("user")
        .filter(code_hash=_code_hash(code), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if found is None:
        return None
    user = found.user
    found.delete()
    StaffChatLink.objects.update_or_create(
        user=user,
        defaults={"channel": channel, "chat_ciphertext": encrypt(chat_id.encode(), purpose="channel-sender")},
    )
    audit_record(action=AuditAction.TELEGRAM_LINKED, actor=user, target=user)
    return user


@transaction.atomic
def chat_unlink(*, user: User) -> bool:
    deleted, _rows = StaffChatLink.objects.filter(user=user).delete()
    if deleted:
        audit_record(action=AuditAction.TELEGRAM_UNLINKED, actor=user, target=user)
    return bool(deleted)


def staff_message_queue(*, user: User, text: str) -> bool:
    """Queue a Telegram message to a staff member's linked chat (sent after commit); False if none."""
    link = StaffChatLink.objects.select_related("channel").filter(user=user, channel__is_active=True).first()
    if link is None:
        return False
    message = OutboundMessage.objects.create(
        channel=link.channel,
        recipient_ciphertext=bytes(link.chat_ciphertext),
        text_ciphertext=encrypt(text[:MAX_TELEGRAM_TEXT].encode(), purpose="channel-outbound"),
    )
    message_id = message.pk
    enqueue_with_commit(tasks.send_outbound, message_id=message_id)
    return True
