"""Themes: the seeded list, refreshed from data/themes.json."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from ovoz.concerns.models import (
    Theme,
)

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
    entries = json.loads(THEMES_FILE.read_text(encoding="utf-8"))
    existing = {theme.slug: theme for theme in Theme.objects.filter(slug__in=[entry["slug"] for entry in entries])}
    missing = []
    for position, entry in enumerate(entries):
        theme = existing.get(entry["slug"])
        if theme is None:
            missing.append(
                Theme(
                    slug=entry["slug"],
                    labels=entry["labels"],
                    descriptions=entry["descriptions"],
                    default_visibility=entry["default_visibility"],
                    position=position,
                )
            )
            continue
        labels = {**entry["labels"], **theme.labels}
        descriptions = {**entry["descriptions"], **theme.descriptions}
        if labels != theme.labels or descriptions != theme.descriptions:
            theme.labels, theme.descriptions = labels, descriptions
            theme.save(update_fields=["labels", "descriptions", "updated_at"])
            result.updated += 1
    # Two processes seeding at once (two instances' first start) meet on the unique slug: the second
    # keeps the first's rows.
    Theme.objects.bulk_create(missing, ignore_conflicts=True)
    result.created = len(missing)
    return result
