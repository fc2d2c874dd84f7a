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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task_backends

from ovoz.channels import inbound_hooks, tasks
from ovoz.channels.choices import ChannelKind, OutboundState, TelegramStep
from ovoz.channels.keywords import Keyword, keyword_split
from ovoz.channels.models import Channel, Conversation, InboundMessage, OutboundMessage
from ovoz.channels.telegram import DEFAULT_API_BASE, BotApiError, bot_api_for
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Audience, Visibility
from ovoz.concerns.choices import Channel as ConcernChannel
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.following import follow_pointer
from ovoz.concerns.models import Concern
from ovoz.core import sms
from ovoz.core.crypto import decrypt, encrypt, keyed_hash
from ovoz.core.enqueue import enqueue_with_commit
from ovoz.core.events import AuditAction
from ovoz.core.services import audit_record
from ovoz.places.models import Area

if TYPE_CHECKING:
    from django.db.models import QuerySet

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
    return hmac.compare_digest(expected, signature.strip())


def token_valid(*, channel: Channel, authorization: str) -> bool:
    """RapidPro-style gateways authenticate with ``Authorization: Token <channel secret>``."""
    scheme, _space, token = authorization.strip().partition(" ")
    return scheme.lower() == "token" and hmac.compare_digest(token.strip(), channel.credentials()["secret"])


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


def sealed_received_text(concern: Concern, *, receipt: str = "") -> str:
    """The answer to a new confidential concern, in the active language: never the reporter's words.
    With ``receipt`` only for the webhook's own answer; the wordless version is the one that may be queued.
    One SMS part (two in Cyrillic), so the promise is the shortest one (the web and Telegram say it whole)."""
    if receipt:
        # Translators: an SMS. At most 160 characters in Latin script (write ' not ʻ ʼ, - not —, No. not №)
        # and 134 in Cyrillic, with a 7-digit number and a 19-character receipt: ovoz/channels/tests/test_sms_parts.py.
        text = _(
            "Ovoz: concern no. %(number)s received and sealed: only named staff read it, never published. "
            "Code %(receipt)s (not kept). STATUS for news, STOP to end."
        ) % {"number": concern.pk, "receipt": receipt}
    else:
        # Translators: an SMS. At most 160 characters in Latin script (write ' not ʻ ʼ, - not —, No. not №)
        # and 134 in Cyrillic, with a 7-digit number: ovoz/channels/tests/test_sms_parts.py.
        text = _(
            "Ovoz: concern no. %(number)s received and sealed: only named staff read it, never published. "
            "Reply to add more, STATUS for news, STOP to end."
        ) % {"number": concern.pk}
    return sms.gsm_safe(text)


def received_text(concern: Concern, *, receipt: str) -> str:
    """The answer to a new concern that is not sealed, in the active language, with its receipt."""
    # Translators: an SMS. At most 160 characters in Latin script (write ' not ʻ ʼ, - not —, No. not №)
    # and 134 in Cyrillic, with a 7-digit number and a 19-character receipt: ovoz/channels/tests/test_sms_parts.py.
    text = _(
        "Ovoz: your concern no. %(number)s is received. Receipt code: %(receipt)s. "
        "Reply to add more, STATUS for news, NEW for another concern, STOP to end."
    ) % {"number": concern.pk, "receipt": receipt}
    return sms.gsm_safe(text)


def secret_howto_text() -> str:
    """The answer to SECRET alone, in the active language."""
    # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
    return sms.gsm_safe(
        _("Ovoz: to report in confidence, send one message that starts with SECRET and says what happened.")
    )


def wordless_news_text(concern: Concern) -> str:
    """What a queued reply about a concern sealed after intake says instead, in the active language."""
    # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
    return sms.gsm_safe(
        _("Ovoz: there is news about your concern no. %(number)s. Reply STATUS to hear its status.")
        % {"number": concern.pk}
    )


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


def status_text(concern: Concern | None, language: str, *, is_sms: bool = True) -> str:
    """The answer to STATUS. By SMS a long note is cut to fit one part (two in Cyrillic), with a pointer
    to the follow page; Telegram gets it whole."""
    with translation.override(language):
        if concern is None:
            # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
            text = _("Ovoz: there is no concern from this number yet. Send a message that describes the problem.")
            return sms.gsm_safe(text) if is_sms else text
        followed = concern.duplicate_of or concern
        notes = followed.events.filter(audience=Audience.PUBLIC).exclude(text="").order_by("-at", "-id")
        # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
        text = _("Ovoz: concern no. %(number)s is %(status)s.") % {
            "number": followed.pk,
            "status": followed.get_status_display(),
        }
        latest = notes.first()
        text = f"{text} {latest.text}" if latest else text
        return sms.reply_fit(text, suffix=follow_pointer(language)) if is_sms else text


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
    conversation.save()
    if conversation.channel.kind != ChannelKind.TELEGRAM:
        Concern.objects.filter(contact_phone_hash=conversation.sender_hash).update(
            contact_ciphertext=None, contact_phone_hash="", contact_email_hash=""
        )
    InboundMessage.objects.filter(conversation=conversation).update(conversation=None)
    OutboundMessage.objects.filter(conversation=conversation, state=OutboundState.QUEUED).update(
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


# --- Outbound ----------------------------------------------------------------------------------


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
    if task_backends["default"].supports_defer:
        tasks.send_outbound.using(run_after=timezone.now() + backoff).enqueue(message_id=message.pk)
    else:  # the immediate backend of the tests runs the retry at once
        tasks.send_outbound.enqueue(message_id=message.pk)
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
