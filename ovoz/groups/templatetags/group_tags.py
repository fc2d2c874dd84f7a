from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ovoz.groups.minutes import markdown_html

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Markdown rendered and sanitised (see ovoz.groups.minutes)."""
    return markdown_html(text or "")
