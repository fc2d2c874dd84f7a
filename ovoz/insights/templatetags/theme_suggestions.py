"""``{% theme_suggestions concern %}``: the suggested themes in triage, each a one-click form.

A template tag, so the staff concern page (concerns) shows what insights suggests without concerns
importing insights (ADR 0009: insights sits above concerns).
"""

from __future__ import annotations

from typing import Any

from django import template

from ovoz.concerns.models import Concern
from ovoz.insights.suggestions import suggestion_list

register = template.Library()


@register.inclusion_tag("insights/includes/theme_suggestions.html", takes_context=True)
def theme_suggestions(context: template.Context, concern: Concern) -> dict[str, Any]:
    return {
        "concern": concern,
        "suggestions": suggestion_list(concern=concern),
        "csrf_token": context.get("csrf_token"),
    }
