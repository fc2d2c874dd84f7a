"""Language detection with py3langid, restricted to the deployment's languages (DESIGN §6)."""

from __future__ import annotations

import functools

from django.conf import settings
from py3langid.langid import MODEL_FILE, LanguageIdentifier

MINIMUM_CONFIDENCE = 0.5


@functools.cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    wanted = [code for code, _name in settings.LANGUAGES if code in identifier.labels]
    identifier.set_languages(wanted)
    return identifier


def language_detect(text: str) -> str:
    """The most likely deployment language of ``text``, or "" when too unsure."""
    if len(text.strip()) < 3:
        return ""
    language, confidence = _identifier().classify(text)
    return str(language) if confidence >= MINIMUM_CONFIDENCE else ""
