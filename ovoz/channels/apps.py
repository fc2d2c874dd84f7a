from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "ovoz.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from ovoz.channels import receivers
        from ovoz.concerns import signals

        signals.concern_sealed.connect(receivers.on_concern_sealed, dispatch_uid="channels.concern_sealed")
