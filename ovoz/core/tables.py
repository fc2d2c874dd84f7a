"""The box a wide table scrolls in on a phone, so that the page itself never scrolls sideways: a region
a keyboard can reach, named "Table: <name>" (close it with ``</div>`` after ``</table>``). Templates use
it as ``{% table_scroll _("Members") %}`` (``ovoz_tags``)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _


def table_scroll(name: str) -> SafeString:
    label = _("Table: %(name)s") % {"name": name}
    return format_html('<div class="table-scroll" tabindex="0" role="region" aria-label="{}">', label)
