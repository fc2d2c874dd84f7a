from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "ovoz.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        # Channels sits below surveys: it offers inbound messages to this handler (channels.inbound_hooks).
        from ovoz.channels import inbound_hooks
        from ovoz.surveys import conversation

        inbound_hooks.inbound_handler_add(conversation.inbound_handle)
        inbound_hooks.stop_handler_add(conversation.stop_handle)
        from ovoz.surveys import agenda

        agenda.register()
