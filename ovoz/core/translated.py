"""Translated data: labels kept as ``{language code: text}`` dictionaries.

Area names, theme labels and message templates are data that administrators edit, so they live
in JSON fields rather than in the gettext catalogs. ``pick`` chooses the best text for a language.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import get_language

# When a text is missing in the reader's language, Russian is the most widely read in the region,
# then the English source.
FALLBACK_LANGUAGES = ("ru", "en")
# Languages whose readers read another one first: Karakalpaks (in Uzbekistan) read Uzbek.
CLOSEST_LANGUAGES: dict[str, tuple[str, ...]] = {"kaa": ("uz",)}


def pick(texts: Mapping[str, str], language: str | None = None, default: str = "") -> str:
    """Return the text for ``language`` (the active one by default), else a sensible fallback."""
    language = language or get_language() or settings.LANGUAGE_CODE
    base = language.split("-")[0]
    for code in (language, base, *CLOSEST_LANGUAGES.get(base, ()), *FALLBACK_LANGUAGES):
        text = texts.get(code)
        if text:
            return text
    return next((text for text in texts.values() if text), default)
