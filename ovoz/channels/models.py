from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ovoz.channels.choices import ChannelKind, OutboundState, TelegramStep
from ovoz.core.crypto import decrypt, encrypt
from ovoz.core.models import TimeStampedModel


class Channel(TimeStampedModel):
    """A configured gateway or bot: its webhook is /channels/<sms|telegram>/<id>/; credentials are stored encrypted."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=200)
    default_language = models.CharField(_("default language"), max_length=8, blank=True)
    default_area = models.ForeignKey(
        "places.Area", verbose_name=_("default area"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credentials_ciphertext = models.BinaryField(editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    def credentials(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(decrypt(bytes(self.credentials_ciphertext), purpose="channel-credentials"))
        return data

    def set_credentials(self, credentials: dict[str, Any]) -> None:
        self.credentials_ciphertext = encrypt(json.dumps(credentials).encode(), purpose="channel-credentials")

    @property
    def webhook_path(self) -> str:
        kind = "telegram" if self.kind == ChannelKind.TELEGRAM else "sms"
        return f"/channels/{kind}/{self.pk}/"


class InboundMessage(models.Model):
    """That a gateway's message was taken: storing this row is the acknowledgement.

    Only the gateway's id is kept, so the same message delivered again is recognised; its text lives
    in the concern, its sender only as the concern's encrypted contact.
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=128)
    received_at = models.DateTimeField(auto_now_add=True)
    concern = models.ForeignKey("concerns.Concern", null=True, on_delete=models.SET_NULL, related_name="+")
    # The way back to the sender for news about ``concern``; unlinked when the sender says STOP.
    conversation = models.ForeignKey("Conversation", null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_once_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class Conversation(models.Model):
    """One sender on one channel: which concern their messages go to, and whether they said STOP."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    sender_hash = models.CharField(max_length=64)
    sender_ciphertext = models.BinaryField(null=True)
    concern = models.ForeignKey("concerns.Concern", null=True, on_delete=models.SET_NULL, related_name="+")
    last_inbound_at = models.DateTimeField(null=True)
    is_stopped = models.BooleanField(default=False)
    # Telegram's guided report: the chosen language, the step, and the report so far (encrypted).
    language = models.CharField(max_length=8, blank=True)
    step = models.CharField(max_length=16, choices=TelegramStep.choices, blank=True, default=TelegramStep.FOLLOWING)
    draft_ciphertext = models.BinaryField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "sender_hash"], name="conversation_one_per_sender")]

    def __str__(self) -> str:
        return f"conversation {self.pk}"


class OutboundMessage(TimeStampedModel):
    """A reply on its way. Recipient and text are encrypted, and wiped once the gateway took them.

    Sent at most once: ``state`` is set to "sending" and committed before the gateway is called, so
    an attempt that died in between is recognised and not repeated (see ``outbound_send``).
    """

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, on_delete=models.SET_NULL, related_name="+")
    concern = models.ForeignKey("concerns.Concern", null=True, on_delete=models.SET_NULL, related_name="outbound")
    recipient_ciphertext = models.BinaryField(null=True)
    text_ciphertext = models.BinaryField(null=True)
    # Telegram buttons under the message (language names, area names, choices): nothing personal.
    markup = models.JSONField(null=True)
    state = models.CharField(_("state"), max_length=16, choices=OutboundState.choices, default=OutboundState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"outbound {self.pk} ({self.state})"


class StaffChatLink(TimeStampedModel):
    """A staff member's Telegram chat, for their working-group reminders: the chat id only encrypted."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="telegram_link", verbose_name=_("user")
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+", verbose_name=_("channel"))
    chat_ciphertext = models.BinaryField()

    class Meta:
        verbose_name = _("Telegram link of a staff member")
        verbose_name_plural = _("Telegram links of staff members")

    def __str__(self) -> str:
        return f"telegram link {self.pk}"


class StaffLinkCode(models.Model):
    """A one-time code a staff member sends to the bot (/link CODE) to link their chat; kept hashed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"link code {self.pk}"
