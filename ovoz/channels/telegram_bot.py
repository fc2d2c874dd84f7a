"""The Telegram bot's guided report: language, description, place, who may see it, confirm, receipt.

Each update runs in one transaction with the sender's conversation locked; storing the update's id
is the acknowledgement, so an update Telegram delivers again changes nothing. The chat id is kept
like a phone number: encrypted, with a keyed hash to find the conversation.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ovoz.channels import inbound_hooks
from ovoz.channels.choices import TelegramStep
from ovoz.channels.models import Channel, Conversation, InboundMessage
from ovoz.channels.outbound import reply_queue
from ovoz.channels.services import InboundResult, conversation_stop
from ovoz.channels.staff_links import chat_link
from ovoz.channels.texts import status_text
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel as ConcernChannel
from ovoz.concerns.choices import Visibility
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import Concern
from ovoz.concerns.promises import CONFIDENTIAL_SHORT, VISIBILITY_EXPLAINED
from ovoz.concerns.services import MAX_ATTACHMENTS
from ovoz.core.crypto import decrypt, encrypt, keyed_hash
from ovoz.core.images import CleanImage
from ovoz.places.choices import AREA_KIND_DEPTH, AreaKind
from ovoz.places.models import Area
from ovoz.places.selectors import areas_by_name

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4000
COMMANDS = ("/start", "/new", "/status", "/stop", "/link")


@dataclass(frozen=True)
class TelegramUpdate:
    """The parts of a Bot API update the bot acts on, checked; anything else is ignored."""

    update_id: int
    chat_id: str
    text: str = ""
    command: str = ""
    callback_data: str = ""
    callback_query_id: str = ""
    photo_file_id: str = ""
    latitude: float | None = None
    longitude: float | None = None


def update_parse(payload: object) -> TelegramUpdate | None:
    """Read a private-chat message or button press from an update; None for anything else (groups, edits …)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        return None
    update_id = payload["update_id"]
    callback = payload.get("callback_query")
    if isinstance(callback, dict):
        message = callback.get("message")
        chat = message.get("chat") if isinstance(message, dict) else None
        if not _private(chat) or not isinstance(callback.get("data"), str) or not isinstance(callback.get("id"), str):
            return None
        return TelegramUpdate(
            update_id=update_id,
            chat_id=str(chat["id"]),
            callback_data=callback["data"][:64],
            callback_query_id=callback["id"][:64],
        )
    message = payload.get("message")
    if not isinstance(message, dict) or not _private(message.get("chat")):
        return None
    text = message.get("text") if isinstance(message.get("text"), str) else message.get("caption")
    text = text.strip()[:MAX_TEXT_LENGTH] if isinstance(text, str) else ""
    command = ""
    if text.startswith("/"):
        word = text.split(maxsplit=1)[0].split("@", 1)[0].lower()
        if word in COMMANDS:
            command, text = word, text[len(text.split(maxsplit=1)[0]) :].strip()
    photo_file_id = ""
    photos = message.get("photo")
    if isinstance(photos, list) and photos and isinstance(photos[-1], dict):
        photo_file_id = str(photos[-1].get("file_id", ""))[:256]  # the largest size comes last
    latitude = longitude = None
    location = message.get("location")
    if isinstance(location, dict):
        try:
            latitude, longitude = float(location["latitude"]), float(location["longitude"])
        except (KeyError, TypeError, ValueError):
            latitude = longitude = None
        if latitude is not None and not (-90 <= latitude <= 90 and -180 <= (longitude or 0) <= 180):
            latitude = longitude = None
    return TelegramUpdate(
        update_id=update_id,
        chat_id=str(message["chat"]["id"]),
        text=text,
        command=command,
        photo_file_id=photo_file_id,
        latitude=latitude,
        longitude=longitude,
    )


