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
    """queued → sending (being handed to the gateway) → sent or failed, or back to queued for a retry.

    A message found still "sending" by a later attempt was being handed over when its worker died:
    the gateway may or may not have it, so it is marked uncertain and never sent again blindly.
    """

    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    UNCERTAIN = "uncertain", _("delivery uncertain, not sent again")


class TelegramStep(models.TextChoices):
    """Where a Telegram reporter is in the guided report; empty once the concern is sent."""

    FOLLOWING = "", _("following a concern")
    LANGUAGE = "language", _("choosing a language")
    DESCRIBE = "describe", _("describing the concern")
    AREA = "area", _("choosing the place")
    VISIBILITY = "visibility", _("choosing who may see it")
    CONFIRM = "confirm", _("confirming")
