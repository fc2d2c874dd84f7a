"""Gateway and bot webhooks at /channels/sms/<channel-id>/ and /channels/telegram/<channel-id>/ (DESIGN §4)."""

from __future__ import annotations

import hmac
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ovoz.channels import services, telegram_bot
from ovoz.channels.choices import ChannelKind
from ovoz.channels.models import Channel
from ovoz.channels.refusals import refusal_record
from ovoz.channels.telegram import BotApiError, FileTooLarge, bot_api_for
from ovoz.concerns.errors import ConcernError
from ovoz.core.crypto import keyed_hash
from ovoz.core.images import UNREADABLE, CleanImage, ImageRejected, image_clean, too_large
from ovoz.core.jsontext import has_unstorable_text, json_parse
from ovoz.core.ratelimit import is_limited_for

# A gateway's message or a Telegram update is a few kilobytes; nothing honest comes near this.
MAX_BODY_BYTES = 256 * 1024

UNKNOWN_CHANNEL = {"detail": "unknown channel", "code": "unknown_channel"}


def _refuse(status: int, code: str, channel: Channel) -> JsonResponse:
    # Counted, and audited at most once per channel, reason and hour (ovoz.channels.refusals).
    refusal_record(channel=channel, reason=code)
    return JsonResponse({"detail": code.replace("_", " "), "code": code}, status=status)


def _served_channel(channel_id: uuid.UUID, *, is_telegram: bool) -> Channel | HttpResponse:
    """The active channel this webhook serves, or the 404 that answers for any other id.

    An id that names no channel leaves nothing behind: anyone can make up ids. An existing channel
    that this webhook does not serve (deactivated, or of the other kind) gets the same 404, and the
    refusal is counted against that channel.
    """
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        return JsonResponse(UNKNOWN_CHANNEL, status=404)
    if (channel.kind == ChannelKind.TELEGRAM) != is_telegram:
        refusal_record(channel=channel, reason="wrong_webhook")
        return JsonResponse(UNKNOWN_CHANNEL, status=404)
    if not channel.is_active:
        refusal_record(channel=channel, reason="inactive_channel")
        return JsonResponse(UNKNOWN_CHANNEL, status=404)
    return channel


