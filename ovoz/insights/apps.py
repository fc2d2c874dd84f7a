from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "ovoz.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from ovoz.insights import receivers  # noqa: F401  (connects to the signals of concerns)
