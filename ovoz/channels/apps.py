from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "ovoz.channels"
    label = "channels"
    verbose_name = _("Channels")