def _private(chat: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(chat, dict) and chat.get("type") == "private" and isinstance(chat.get("id"), int)


def update_seen(*, channel: Channel, update: TelegramUpdate) -> bool:
    """Whether this update was taken before (so its photo need not be downloaded again)."""
    return InboundMessage.objects.filter(channel=channel, external_id=str(update.update_id)).exists()


@dataclass
class _Draft:
    text: str = ""
    photos: list[dict[str, Any]] = field(default_factory=list)
    area_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    visibility: str = ""

    @classmethod
    def load(cls, conversation: Conversation) -> _Draft:
        if conversation.draft_ciphertext is None:
            return cls()
        return cls(**json.loads(decrypt(bytes(conversation.draft_ciphertext), purpose="telegram-draft")))

    def store(self, conversation: Conversation) -> None:
        conversation.draft_ciphertext = encrypt(json.dumps(self.__dict__).encode(), purpose="telegram-draft")

    def add_photo(self, photo: CleanImage) -> None:
        if len(self.photos) < MAX_ATTACHMENTS:
            self.photos.append(
                {
                    "content": base64.b64encode(photo.content).decode(),
                    "content_type": photo.content_type,
                    "extension": photo.extension,
                    "width": photo.width,
                    "height": photo.height,
                }
            )

    def clean_images(self) -> list[CleanImage]:
        return [CleanImage(**{**photo, "content": base64.b64decode(photo["content"])}) for photo in self.photos]


def telegram_receive(
    *, channel: Channel, update: TelegramUpdate, photo: CleanImage | None, photo_refused: object = None
) -> InboundResult:
    """Take one update: the same ``update_id`` again (even ten at once) changes nothing.

    ``photo_refused`` is why the update's photo could not be kept (a lazily translated message);
    the rest of the update still counts, and the reporter is told, in their language.
    """
    external_id = str(update.update_id)
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.create(channel=channel, external_id=external_id)
            conversation, concern, answer = _converse(
                channel=channel, update=update, photo=photo, photo_refused=photo_refused
            )
            if concern is not None:
                InboundMessage.objects.filter(pk=inbound.pk).update(
                    concern=concern, conversation=None if conversation.is_stopped else conversation
                )
            goodbye = answer
            if conversation.is_stopped:
                with translation.override(conversation.language or channel.default_language or settings.LANGUAGE_CODE):
                    goodbye = _(
                        "Ovoz will not write to you here any more, and this chat is forgotten. /start begins again."
                    )
            return InboundResult(is_repeat=False, concern=concern, immediate_answer=goodbye)
    except IntegrityError:
        if InboundMessage.objects.filter(channel=channel, external_id=external_id).exists():
            return InboundResult(is_repeat=True, concern=None)
        raise


def _converse(
    *, channel: Channel, update: TelegramUpdate, photo: CleanImage | None, photo_refused: object = None
) -> tuple[Conversation, Concern | None, str]:
    sender_hash = keyed_hash(f"telegram:{channel.pk}:{update.chat_id}", purpose="channel-chat")
    conversation, _created = Conversation.objects.select_for_update().get_or_create(
        channel=channel, sender_hash=sender_hash
    )
    if update.command == "/stop":
        concern = _current(conversation)
        conversation_stop(conversation)
        return conversation, concern, ""
    if update.command == "/link":  # a staff member linking this chat for their reminders
        conversation.sender_ciphertext = encrypt(update.chat_id.encode(), purpose="channel-sender")
        conversation.last_inbound_at = timezone.now()  # retention deletes the chat id by this date
        conversation.save()
        user = chat_link(channel=channel, chat_id=update.chat_id, code=update.text)
        # A linked staff member is answered in the language they chose; anyone else as the chat speaks.
        chat_language = conversation.language or channel.default_language or settings.LANGUAGE_CODE
        with translation.override(user.language if user is not None and user.language else chat_language):
            if user is None:
                reply = _("This code is not valid or has expired. Ask for a new one on your account page.")
            else:
                reply = _("Linked: your working-group reminders will come here too.")
        reply_queue(conversation, None, reply)
        return conversation, None, ""
    conversation.is_stopped = False
    conversation.sender_ciphertext = encrypt(update.chat_id.encode(), purpose="channel-sender")
    conversation.last_inbound_at = timezone.now()
    outcome = inbound_hooks.inbound_offer(
        inbound_hooks.Inbound(
            channel=channel,
            conversation=conversation,
            text=update.text,
            button=update.callback_data,
            command=update.command,
        )
    )
    if outcome == inbound_hooks.Outcome.STOP:
        concern = _current(conversation)
        conversation_stop(conversation)
        return conversation, concern, ""
    if outcome == inbound_hooks.Outcome.TAKEN:  # a survey's answer, say: the guided report stays where it was
        conversation.save()
        return conversation, None, ""
    bot = _Bot(channel=channel, conversation=conversation)
    with translation.override(conversation.language or channel.default_language or settings.LANGUAGE_CODE):
        if photo_refused is not None:
            bot.say(str(photo_refused))
        concern = bot.handle(update, photo)
    conversation.save()
    return conversation, concern, bot.immediate


def _sqlite_log_truncate() -> None:
    """Copy SQLite's write-ahead log into the database and empty it, so rows just overwritten are gone
    from it (a thief with the data key could open a draft left there). PostgreSQL keeps its own WAL and
    dead row versions until they are recycled and vacuumed: docs/security.md says so."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _pages, _copied = cursor.fetchone()
    if busy:
        logger.warning("The write-ahead log could not be emptied now (a reader held it); it is later.")


def _current(conversation: Conversation) -> Concern | None:
    return Concern.objects.filter(pk=conversation.concern_id).first() if conversation.concern_id else None


class _Bot:
    """One step of the guided report for one conversation (inside its transaction and language)."""

    def __init__(self, *, channel: Channel, conversation: Conversation) -> None:
        self.channel = channel
        self.conversation = conversation

    def say(self, text: str, buttons: list[list[tuple[str, str]]] | None = None) -> None:
        markup = None
        if buttons:
            markup = {
                "inline_keyboard": [[{"text": label, "callback_data": data} for label, data in row] for row in buttons]
            }
        reply_queue(self.conversation, _current(self.conversation), text, markup=markup)

    def handle(self, update: TelegramUpdate, photo: CleanImage | None) -> Concern | None:
        """Act on one update; returns the concern it created or added to, if any."""
        self.concern: Concern | None = None
        self.dispatch(update, photo)
        return self.concern

    immediate = ""  # said in the webhook's own answer, never queued (a sealed concern's receipt)

    def dispatch(self, update: TelegramUpdate, photo: CleanImage | None) -> None:
        conversation = self.conversation
        data = update.callback_data
        if update.command == "/start":
            return self.ask_language(_Draft())
        if not conversation.language and not data.startswith("language:"):
            # A first message without /start: keep what it says, ask the language, then go on with it.
            draft = _Draft.load(conversation)
            if photo is not None:
                draft.add_photo(photo)
            draft.text = f"{draft.text}\n{update.text}".strip()[:MAX_TEXT_LENGTH]
            return self.ask_language(draft)
        if data.startswith("language:"):
            return self.language_chosen(data.removeprefix("language:"))
        if update.command == "/status":
            self.concern = _current(conversation)
            return self.say(
                status_text(self.concern, translation.get_language() or settings.LANGUAGE_CODE, is_sms=False)
            )
        if update.command == "/new":
            return self.ask_place(_Draft(), self.channel.default_area)
        step = conversation.step
        if step == TelegramStep.FOLLOWING and self.starts_new_concern():
            return self.words_before_choice(update, photo)
        if step == TelegramStep.FOLLOWING:
            return self.follow_up(update, photo)
        draft = _Draft.load(conversation)
        if step in (TelegramStep.DESCRIBE, TelegramStep.CONFIRM) and (update.text or photo is not None):
            return self.described(draft, update, photo)
        if step in (TelegramStep.AREA, TelegramStep.VISIBILITY) and (update.text or photo is not None):
            # Words before the visibility is chosen: kept for the report, then the question again.
            if photo is not None:
                draft.add_photo(photo)
            draft.text = f"{draft.text}\n{update.text}".strip()[:MAX_TEXT_LENGTH]
            return self.repeat_question(draft)
        if data == "restart":
            return self.ask_description(_Draft(area_id=draft.area_id, visibility=draft.visibility))
        if step == TelegramStep.AREA:
            return self.place_chosen(draft, update)
        if step == TelegramStep.VISIBILITY and data.startswith("visibility:"):
            return self.visibility_chosen(draft, data.removeprefix("visibility:"))
        if step == TelegramStep.CONFIRM and data == "send":
            return self.send(draft)
        return self.repeat_question(draft)

    # --- steps -----------------------------------------------------------------------------------

    def ask_language(self, draft: _Draft) -> None:
        self.conversation.step = TelegramStep.LANGUAGE
        draft.store(self.conversation)
        buttons = [(name, f"language:{code}") for code, name in settings.LANGUAGES]
        # Asked before any language is known, so the question is in all of them at once.
        self.say(
            "Tilni tanlang · Выберите язык · Забонро интихоб кунед · Тилди тандаңыз · Тілді таңдаңыз · "
            "Choose your language",
            [buttons[index : index + 2] for index in range(0, len(buttons), 2)],
        )

    def language_chosen(self, language: str) -> None:
        draft = _Draft.load(self.conversation)
        if language not in dict(settings.LANGUAGES):
            return self.ask_language(draft)
        self.conversation.language = language
        translation.activate(language)
        concern = _current(self.conversation)
        if self.conversation.step != TelegramStep.LANGUAGE and concern is not None and concern.is_open:
            return self.say(
                _("Language changed. Write here to add to concern no. %(number)s.") % {"number": concern.pk}
            )
        return self.ask_place(draft, self.channel.default_area)

    def ask_description(self, draft: _Draft) -> None:
        self.conversation.step = TelegramStep.DESCRIBE
        draft.store(self.conversation)
        if draft.visibility == Visibility.CONFIDENTIAL:
            self.say(
                _(
                    "Describe what happened in your own words. Your first message sends the report, sealed at "
                    "once; anything you write after it is added, sealed too. %(promise)s"
                )
                % {"promise": CONFIDENTIAL_SHORT}
            )
            return
        self.say(
            _(
                "Describe the problem in your own words: what is happening, where, and since when. "
                "You can add photos. Do not write names of people unless you must."
            )
        )

    def starts_new_concern(self) -> bool:
        concern = _current(self.conversation)
        return concern is None or not concern.is_open

    def words_before_choice(self, update: TelegramUpdate, photo: CleanImage | None) -> None:
        """Words written before any question (no report under way): kept in the draft, under the data key,
        while the place and who may see it are asked; sealed at once if the answer is confidential."""
        draft = _Draft()
        if photo is not None:
            draft.add_photo(photo)
        draft.text = update.text
        self.ask_place(draft, self.channel.default_area)

    def described(self, draft: _Draft, update: TelegramUpdate, photo: CleanImage | None) -> None:
        """Words after the visibility was chosen: a confidential report is sent (sealed) with its first
        words, so they never wait under the data key; any other is confirmed first (never echoed)."""
        if photo is not None:
            draft.add_photo(photo)
        if update.text:
            draft.text = f"{draft.text}\n{update.text}".strip()[:MAX_TEXT_LENGTH]
        if draft.visibility == Visibility.CONFIDENTIAL:
            if not draft.text:
                draft.text = _("(a photo)")
            return self.send(draft)
        if not draft.text:
            self.conversation.step = TelegramStep.DESCRIBE
            draft.store(self.conversation)
            self.say(_("Photo kept. Now describe the problem in words, please."))
            return
        self.ask_confirmation(draft)

    def ask_place(self, draft: _Draft, parent: Area | None) -> None:
        self.conversation.step = TelegramStep.AREA
        draft.store(self.conversation)
        language = translation.get_language() or settings.LANGUAGE_CODE
        children = areas_by_name(
            Area.objects.filter(parent=parent, kind__in=[AreaKind.COUNTRY, AreaKind.REGION, AreaKind.DISTRICT])
            if parent is not None
            else Area.objects.filter(parent=None),
            language=language,
        )
        buttons = [[(area.name_in(language)[:60], f"area:{area.pk}")] for area in children[:90]]
        if parent is not None:
            buttons.append(
                [(_("Somewhere in %(area)s") % {"area": parent.name_in(language)[:40]}, f"here:{parent.pk}")]
            )
        buttons.append([(_("I do not want to say"), "here:")])
        self.say(
            _("Where is it? Pick the place, or send your location (📎 → Location)."),
            buttons,
        )

    def place_chosen(self, draft: _Draft, update: TelegramUpdate) -> None:
        data = update.callback_data
        if update.latitude is not None and update.longitude is not None:
            draft.latitude, draft.longitude = update.latitude, update.longitude
            return self.ask_visibility(draft)
        if data == "here:":
            draft.area_id = None
            return self.ask_visibility(draft)
        prefix, _colon, number = data.partition(":")
        area = Area.objects.filter(pk=int(number)).first() if prefix in ("area", "here") and number.isdigit() else None
        if area is None:
            return self.repeat_question(draft)
        draft.area_id = area.pk
        has_finer = AREA_KIND_DEPTH[AreaKind(area.kind)] < AREA_KIND_DEPTH[AreaKind.DISTRICT]
        if prefix == "area" and has_finer and area.children.exists():
            return self.ask_place(draft, area)
        return self.ask_visibility(draft)

    def ask_visibility(self, draft: _Draft) -> None:
        self.conversation.step = TelegramStep.VISIBILITY
        draft.store(self.conversation)
        # The same sentences as the report form's, so every channel says the same true thing.
        explained = [str(VISIBILITY_EXPLAINED[visibility]) for visibility in Visibility]
        self.say(
            "\n\n".join([str(_("Who may see it?")), *explained]),
            [
                [(_("Public"), f"visibility:{Visibility.PUBLIC}")],
                [(_("Restricted"), f"visibility:{Visibility.RESTRICTED}")],
                [(_("Confidential"), f"visibility:{Visibility.CONFIDENTIAL}")],
            ],
        )

    def visibility_chosen(self, draft: _Draft, visibility: str) -> None:
        if visibility not in Visibility.values:
            return self.repeat_question(draft)
        draft.visibility = visibility
        if draft.text or draft.photos:  # words written before the questions
            if visibility == Visibility.CONFIDENTIAL:
                if not draft.text:
                    draft.text = _("(a photo)")
                return self.send(draft)
            return self.ask_confirmation(draft)
        self.ask_description(draft)

    def ask_confirmation(self, draft: _Draft) -> None:
        """The summary before sending: never the reporter's words (a queued message is kept until sent)."""
        self.conversation.step = TelegramStep.CONFIRM
        draft.store(self.conversation)
        language = translation.get_language() or settings.LANGUAGE_CODE
        area = Area.objects.filter(pk=draft.area_id).first() if draft.area_id else None
        place = area.name_in(language) if area else _("your location") if draft.latitude is not None else _("not given")
        self.say(
            # Translators: %(characters)s is the length of the text, e.g. "120 characters".
            _(
                "Your concern: %(characters)s.\n\nPlace: %(place)s\nVisible: %(visibility)s\n"
                "Photos: %(photos)s\n\nSend it? Or write more to add to it."
            )
            % {
                "characters": ngettext("%(count)s character", "%(count)s characters", len(draft.text))
                % {"count": len(draft.text)},
                "place": place,
                "visibility": Visibility(draft.visibility).label,
                "photos": len(draft.photos),
            },
            [[(_("Send"), "send"), (_("Start over"), "restart")]],
        )

    def send(self, draft: _Draft) -> None:
        area = Area.objects.filter(pk=draft.area_id).first() if draft.area_id else self.channel.default_area
        try:
            submitted = concern_services.concern_intake(
                concern_services.IntakeRequest(
                    text=draft.text,
                    channel=ConcernChannel.TELEGRAM,
                    language=self.conversation.language,
                    area=area,
                    latitude=draft.latitude,
                    longitude=draft.longitude,
                    visibility=Visibility(draft.visibility) if draft.visibility else None,
                    photos=draft.clean_images(),
                    route=self.route_here,
                )
            )
        except ConcernError as error:
            self.say(str(error.message))
            return self.repeat_question(draft)
        concern = self.concern = submitted.concern
        self.conversation.step = TelegramStep.FOLLOWING
        stored = _Draft.load(self.conversation)  # what waited under the data key (not this update's words)
        had_draft_words = bool(stored.text or stored.photos)
        self.conversation.draft_ciphertext = None
        if concern.is_sealed and had_draft_words:
            # Words written before the choice were kept under the data key: SQLite's write-ahead log still
            # holds the old rows until it is checkpointed, so do that as soon as this commits.
            transaction.on_commit(_sqlite_log_truncate)
        if concern.is_sealed:
            # The receipt opens the sealed words: it goes out in the webhook's answer only, never queued.
            self.immediate = _(
                "Thank you. Your concern no. %(number)s is received and sealed. %(promise)s\n"
                "Receipt code: %(receipt)s\n"
                "Ovoz does not keep this message: write the code down somewhere safe, or delete it. "
                "Write here to add more; /status for news, /new for another concern, /stop to end and be forgotten."
            ) % {"number": concern.pk, "receipt": submitted.receipt, "promise": CONFIDENTIAL_SHORT}
            return
        self.say(
            _(
                "Thank you. Your concern no. %(number)s is received.\n"
                "Receipt code: %(receipt)s\n"
                "Keep it: with it you can follow the concern on the website. Write here to add more; "
                "/status for news, /new for another concern, /stop to end and be forgotten."
            )
            % {"number": concern.pk, "receipt": submitted.receipt}
        )

    def route_here(self, concern: Concern) -> None:
        """The intake's route step: replies to the new concern come to this chat."""
        self.conversation.concern = concern

    def follow_up(self, update: TelegramUpdate, photo: CleanImage | None) -> None:
        concern = self.concern = _current(self.conversation)
        text = update.text or (_("(a photo)") if photo is not None else "")
        if concern is None or not text:
            return
        try:
            concern_services.concern_reporter_message(
                concern=concern, text=text, photos=[photo] if photo is not None else []
            )
        except ConcernError as error:
            self.say(str(error.message))

    def repeat_question(self, draft: _Draft) -> None:
        """An answer that does not fit the step: ask the step's question again."""
        step = self.conversation.step
        if step == TelegramStep.LANGUAGE:
            return self.ask_language(draft)
        if step == TelegramStep.AREA:
            browsed = Area.objects.filter(pk=draft.area_id).first() if draft.area_id else None
            return self.ask_place(draft, browsed or self.channel.default_area)
        if step == TelegramStep.VISIBILITY:
            return self.ask_visibility(draft)
        if step == TelegramStep.CONFIRM:
            return self.ask_confirmation(draft)
        return self.ask_description(draft)
