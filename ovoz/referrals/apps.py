from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "ovoz.referrals"
    label = "referrals"
    verbose_name = _("Services and referrals")

    def ready(self) -> None:
        from ovoz.concerns import signals
        from ovoz.referrals import receivers
        from ovoz.referrals.views import concern_pages

        signals.intake_consent_given.connect(receivers.on_intake_consent, dispatch_uid="referrals.intake_consent")
        concern_pages.register()
