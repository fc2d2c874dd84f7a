"""Channels: every inbound message ends in the concerns services; replies go out as tasks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task_backends

from ovoz.channels import tasks
from ovoz.channels.choices import ChannelKind, OutboundState
from ovoz.channels.keywords import Keyword, keyword_split
from ovoz.channels.models import Channel, Conversation, InboundMessage, OutboundMessage
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Audience
from ovoz.concerns.choices import Channel as ConcernChannel
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern
from ovoz.core.crypto import decrypt, encrypt, keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.models import Area

if TYPE_CHECKING:
    from ovoz.accounts.models import User

logger = logging.getLogger(__name__)

CONVERSATION_DAYS = 7
MAX_SEND_ATTEMPTS = 5
SEND_TIMEOUT_SECONDS = 10


class ChannelError(Exception):
    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Configuration -----------------------------------------------------------------------------


@transaction.atomic
def channel_create(
    *,
    actor: User | None,
    kind: ChannelKind,
    name: str,
    options: dict[str, str],
    default_language: str = "",
    default_area: Area | None = None,
) -> tuple[Channel, str]:
    """Configure a channel; returns it with its new secret (shown once, stored encrypted)."""
    if kind == ChannelKind.GENERIC and not options.get("reply_url", "").startswith(("http://", "https://")):
        raise ChannelError("A generic SMS channel needs --option reply_url=https://…", code="reply_url_required")
    if kind == ChannelKind.TWILIO:
        missing = [key for key in ("account_sid", "auth_token", "from") if not options.get(key)]
        if missing:
            raise ChannelError(
                "A Twilio channel needs " + ", ".join(f"--option {key}=…" for key in missing), code="options_required"
            )
        options = {"api_base": "https://api.twilio.com", **options}
    secret = secrets.token_urlsafe(32)
    channel = Channel(kind=kind, name=name, default_language=default_language, default_area=default_area)
    channel.set_credentials({**options, "secret": secret})
    channel.save()
    audit_record(action=AuditAction.CHANNEL_CREATED, actor=actor, target=channel, data={"kind": str(kind)})
    return channel, secret


def signature_valid(*, channel: Channel, body: bytes, signature: str) -> bool:
    """``X-Ovoz-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel secret>``."""
    expected = "sha256=" + hmac.new(channel.credentials()["secret"].encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip())


def twilio_signature(*, auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 of the URL followed by the sorted POST parameters."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def twilio_signature_valid(*, channel: Channel, url: str, params: dict[str, str], signature: str) -> bool:
    expected = twilio_signature(auth_token=channel.credentials()["auth_token"], url=url, params=params)
    return hmac.compare_digest(expected, signature.strip())


# --- Inbound SMS -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundResult:
    is_repeat: bool
    concern: Concern | None


def sms_receive(
    *, channel: Channel, external_id: str, sender: str, text: str, received_at: datetime | None
) -> InboundResult:
    """Take one SMS. The same gateway id again (even ten at once) changes nothing and answers the same."""
    contact = contact_parse(phone=sender)  # ConcernError for a number that cannot be one
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(channel=channel, external_id=external_id)
            concern = _converse(channel=channel, phone=contact.phone, text=text, received_at=received_at)
            if concern is not None:
                InboundMessage.objects.filter(pk=inbound.pk).update(concern=concern)
            return InboundResult(is_repeat=False, concern=concern)
    except IntegrityError:
        if InboundMessage.objects.filter(channel=channel, external_id=external_id).exists():
            return InboundResult(is_repeat=True, concern=None)
        raise


def _converse(*, channel: Channel, phone: str, text: str, received_at: datetime | None) -> Concern | None:
    sender_hash = keyed_hash(phone, purpose="contact-phone")
    conversation, _created = Conversation.objects.select_for_update().get_or_create(
        channel=channel, sender_hash=sender_hash
    )
    keyword, rest = keyword_split(text)
    now = timezone.now()
    if keyword == Keyword.STOP:
        _stop(conversation, sender_hash)
        return None
    conversation.is_stopped = False
    conversation.sender_ciphertext = encrypt(phone.encode(), purpose="channel-sender")
    concern = Concern.objects.filter(pk=conversation.concern_id).first() if conversation.concern_id else None
    recent = conversation.last_inbound_at is not None and now - conversation.last_inbound_at < timedelta(
        days=CONVERSATION_DAYS
    )
    language = (concern.language if concern else "") or channel.default_language or settings.LANGUAGE_CODE
    if keyword == Keyword.STATUS:
        conversation.save()
        _reply(conversation, concern, _status_text(concern, language))
        return concern
    if keyword == Keyword.NEW or concern is None or not recent or not concern.is_open:
        body = rest if keyword == Keyword.NEW else text
        if not body:
            conversation.save()
            return concern
        submitted = concern_services.concern_submit(
            text=body,
            channel=ConcernChannel.SMS,
            area=channel.default_area,
            contact=contact_parse(phone=phone),
            received_at=received_at,
        )
        concern = submitted.concern
        conversation.concern = concern
        language = concern.language or channel.default_language or settings.LANGUAGE_CODE
        with translation.override(language):
            reply = _(
                "Ovoz: your concern no. %(number)s is received. Receipt code: %(receipt)s. "
                "Reply to add more, STATUS for news, NEW for another concern, STOP to end."
            ) % {"number": concern.pk, "receipt": submitted.receipt}
        _reply(conversation, concern, reply)
    else:
        concern_services.concern_reporter_message(concern=concern, text=text)
    conversation.last_inbound_at = now
    conversation.save()
    return concern


def _status_text(concern: Concern | None, language: str) -> str:
    with translation.override(language):
        if concern is None:
            return _("Ovoz: there is no concern from this number yet. Send a message that describes the problem.")
        followed = concern.duplicate_of or concern
        notes = followed.events.filter(audience=Audience.PUBLIC).exclude(text="").order_by("-at", "-id")
        text = _("Ovoz: concern no. %(number)s is %(status)s.") % {
            "number": followed.pk,
            "status": followed.get_status_display(),
        }
        latest = notes.first()
        return f"{text} {latest.text}" if latest else text


def _stop(conversation: Conversation, sender_hash: str) -> None:
    """STOP: no more messages, and the number is forgotten (the concerns themselves stay)."""
    conversation.is_stopped = True
    conversation.sender_ciphertext = None
    conversation.save()
    Concern.objects.filter(contact_phone_hash=sender_hash).update(
        contact_ciphertext=None, contact_phone_hash="", contact_email_hash=""
    )
    OutboundMessage.objects.filter(conversation=conversation, state=OutboundState.QUEUED).update(
        state=OutboundState.FAILED,
        last_error="stopped by the recipient",
        recipient_ciphertext=None,
        text_ciphertext=None,
    )


# --- Outbound ----------------------------------------------------------------------------------


def _reply(conversation: Conversation, concern: Concern | None, text: str) -> OutboundMessage | None:
    if conversation.is_stopped or conversation.sender_ciphertext is None:
        return None
    message = OutboundMessage.objects.create(
        channel_id=conversation.channel_id,
        conversation=conversation,
        concern=concern,
        recipient_ciphertext=conversation.sender_ciphertext,
        text_ciphertext=encrypt(text.encode(), purpose="channel-outbound"),
    )
    message_id = message.pk
    transaction.on_commit(lambda: tasks.send_outbound.enqueue(message_id=message_id))
    return message


def concern_reply_by_sms(*, concern: Concern, text: str) -> bool:
    """Send a facilitator's message or a status note to the reporter of an SMS concern, unless they said STOP."""
    if not concern.contact_phone_hash:
        return False
    conversation = Conversation.objects.filter(sender_hash=concern.contact_phone_hash, is_stopped=False).first()
    if conversation is None:
        return False
    return _reply(conversation, concern, text) is not None


