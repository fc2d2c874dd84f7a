"""The conversation with a person Ovoz writes to first (an organisation's invitation to a survey, say).

The number or chat id is kept like an inbound sender's: encrypted on the conversation, with the keyed
hash that finds it, so their reply lands on the same conversation. Someone who said STOP is not
written to: their conversation is left as it is.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Channel, Conversation
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.errors import ConcernError
from ovoz.core.crypto import encrypt, keyed_hash


def recipient_address(*, channel: Channel, address: str) -> str | None:
    """``address`` checked for ``channel``: a phone number in E.164 (SMS) or a numeric chat id (Telegram)."""
    address = address.strip()
    if channel.kind == ChannelKind.TELEGRAM:
        return address if address.lstrip("-").isdigit() and len(address) <= 20 else None
    try:
        return contact_parse(phone=address).phone or None
    except ConcernError:
        return None


@transaction.atomic
def conversation_for_recipient(*, channel: Channel, address: str) -> Conversation | None:
    """The conversation with ``address`` on ``channel``, made if new and locked; None when the address
    is not one, or its person said STOP there."""
    checked = recipient_address(channel=channel, address=address)
    if checked is None:
        return None
    if channel.kind == ChannelKind.TELEGRAM:
        sender_hash = keyed_hash(f"telegram:{channel.pk}:{checked}", purpose="channel-chat")
    else:
        sender_hash = keyed_hash(checked, purpose="contact-phone")
    conversation, _created = Conversation.objects.select_for_update().get_or_create(
        channel=channel, sender_hash=sender_hash
    )
    if conversation.is_stopped:
        return None
    conversation.sender_ciphertext = encrypt(checked.encode(), purpose="channel-sender")
    if conversation.last_inbound_at is None:
        # Retention deletes conversations by their last message: one Ovoz started counts from now.
        conversation.last_inbound_at = timezone.now()
    conversation.save(update_fields=["sender_ciphertext", "last_inbound_at"])
    return conversation
