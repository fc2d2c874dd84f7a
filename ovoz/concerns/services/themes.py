"""Themes: the seeded list, refreshed from data/themes.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from ovoz.concerns.models import (
    Theme,
)

if TYPE_CHECKING:
    pass


THEMES_FILE = Path(__file__).parent.parent / "data" / "themes.json"


@dataclass
class ThemeSeedResult:
    created: int = 0
    updated: int = 0


@transaction.atomic
def themes_seed() -> ThemeSeedResult:
    """Create the seeded themes (DESIGN §3) and fill in missing translations; idempotent.

    Labels and descriptions an administrator has edited are kept.
    """
    result = ThemeSeedResult()
    for position, entry in enumerate(json.loads(THEMES_FILE.read_text(encoding="utf-8"))):
        theme, created = Theme.objects.get_or_create(
            slug=entry["slug"],
            defaults={
                "labels": entry["labels"],
                "descriptions": entry["descriptions"],
                "default_visibility": entry["default_visibility"],
                "position": position,
            },
        )
        if created:
            result.created += 1
            continue
        labels = {**entry["labels"], **theme.labels}
        descriptions = {**entry["descriptions"], **theme.descriptions}
        if labels != theme.labels or descriptions != theme.descriptions:
            theme.labels, theme.descriptions = labels, descriptions
            theme.save(update_fields=["labels", "descriptions", "updated_at"])
            result.updated += 1
    return result
