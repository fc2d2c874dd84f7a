"""Replies going out: queued in the caller's transaction, handed to the SMS gateway or the Telegram Bot
API by a task, at most once (an attempt that died midway is marked uncertain, never repeated)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ovoz.channels import tasks
from ovoz.channels.choices import ChannelKind, OutboundState
from ovoz.channels.models import Channel, Conversation, InboundMessage, OutboundMessage
from ovoz.channels.telegram import BotApiError, bot_api_for
from ovoz.concerns.models import Concern
from ovoz.core import sms
from ovoz.core.crypto import decrypt, encrypt
from ovoz.core.enqueue import enqueue_after, enqueue_with_commit
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5
SEND_TIMEOUT_SECONDS = 10


def reply_queue(
    conversation: Conversation, concern: Concern | None, text: str, *, markup: dict[str, Any] | None = None
) -> OutboundMessage | None:
    """Queue a message to the sender of a conversation (nothing once they said STOP); sent after commit."""
    if conversation.is_stopped or conversation.sender_ciphertext is None:
        return None
    if conversation.channel.kind != ChannelKind.TELEGRAM:
        text = sms.gsm_safe(text)  # ʻ, «», — cost a UCS-2 message where GSM-7 has look-alikes
    message = OutboundMessage.objects.create(
        channel_id=conversation.channel_id,
        conversation=conversation,
        concern=concern,
        recipient_ciphertext=conversation.sender_ciphertext,
        text_ciphertext=encrypt(text.encode(), purpose="channel-outbound"),
        markup=markup,
    )
    enqueue_with_commit(tasks.send_outbound, message_id=message.pk)
    return message


def concern_conversation(*, concern: Concern) -> Conversation | None:
    """The SMS or Telegram conversation a concern came from, unless its sender said STOP (None then, and
    for a concern that came another way). ``conversations.messages.route_of_concern`` builds on it."""
    route = (
        InboundMessage.objects.filter(concern=concern, conversation__is_stopped=False)
        .select_related("conversation__channel")
        .order_by("-pk")
        .first()
    )
    conversation = route.conversation if route is not None else None
    if conversation is None and concern.contact_phone_hash:  # SMS concerns taken before routes were kept
        conversation = (
            Conversation.objects.filter(sender_hash=concern.contact_phone_hash, is_stopped=False)
            .exclude(channel__kind=ChannelKind.TELEGRAM)
            .select_related("channel")
            .first()
        )
    return conversation


def outbound_send(*, message_id: int) -> OutboundState:
    """Hand one reply to the gateway, at most once; retried with backoff, reported when it keeps failing.

    The message is marked "sending" in its own committed transaction before the gateway is called. If
    the worker dies after that (killed, out of memory, power cut) the task runs again and finds it still
    "sending": whether the gateway got it cannot be known, so it is marked uncertain, audited and not
    sent twice (docs/channels.md). Retries after a definite refusal (5xx, connection refused) go on.
    """
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().select_related("channel").get(pk=message_id)
        if message.state == OutboundState.SENDING:
            return _outbound_uncertain(message)
        if message.state != OutboundState.QUEUED or message.recipient_ciphertext is None:
            return OutboundState(message.state)  # sent already, stopped, or given up: never twice
        message.attempts += 1
        message.state = OutboundState.SENDING
        message.save(update_fields=["attempts", "state", "updated_at"])
    recipient = decrypt(bytes(message.recipient_ciphertext), purpose="channel-sender").decode()
    text = decrypt(bytes(message.text_ciphertext or b""), purpose="channel-outbound").decode()
    try:
        error, is_retryable = _hand_over(message, recipient=recipient, text=text)
    except Exception as unexpected:
        # Told by class only, and not tried again: whether the gateway got it cannot be known.
        error, is_retryable = f"could not hand over: {unexpected.__class__.__name__}", False
    if error is None:
        # Recorded even if another attempt meanwhile judged it uncertain: now it is known.
        OutboundMessage.objects.filter(
            pk=message.pk, state__in=[OutboundState.SENDING, OutboundState.UNCERTAIN]
        ).update(
            state=OutboundState.SENT,
            sent_at=timezone.now(),
            recipient_ciphertext=None,
            text_ciphertext=None,
            last_error="",
        )
        return OutboundState.SENT
    this_attempt = OutboundMessage.objects.filter(pk=message.pk, state=OutboundState.SENDING)
    if message.attempts >= MAX_SEND_ATTEMPTS or not is_retryable:
        this_attempt.update(
            state=OutboundState.FAILED, last_error=error[:200], recipient_ciphertext=None, text_ciphertext=None
        )
        logger.error("Outbound message %s failed for good after %s attempts: %s", message.pk, message.attempts, error)
        audit_record(action=AuditAction.OUTBOUND_FAILED, target=message, data={"attempts": message.attempts})
        return OutboundState.FAILED
    if not this_attempt.update(state=OutboundState.QUEUED, last_error=error[:200]):
        return OutboundState(OutboundMessage.objects.get(pk=message.pk).state)
    backoff = timedelta(seconds=30 * 2 ** (message.attempts - 1))
    enqueue_after(tasks.send_outbound, backoff, message_id=message.pk)
    return OutboundState.QUEUED


def _outbound_uncertain(message: OutboundMessage) -> OutboundState:
    """An earlier attempt began handing this message over and never recorded how it ended."""
    message.state = OutboundState.UNCERTAIN
    message.last_error = "interrupted while the gateway was called; not sent again"
    message.recipient_ciphertext = None
    message.text_ciphertext = None
    message.save(update_fields=["state", "last_error", "recipient_ciphertext", "text_ciphertext", "updated_at"])
    logger.warning("Outbound message %s: an attempt was interrupted while handing it over; not sent again", message.pk)
    audit_record(action=AuditAction.OUTBOUND_UNCERTAIN, target=message, data={"attempts": message.attempts})
    return OutboundState.UNCERTAIN


def _hand_over(message: OutboundMessage, *, recipient: str, text: str) -> tuple[str | None, bool]:
    """Give one reply to the channel; (None, _) on success, else (what went wrong, whether to retry)."""
    channel = message.channel
    if channel.kind == ChannelKind.TELEGRAM:
        try:
            bot_api_for(channel.credentials()).send_message(
                chat_id=recipient, text=text, reply_markup=message.markup or None
            )
        except BotApiError as error:
            return error.summary, error.is_retryable  # never Telegram's description: it could name the chat
        return None, True
    return _post_to_gateway(channel, {"id": str(message.pk), "to": recipient, "text": text}), True


def _post_to_gateway(channel: Channel, payload: dict[str, Any]) -> str | None:
    """Hand a reply to the channel's SMS gateway; None on success, else what went wrong.

    Generic: the reply as signed JSON to the reply URL. Twilio: the Messages API with basic auth.
    RapidPro: the external channel's send format, form-encoded, to the send URL.
    """
    credentials = channel.credentials()
    if channel.kind == ChannelKind.RAPIDPRO:
        sender = credentials.get("address", "")
        form = {
            "id": payload["id"],
            "text": payload["text"],
            "to": payload["to"],
            "to_no_plus": payload["to"].lstrip("+"),
            "from": sender,
            "from_no_plus": sender.lstrip("+"),
            "channel": str(channel.pk),
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if credentials.get("send_authorization"):
            headers["Authorization"] = credentials["send_authorization"]
        request = urllib.request.Request(  # noqa: S310 (the operator's configured send URL)
            credentials["send_url"], data=urllib.parse.urlencode(form).encode(), headers=headers, method="POST"
        )
        return _send(request)
    if channel.kind == ChannelKind.TWILIO:
        account = credentials["account_sid"]
        form = {"To": payload["to"], "From": credentials["from"], "Body": payload["text"]}
        token = base64.b64encode(f"{account}:{credentials['auth_token']}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 (the configured API base, https in production)
            f"{credentials['api_base'].rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {token}"},
            method="POST",
        )
        return _send(request)
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(credentials["secret"].encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(  # noqa: S310 (the URL is the operator's configured gateway, http or https)
        credentials["reply_url"],
        data=body,
        headers={"Content-Type": "application/json", "X-Ovoz-Signature": signature},
        method="POST",
    )
    return _send(request)


def _send(request: urllib.request.Request) -> str | None:
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_SECONDS) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as http_error:
        return f"gateway answered {http_error.code}"
    except (urllib.error.URLError, OSError) as network_error:
        return f"gateway unreachable: {network_error.__class__.__name__}"
    return None if 200 <= status < 300 else f"gateway answered {status}"
