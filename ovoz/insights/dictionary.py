"""The data dictionary (docs/data.md, shipped in the package as insights/data/dictionary.md) as a page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

DICTIONARY = Path(__file__).resolve().parent / "data" / "dictionary.md"
TAGS = {"h1", "h2", "h3", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "a", "table", "thead", "tbody"}
TAGS |= {"tr", "th", "td", "blockquote", "hr"}


def _absolute_link(element: str, attribute: str, value: str) -> str | None:
    # Links between the files of docs/ (ADRs) lead nowhere on the site: their text stays, the link goes.
    if element == "a" and attribute == "href" and not value.startswith(("https://", "http://", "#")):
        return None
    return value


@cache
def dictionary_html() -> SafeString:
    """docs/data.md rendered to HTML (its own text, cleaned all the same), read once per process."""
    html = markdown.markdown(DICTIONARY.read_text(encoding="utf-8"), extensions=["tables", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes={"a": {"href"}},
        attribute_filter=_absolute_link,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # cleaned by nh3 just above
