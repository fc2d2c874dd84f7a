from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    """Reaching a person on the channel they used: reporter notices, and (later) survey questions.

    It has no models, so its name is shown nowhere and needs no translation.
    """

    name = "ovoz.conversations"
    label = "conversations"

    def ready(self) -> None:
        from ovoz.concerns import signals
        from ovoz.conversations import receivers

        signals.reporter_event_recorded.connect(
            receivers.on_reporter_event, dispatch_uid="conversations.reporter_event_recorded"
        )
