from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ovoz.concerns.services import themes_seed
from ovoz.places.services import areas_seed


class Command(BaseCommand):
    help = "Create the seeded areas (5 countries and their ISO 3166-2 regions) and themes. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        areas = areas_seed()
        themes = themes_seed()
        self.stdout.write(
            f"Areas: {areas.created} created, {areas.updated} updated. "
            f"Themes: {themes.created} created, {themes.updated} updated."
        )