def outbound_send(*, message_id: int) -> OutboundState:
    """Hand one reply to the gateway; retried with backoff, reported when it keeps failing."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().select_related("channel").get(pk=message_id)
        if message.state != OutboundState.QUEUED or message.recipient_ciphertext is None:
            return OutboundState(message.state)  # sent already, stopped, or given up: never twice
        message.attempts += 1
        message.save(update_fields=["attempts", "updated_at"])
    recipient = decrypt(bytes(message.recipient_ciphertext), purpose="channel-sender").decode()
    text = decrypt(bytes(message.text_ciphertext or b""), purpose="channel-outbound").decode()
    error = _post_to_gateway(message.channel, {"id": str(message.pk), "to": recipient, "text": text})
    if error is None:
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=OutboundState.SENT,
            sent_at=timezone.now(),
            recipient_ciphertext=None,
            text_ciphertext=None,
            last_error="",
        )
        return OutboundState.SENT
    if message.attempts >= MAX_SEND_ATTEMPTS:
        OutboundMessage.objects.filter(pk=message.pk).update(
            state=OutboundState.FAILED, last_error=error[:200], recipient_ciphertext=None, text_ciphertext=None
        )
        logger.error("Outbound message %s failed for good after %s attempts: %s", message.pk, message.attempts, error)
        audit_record(action=AuditAction.OUTBOUND_FAILED, target=message, data={"attempts": message.attempts})
        return OutboundState.FAILED
    OutboundMessage.objects.filter(pk=message.pk).update(last_error=error[:200])
    backoff = timedelta(seconds=30 * 2 ** (message.attempts - 1))
    if task_backends["default"].supports_defer:
        tasks.send_outbound.using(run_after=timezone.now() + backoff).enqueue(message_id=message.pk)
    else:  # the immediate backend of the tests runs the retry at once
        tasks.send_outbound.enqueue(message_id=message.pk)
    return OutboundState.QUEUED


def _post_to_gateway(channel: Channel, payload: dict[str, Any]) -> str | None:
    """Hand a reply to the channel's gateway; None on success, else what went wrong.

    Generic: the reply as signed JSON to the reply URL. Twilio: the Messages API with basic auth.
    """
    credentials = channel.credentials()
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
