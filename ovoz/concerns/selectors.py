from __future__ import annotations

from django.db.models import QuerySet

from ovoz.concerns.models import Theme


def theme_list(*, include_inactive: bool = False) -> QuerySet[Theme]:
    """Themes in their display order (themes are public data)."""
    themes = Theme.objects.all()
    return themes if include_inactive else themes.filter(is_active=True)
