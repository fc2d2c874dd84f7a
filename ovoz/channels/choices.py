from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    """Gateways Ovoz speaks to. Only kinds with a working inbound and reply path are listed."""

    GENERIC = "generic", _("SMS, generic gateway")
    TWILIO = "twilio", _("SMS, Twilio-compatible")
    RAPIDPRO = "rapidpro", _("SMS, RapidPro/TextIt external channel")
    TELEGRAM = "telegram", _("Telegram bot")

    @property
    def is_sms(self) -> bool:
        return self != ChannelKind.TELEGRAM


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class TelegramStep(models.TextChoices):
    """Where a Telegram reporter is in the guided report; empty once the concern is sent."""

    FOLLOWING = "", _("following a concern")
    LANGUAGE = "language", _("choosing a language")
    DESCRIBE = "describe", _("describing the concern")
    AREA = "area", _("choosing the place")
    VISIBILITY = "visibility", _("choosing who may see it")
    CONFIRM = "confirm", _("confirming")
