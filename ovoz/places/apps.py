from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "ovoz.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from ovoz.places.models import Area
        from ovoz.places.selectors import region_choices_forget

        # A cache kept right, not business logic: any change to an area (services, admin, migrations).
        post_save.connect(region_choices_forget, sender=Area, dispatch_uid="places.region_choices.save")
        post_delete.connect(region_choices_forget, sender=Area, dispatch_uid="places.region_choices.delete")
        # Data migrations write through historical models, whose saves send no signal for Area.
        post_migrate.connect(region_choices_forget, sender=self, dispatch_uid="places.region_choices.migrate")