def _too_large(request: HttpRequest) -> HttpResponse | None:
    """A 413 for a body over MAX_BODY_BYTES, judged by its declared length before anything reads it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return JsonResponse({"detail": "the body is too large", "code": "too_large"}, status=413)
    return None


def _json_body(request: HttpRequest) -> object:
    """The body parsed as JSON; ValueError for anything else, including nesting past MAX_DEPTH."""
    if len(request.body) > MAX_BODY_BYTES:  # no declared length, or a wrong one
        raise ValueError("the body is too large")
    return json_parse(request.body)


@csrf_exempt  # gateways authenticate with the channel's signature, not cookies
@require_POST
def sms_webhook(request: HttpRequest, channel_id: uuid.UUID) -> HttpResponse:
    """The generic SMS gateway: JSON ``{"id", "from", "text", "received_at"}``, signed (docs/channels.md).

    The concern is dated when Ovoz receives it: ``received_at`` is the gateway's clock and is not used.
    """
    channel = _served_channel(channel_id, is_telegram=False)
    if isinstance(channel, HttpResponse):
        return channel
    refused = _too_large(request)
    if refused is not None:
        return refused
    if channel.kind == ChannelKind.TWILIO:
        return _twilio(request, channel)
    if channel.kind == ChannelKind.RAPIDPRO:
        return _rapidpro(request, channel)
    signature = request.headers.get("X-Ovoz-Signature", "")
    if not signature.strip():
        return _refuse(403, "missing_signature", channel)
    if not services.signature_valid(channel=channel, body=request.body, signature=signature):
        return _refuse(403, "bad_signature", channel)
    try:
        payload = _json_body(request)
    except ValueError:
        return JsonResponse({"detail": "the body is not JSON", "code": "invalid_json"}, status=400)
    if not isinstance(payload, dict) or has_unstorable_text(payload):
        return JsonResponse({"detail": "the body must be a JSON object", "code": "invalid"}, status=400)
    external_id, sender, text = payload.get("id"), payload.get("from"), payload.get("text")
    if not isinstance(external_id, str | int) or not str(external_id).strip() or len(str(external_id)) > 128:
        return JsonResponse({"detail": "id is required", "code": "invalid_id"}, status=400)
    if not isinstance(sender, str) or not isinstance(text, str) or not text.strip() or "\x00" in text:
        return JsonResponse({"detail": "from and text are required", "code": "invalid"}, status=400)
    try:
        result = services.sms_receive(
            channel=channel, external_id=str(external_id), sender=sender, text=text[:4000], received_at=None
        )
    except ConcernError as error:
        return JsonResponse({"detail": str(error.message), "code": error.code}, status=400)
    return JsonResponse({"status": "duplicate" if result.is_repeat else "accepted"}, status=200)


TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _twilio(request: HttpRequest, channel: Channel) -> HttpResponse:
    """Twilio-compatible form payload (MessageSid, From, Body) signed with X-Twilio-Signature.

    The signature covers the URL Twilio called, which is the public one (OVOZ_PUBLIC_URL), not the
    address the request reached behind the proxy. Replies go out through the Messages API as tasks,
    so the answer here is an empty TwiML response.
    """
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = f"{settings.OVOZ_PUBLIC_URL}{request.get_full_path()}"
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature.strip():
        return _refuse(403, "missing_signature", channel)
    if not services.twilio_signature_valid(channel=channel, url=url, params=params, signature=signature):
        return _refuse(403, "bad_signature", channel)
    external_id, sender, text = params.get("MessageSid", ""), params.get("From", ""), params.get("Body", "")
    if not external_id or len(external_id) > 128 or not text.strip() or "\x00" in text:
        return JsonResponse({"detail": "MessageSid, From and Body are required", "code": "invalid"}, status=400)
    try:
        result = services.sms_receive(
            channel=channel, external_id=external_id, sender=sender, text=text[:4000], received_at=None
        )
    except ConcernError as error:
        return JsonResponse({"detail": str(error.message), "code": error.code}, status=400)
    if result.immediate_answer:  # a sealed concern's receipt: said in this answer only, stored nowhere
        message = escape(result.immediate_answer)
        twiml = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{message}</Message></Response>'
        return HttpResponse(twiml, content_type="text/xml")
    return HttpResponse(TWIML_EMPTY, content_type="text/xml")


def _rapidpro(request: HttpRequest, channel: Channel) -> HttpResponse:
    """RapidPro/TextIt external-channel form fields (``from`` or ``sender``, ``text``, ``date``, ``id``).

    RapidPro's own receive endpoint trusts its secret URL; Ovoz also wants ``Authorization: Token
    <channel secret>``. A redelivered message is recognised by its ``id``, or else by sender, date
    and text together, so one of ``id`` and ``date`` is required. ``date`` only tells redeliveries apart:
    the concern is dated when Ovoz receives it, whatever the gateway's clock says.
    """
    authorization = request.headers.get("Authorization", "")
    if not authorization.strip():
        return _refuse(403, "missing_token", channel)
    if not services.token_valid(channel=channel, authorization=authorization):
        return _refuse(403, "bad_token", channel)
    params = {key: request.POST.get(key, "") for key in request.POST}
    sender = params.get("from") or params.get("sender", "")
    text, message_id, date = params.get("text", ""), params.get("id", ""), params.get("date") or params.get("time", "")
    if not sender or not text.strip() or "\x00" in text or has_unstorable_text(params):
        return JsonResponse({"detail": "from and text are required", "code": "invalid"}, status=400)
    if not message_id and not date:
        return JsonResponse({"detail": "id or date is required", "code": "invalid_id"}, status=400)
    if date:
        try:
            sent_at = parse_datetime(date.replace(" ", "T", 1))
        except ValueError:
            sent_at = None
        if sent_at is None or sent_at.tzinfo is None:
            return JsonResponse({"detail": "date must be ISO 8601 with an offset", "code": "invalid_date"}, status=400)
    external_id = message_id[:128] or keyed_hash(f"{sender}|{date}|{text}", purpose="rapidpro-message")
    try:
        result = services.sms_receive(
            channel=channel, external_id=external_id, sender=sender, text=text[:4000], received_at=None
        )
    except ConcernError as error:
        return JsonResponse({"detail": str(error.message), "code": error.code}, status=400)
    return JsonResponse({"status": "duplicate" if result.is_repeat else "accepted"}, status=200)


@csrf_exempt  # Telegram authenticates with the secret token set with the webhook
@require_POST
def telegram_webhook(request: HttpRequest, channel_id: uuid.UUID) -> HttpResponse:
    """Bot API updates for one bot, checked with ``X-Telegram-Bot-Api-Secret-Token`` (docs/channels.md).

    A 2xx tells Telegram the update is taken: it is answered only once the update is stored, and a
    photo that cannot be fetched yet gets a 502 so that Telegram delivers the update again.
    """
    channel = _served_channel(channel_id, is_telegram=True)
    if isinstance(channel, HttpResponse):
        return channel
    refused = _too_large(request)
    if refused is not None:
        return refused
    token = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not token.strip():
        return _refuse(403, "missing_secret_token", channel)
    if not hmac.compare_digest(token.encode(), channel.credentials()["secret"].encode()):
        return _refuse(403, "bad_secret_token", channel)
    try:
        payload = _json_body(request)
    except ValueError:
        return JsonResponse({"detail": "the body is not JSON", "code": "invalid_json"}, status=400)
    if has_unstorable_text(payload):
        return JsonResponse({"detail": "the body holds text that cannot be stored", "code": "invalid"}, status=400)
    update = telegram_bot.update_parse(payload)
    if update is None:  # not a private message or button press: nothing to do, and nothing to redeliver
        return HttpResponse(status=200)
    if telegram_bot.update_seen(channel=channel, update=update):
        return _telegram_answer(update)
    photo: CleanImage | None = None
    photo_refused: ImageRejected | None = None
    if update.photo_file_id and is_limited_for(
        f"telegram:{channel.pk}:{update.chat_id}",
        scope="telegram-photo",
        limit=settings.OVOZ_INTAKE_LIMIT,
        window_seconds=600,
    ):
        # Neither fetched nor opened: decoding photos is the costly part, and a chat may send many.
        photo_refused = ImageRejected(
            _("Too many photos in a short time. Please wait a few minutes and send it again.")
        )
    elif update.photo_file_id:
        try:
            photo = image_clean(bot_api_for(channel.credentials()).download_file(file_id=update.photo_file_id))
        except FileTooLarge:
            photo_refused = too_large()
        except BotApiError as error:
            if error.is_retryable:
                return JsonResponse({"detail": "the photo could not be fetched yet", "code": "retry"}, status=502)
            photo_refused = ImageRejected(UNREADABLE)
        except ImageRejected as error:
            photo_refused = error  # not a photo Ovoz can keep; the text still counts, and the reporter is told
    try:
        result = telegram_bot.telegram_receive(
            channel=channel, update=update, photo=photo, photo_refused=photo_refused.message if photo_refused else None
        )
    except ConcernError as error:
        return JsonResponse({"detail": str(error.message), "code": error.code}, status=400)
    if result.immediate_answer:  # the chat id is already forgotten, so this cannot be queued
        return JsonResponse({"method": "sendMessage", "chat_id": update.chat_id, "text": result.immediate_answer})
    return _telegram_answer(update)


def _telegram_answer(update: telegram_bot.TelegramUpdate) -> HttpResponse:
    """Stop the spinner on a pressed button by answering with a Bot API call in the response body."""
    if update.callback_query_id:
        return JsonResponse({"method": "answerCallbackQuery", "callback_query_id": update.callback_query_id})
    return HttpResponse(status=200)
