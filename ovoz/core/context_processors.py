from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language


def languages(request: HttpRequest) -> dict[str, Any]:
    """The language switcher's choices, each with the current page's path in that language."""
    current = get_language() or settings.LANGUAGE_CODE
    path = request.path
    prefix = f"/{current}/"
    rest = path[len(prefix) :] if path.startswith(prefix) else None
    choices = []
    for code, name in settings.LANGUAGES:
        url = f"/{code}/{rest}" if rest is not None else f"/{code}/"
        choices.append({"code": code, "name": name, "url": url, "is_current": code == current})
    return {"language_choices": choices, "current_language": current, "language_path_prefixed": rest is not None}
