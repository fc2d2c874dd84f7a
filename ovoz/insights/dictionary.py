"""The data dictionary (docs/data.md, shipped in the package as insights/data/dictionary.md) as a page."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from html import unescape
from pathlib import Path

import markdown
import nh3
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from ovoz.core.tables import table_scroll

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
    return mark_safe(_tables_scroll(cleaned))  # cleaned by nh3 just above; the boxes are ours


_HEADING_OR_TABLE = re.compile(r"<h[1-3]>(.*?)</h[1-3]>|<table>", re.DOTALL)


def _tables_scroll(html: str) -> str:
    """Each table in a box that scrolls by itself on a phone, named after the heading above it (the
    dictionary is in English, as written), and each block of code reachable by keyboard."""
    parts, heading, end, named = [], "", 0, Counter[str]()
    for match in _HEADING_OR_TABLE.finditer(html):
        if match.group(0) != "<table>":
            heading = unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()
            continue
        named[heading] += 1
        name = heading if named[heading] == 1 else f"{heading} ({named[heading]})"  # landmarks' names differ
        parts.append(html[end : match.start()])
        with translation.override("en"):  # the dictionary's own language
            parts.append(table_scroll(name))
        end = match.start()
    parts.append(html[end:])
    # A long command scrolls in its own box too, which a keyboard must be able to reach.
    return "".join(parts).replace("</table>", "</table></div>").replace("<pre>", '<pre tabindex="0">')
