"""Template tags every app's pages use."""

from __future__ import annotations

from django import template

from ovoz.core.tables import table_scroll

register = template.Library()
register.simple_tag(table_scroll, name="table_scroll")
