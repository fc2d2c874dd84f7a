"""Channels: every inbound message ends in the concerns services; replies go out as tasks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from ovoz.channels import inbound_hooks
from ovoz.channels.choices import ChannelKind, OutboundState, TelegramStep
from ovoz.channels.keywords import Keyword, keyword_split
from ovoz.channels.models import Channel, Conversation, InboundMessage, OutboundMessage
from ovoz.channels.outbound import reply_queue
from ovoz.channels.telegram import DEFAULT_API_BASE
from ovoz.channels.texts import (
    received_text,
    sealed_received_text,
    secret_howto_text,
    status_text,
    wordless_news_text,
)
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel as ConcernChannel
from ovoz.concerns.choices import Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern
from ovoz.core.crypto import encrypt, keyed_hash
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.models import Area

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from ovoz.accounts.models import User

logger = logging.getLogger(__name__)

CONVERSATION_DAYS = 7


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
    options = _options_checked(kind, options)
    secret = secrets.token_urlsafe(32)
    channel = Channel(kind=kind, name=name, default_language=default_language, default_area=default_area)
    channel.set_credentials({**options, "secret": secret})
    channel.save()
    audit_record(action=AuditAction.CHANNEL_CREATED, actor=actor, target=channel, data={"kind": str(kind)})
    return channel, secret


_REQUIRED_OPTIONS = {
    ChannelKind.GENERIC: ("reply_url",),
    ChannelKind.TWILIO: ("account_sid", "auth_token", "from"),
    ChannelKind.RAPIDPRO: ("send_url",),
    ChannelKind.TELEGRAM: ("token",),
}
_DEFAULT_OPTIONS = {
    ChannelKind.TWILIO: {"api_base": "https://api.twilio.com"},
    ChannelKind.TELEGRAM: {"api_base": DEFAULT_API_BASE},
}
_URL_OPTIONS = ("reply_url", "send_url", "api_base")


def _options_checked(kind: ChannelKind, options: dict[str, str]) -> dict[str, str]:
    missing = [key for key in _REQUIRED_OPTIONS[kind] if not options.get(key)]
    if missing:
        raise ChannelError(
            f"A {kind.value} channel needs " + ", ".join(f"--option {key}=…" for key in missing),
            code="options_required",
        )
    options = {**_DEFAULT_OPTIONS.get(kind, {}), **options}
    for key in _URL_OPTIONS:
        if key in options and not options[key].startswith(("http://", "https://")):
            raise ChannelError(f"--option {key} must be an http:// or https:// URL", code="invalid_url")
    return options


def signature_valid(*, channel: Channel, body: bytes, signature: str) -> bool:
    """``X-Ovoz-Signature: sha256=<hex HMAC-SHA256 of the raw body with the channel secret>``."""
    expected = "sha256=" + hmac.new(channel.credentials()["secret"].encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def token_valid(*, channel: Channel, authorization: str) -> bool:
    """RapidPro-style gateways authenticate with ``Authorization: Token <channel secret>``."""
    scheme, _space, token = authorization.strip().partition(" ")
    # Bytes: compare_digest refuses a str with letters outside ASCII, which anyone can send.
    return scheme.lower() == "token" and hmac.compare_digest(
        token.strip().encode(), channel.credentials()["secret"].encode()
    )


def twilio_signature(*, auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature: base64 HMAC-SHA1 of the URL followed by the sorted POST parameters."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def twilio_signature_valid(*, channel: Channel, url: str, params: dict[str, str], signature: str) -> bool:
    expected = twilio_signature(auth_token=channel.credentials()["auth_token"], url=url, params=params)
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


# --- Inbound SMS -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundResult:
    is_repeat: bool
    concern: Concern | None
    # Said at once in the webhook's answer rather than queued (Telegram's goodbye after /stop).
    immediate_answer: str = ""


def sms_receive(
    *, channel: Channel, external_id: str, sender: str, text: str, received_at: datetime | None
) -> InboundResult:
    """Take one SMS. The same gateway id again (even ten at once) changes nothing and answers the same."""
    contact = contact_parse(phone=sender)  # ConcernError for a number that cannot be one
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                inbound = InboundMessage.objects.create(channel=channel, external_id=external_id)
                conversation, concern, answer = _converse(
                    channel=channel, phone=contact.phone, text=text, received_at=received_at
                )
                if concern is not None:
                    InboundMessage.objects.filter(pk=inbound.pk).update(
                        concern=concern, conversation=None if conversation.is_stopped else conversation
                    )
                return InboundResult(is_repeat=False, concern=concern, immediate_answer=answer)
        except IntegrityError:
            if InboundMessage.objects.filter(channel=channel, external_id=external_id).exists():
                return InboundResult(is_repeat=True, concern=None)
            if attempt == 2:
                raise
            # Another first message from the same sender made the conversation meanwhile: once more.
    raise AssertionError("unreachable")


def channel_is_confidential(channel: Channel) -> bool:
    """A hotline whose every report is confidential (``--option confidential=yes``)."""
    return str(channel.credentials().get("confidential", "")).strip().lower() in ("yes", "true", "1", "on")


def answers_in_response(channel: Channel) -> bool:
    """Whether the webhook's own HTTP answer can carry a message to the sender (TwiML, Bot API method),
    so that a text which must never be stored (a sealed concern's receipt) need not be queued."""
    return channel.kind in (ChannelKind.TWILIO, ChannelKind.TELEGRAM)


def _converse(
    *, channel: Channel, phone: str, text: str, received_at: datetime | None
) -> tuple[Conversation, Concern | None, str]:
    """Act on one SMS; returns the conversation, the concern it went to, and what to answer in the
    webhook's own response (a sealed concern's receipt, never stored), if anything."""
    sender_hash = keyed_hash(phone, purpose="contact-phone")
    conversation, is_new = _conversation_locked(channel=channel, sender_hash=sender_hash)
    keyword, rest = keyword_split(text)
    now = timezone.now()
    if keyword == Keyword.STOP:
        conversation_stop(conversation)
        return conversation, None, ""
    conversation.is_stopped = False
    conversation.sender_ciphertext = encrypt(phone.encode(), purpose="channel-sender")
    outcome = inbound_hooks.inbound_offer(
        inbound_hooks.Inbound(channel=channel, conversation=conversation, text=text, is_new_conversation=is_new)
    )
    if outcome == inbound_hooks.Outcome.STOP:
        conversation_stop(conversation)
        return conversation, None, ""
    if outcome == inbound_hooks.Outcome.TAKEN:  # a survey's answer, say: no concern is made of it
        conversation.last_inbound_at = now
        conversation.save()
        return conversation, None, ""
    concern = Concern.objects.filter(pk=conversation.concern_id).first() if conversation.concern_id else None
    recent = conversation.last_inbound_at is not None and now - conversation.last_inbound_at < timedelta(
        days=CONVERSATION_DAYS
    )
    if conversation.last_inbound_at is None:
        # A first message that makes no concern (STATUS, a lone SECRET, an empty NEW) still dates the
        # conversation: retention deletes quiet conversations, and with them the number, by this date.
        conversation.last_inbound_at = now
    language = (concern.language if concern else "") or channel.default_language or settings.LANGUAGE_CODE
    if keyword == Keyword.STATUS:
        conversation.save()
        reply_queue(conversation, concern, status_text(concern, language))
        return conversation, concern, ""
    if keyword == Keyword.SECRET and not rest:
        conversation.save()
        with translation.override(language):
            how = secret_howto_text()
        reply_queue(conversation, concern, how)
        return conversation, concern, ""
    answer = ""
    if keyword in (Keyword.NEW, Keyword.SECRET) or concern is None or not recent or not concern.is_open:
        body = rest if keyword in (Keyword.NEW, Keyword.SECRET) else text
        if not body:
            conversation.save()
            return conversation, concern, ""
        is_confidential = keyword == Keyword.SECRET or channel_is_confidential(channel)
        submitted = concern_services.concern_intake(
            concern_services.IntakeRequest(
                text=body,
                channel=ConcernChannel.SMS,
                area=channel.default_area,
                contact=contact_parse(phone=phone),
                received_at=received_at,
                visibility=Visibility.CONFIDENTIAL if is_confidential else None,
                route=_route_to(conversation),
            )
        )
        concern = submitted.concern
        language = concern.language or channel.default_language or settings.LANGUAGE_CODE
        with translation.override(language):
            if concern.is_sealed and answers_in_response(channel):  # Twilio here: Telegram has its own bot
                # The receipt opens the sealed words: said once in this answer, queued nowhere.
                answer = sealed_received_text(concern, receipt=submitted.receipt)
            elif concern.is_sealed:
                reply_queue(conversation, concern, sealed_received_text(concern))
            else:
                reply_queue(conversation, concern, received_text(concern, receipt=submitted.receipt))
    else:
        concern_services.concern_reporter_message(concern=concern, text=text)
    conversation.last_inbound_at = now
    conversation.save()
    return conversation, concern, answer


def _conversation_locked(*, channel: Channel, sender_hash: str) -> tuple[Conversation, bool]:
    """The sender's conversation, locked until the transaction ends, and whether it was made now.

    Unlike ``get_or_create`` this sets no savepoint (two round trips on every first message): when two
    first messages from one sender race, one transaction fails on the unique constraint as a whole and
    ``sms_receive`` runs it again, when it finds the other's conversation."""
    try:
        return Conversation.objects.select_for_update().get(channel=channel, sender_hash=sender_hash), False
    except Conversation.DoesNotExist:
        return Conversation.objects.create(channel=channel, sender_hash=sender_hash), True


def _route_to(conversation: Conversation) -> Callable[[Concern], None]:
    """The intake's route step: replies to the new concern go to this conversation (saved by the caller)."""

    def route(concern: Concern) -> None:
        conversation.concern = concern

    return route


def conversation_stop(conversation: Conversation) -> None:
    """STOP: no more messages, and the sender is forgotten (the concerns themselves stay).

    The number or chat id is wiped, the concerns lose their way back to it (also when the sender
    writes again later), and replies still queued are dropped.
    """
    inbound_hooks.conversation_stopped(conversation)
    conversation.is_stopped = True
    conversation.sender_ciphertext = None
    conversation.draft_ciphertext = None
    conversation.step = TelegramStep.FOLLOWING
    # The number's keyed hash must not lead to the concern any more (a sealed one included), and writing
    # again starts over: a new concern, not a note on the old one.
    conversation.concern = None
    conversation.language = ""
    conversation.save()
    if conversation.channel.kind != ChannelKind.TELEGRAM:
        Concern.objects.filter(contact_phone_hash=conversation.sender_hash).update(
            contact_ciphertext=None, contact_phone_hash="", contact_email_hash=""
        )
    InboundMessage.objects.filter(conversation=conversation).update(conversation=None)
    # Queued replies, and one being handed over right now: if that attempt fails and would be retried,
    # it finds itself failed (outbound_send) and no later attempt reaches the number.
    OutboundMessage.objects.filter(
        conversation=conversation, state__in=[OutboundState.QUEUED, OutboundState.SENDING]
    ).update(
        state=OutboundState.FAILED,
        last_error="stopped by the recipient",
        recipient_ciphertext=None,
        text_ciphertext=None,
    )


def concern_channel_seal(*, concern: Concern) -> int:
    """A concern was made confidential after intake: replies to it still waiting in the queue (a receipt,
    a facilitator's question, a status note) lose their words and say only that there is news.

    Called in ``concerns.services.concern_triage``'s transaction through the ``concern_sealed`` signal
    (``channels.receivers``): a security step, so never deferred to a task queue that may be down.
    Inbound, conversation and route rows hold no words (a Telegram draft belongs to the next report, not
    to this concern). A reply being handed over right now ("sending") keeps its text for that attempt
    only; it is wiped when it ends. Returns how many queued replies were rewritten.
    """
    language = concern.language or settings.LANGUAGE_CODE
    with translation.override(language):
        wordless = wordless_news_text(concern)
    return OutboundMessage.objects.filter(concern=concern, state=OutboundState.QUEUED).update(
        text_ciphertext=encrypt(wordless.encode(), purpose="channel-outbound"), markup=None
    )


# --- Retention (ovoz.operations.retention decides what is due) ----------------------------------------


def concern_routes_forget(*, concern_ids: Sequence[int]) -> int:
    """The concerns lose their way back to their reporters on SMS and Telegram: their inbound messages
    stop pointing at the conversation, conversations stop following them, and replies to them that still
    hold a recipient are wiped (dropped, if still queued). Returns how many routes were removed."""
    routes = InboundMessage.objects.filter(concern_id__in=concern_ids, conversation__isnull=False).update(
        conversation=None
    )
    Conversation.objects.filter(concern_id__in=concern_ids).update(concern=None)
    OutboundMessage.objects.filter(concern_id__in=concern_ids, state=OutboundState.QUEUED).update(
        state=OutboundState.FAILED, last_error="contact deleted (retention)"
    )
    OutboundMessage.objects.filter(concern_id__in=concern_ids, recipient_ciphertext__isnull=False).update(
        recipient_ciphertext=None, text_ciphertext=None
    )
    return routes


DRAFT_HOURS = 24


def drafts_expire(*, now: datetime) -> int:
    """Telegram drafts nobody touched for DRAFT_HOURS are wiped: words written before the reporter chose
    who may see them wait under the data key only until the choice, or until this runs (retention).
    Returns how many drafts were wiped."""
    return Conversation.objects.filter(
        draft_ciphertext__isnull=False, last_inbound_at__lt=now - timedelta(hours=DRAFT_HOURS)
    ).update(draft_ciphertext=None, step=TelegramStep.FOLLOWING)


def conversations_delete(*, conversations: QuerySet[Conversation]) -> int:
    """Delete conversations (retention decides which): each holds a sender's number or chat id,
    encrypted, and the keyed hash that finds it. A sender who writes again starts afresh; messages keep
    their gateway ids (so redeliveries are still recognised) but lose the link. Returns how many."""
    _deleted, details = conversations.delete()
    return int(details.get(Conversation._meta.label, 0))
