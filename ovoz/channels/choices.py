from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    """Gateways Ovoz speaks to. Only kinds with a working inbound and reply path are listed."""

    GENERIC = "generic", _("SMS, generic gateway")
    TWILIO = "twilio", _("SMS, Twilio-compatible")


class OutboundState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
