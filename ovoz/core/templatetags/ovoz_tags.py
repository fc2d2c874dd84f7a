"""Template tags every app's pages use."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def table_scroll(name: str) -> SafeString:
    """Opens the box a wide table scrolls in on a phone, so that the page itself never scrolls sideways:
    a region a keyboard can reach, named "Table: <name>" (close it with ``</div>`` after ``</table>``)."""
    label = _("Table: %(name)s") % {"name": name}
    return format_html('<div class="table-scroll" tabindex="0" role="region" aria-label="{}">', label)
