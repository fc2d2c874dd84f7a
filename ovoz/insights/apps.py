from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "ovoz.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from ovoz.concerns.signals import concern_received
        from ovoz.insights.proposals import on_concern_received

        concern_received.connect(on_concern_received, dispatch_uid="insights.duplicates")
        from ovoz.insights import receivers  # noqa: F401  (connects to the signals of concerns)
