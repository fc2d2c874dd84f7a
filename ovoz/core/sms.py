"""How many SMS parts a text costs: GSM-7 (3GPP TS 23.038, with its extension table) or UCS-2.

A text whose every character is in the GSM 7-bit default alphabet or its extension table goes as
GSM-7: 160 septets in one part, 153 per part when concatenated (the rest is the UDH), and each
extension character (``{ } [ ] ~ \\ | ^ €`` and form feed) takes two septets, an escape and itself, which
are never split between parts. Any other character (Cyrillic, ``ʻ``, ``«``, ``—``, ``№``) makes the whole
text UCS-2: 70 UTF-16 code units in one part, 67 per part when concatenated, a surrogate pair never
split. National language shift tables (Turkish, Spanish, Portuguese, Indian) are not assumed: few
gateways in Central Asia use them.
"""

from __future__ import annotations

from enum import StrEnum

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\x0c^{}\\[~]|€"
_BASIC = frozenset(GSM7_BASIC) - {"\x1b"}  # the escape itself is not a character one can send
_EXTENSION = frozenset(GSM7_EXTENSION)

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class Encoding(StrEnum):
    GSM7 = "gsm7"
    UCS2 = "ucs2"


def encoding(text: str) -> Encoding:
    """GSM-7 when every character has a septet (basic or extension table), else UCS-2."""
    return Encoding.GSM7 if all(character in _BASIC or character in _EXTENSION for character in text) else Encoding.UCS2


def _units(text: str, kind: Encoding) -> list[int]:
    """The size of each character in the encoding's units (septets, or UTF-16 code units)."""
    if kind == Encoding.GSM7:
        return [2 if character in _EXTENSION else 1 for character in text]
    return [2 if ord(character) > 0xFFFF else 1 for character in text]


def length(text: str) -> int:
    """Septets for GSM-7, UTF-16 code units for UCS-2."""
    return sum(_units(text, encoding(text)))


def parts(text: str) -> int:
    """How many SMS parts ``text`` is sent as (0 for an empty text)."""
    kind = encoding(text)
    units = _units(text, kind)
    single, per_part = (GSM7_SINGLE, GSM7_PART) if kind == Encoding.GSM7 else (UCS2_SINGLE, UCS2_PART)
    if sum(units) <= single:
        return 1 if units else 0
    count, used = 1, 0
    for size in units:  # an escape pair or a surrogate pair is never split: it opens the next part
        if used + size > per_part:
            count, used = count + 1, 0
        used += size
    return count


def fit(text: str, *, max_parts: int, suffix: str = "") -> str:
    """``text`` cut, at a word where possible, so that it and ``suffix`` go in ``max_parts`` parts;
    ``text`` unchanged when it fits whole. The cut text ends with "…" in UCS-2 or "..." in GSM-7."""
    if parts(text) <= max_parts:
        return text
    ellipsis = "..." if encoding(text + suffix) == Encoding.GSM7 else "…"
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits
        middle = (low + high + 1) // 2
        if parts(text[:middle].rstrip() + ellipsis + suffix) <= max_parts:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    if " " in cut.strip() and low < len(text) and not text[low].isspace():
        cut = cut.rsplit(" ", 1)[0]  # never half a word
    return cut.rstrip(" ,.;:-") + ellipsis + suffix


# An automatic reply costs one part when it can go as GSM-7, and at most two in UCS-2 (Cyrillic).
MAX_REPLY_PARTS = {Encoding.GSM7: 1, Encoding.UCS2: 2}

# Look-alikes that force UCS-2 though the GSM-7 alphabet has a plain equivalent (Uzbek Latin's
# apostrophes above all). Used only when they are all that stands between a text and GSM-7.
_GSM7_LOOKALIKES = str.maketrans(
    {
        "\u02bb": "'",  # ʻ modifier letter turned comma (oʻ, gʻ)
        "\u02bc": "'",  # ʼ modifier letter apostrophe (eʼlon)
        "\u2018": "'",
        "\u2019": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',  # «
        "\u00bb": '"',  # »
        "\u2014": "-",  # —
        "\u2013": "-",  # –
        "\u2116": "No.",  # №
        "\u2026": "...",  # …
        "\u00a0": " ",
    }
)


def gsm_safe(text: str) -> str:
    """``text`` with look-alikes replaced by GSM-7 characters when that makes all of it GSM-7;
    unchanged otherwise (a Cyrillic text goes as UCS-2 anyway and keeps its typography)."""
    if encoding(text) == Encoding.GSM7:
        return text
    replaced = text.translate(_GSM7_LOOKALIKES)
    return replaced if encoding(replaced) == Encoding.GSM7 else text


def reply_fit(text: str, *, suffix: str = "") -> str:
    """An automatic reply whose ``text`` (a note of any length) is cut so that it and ``suffix`` (a
    pointer to where the rest can be read) go in one GSM-7 part, or else in two UCS-2 parts."""
    whole = gsm_safe(text)
    if parts(whole) <= MAX_REPLY_PARTS[encoding(whole)]:
        return whole
    cut_suffix = gsm_safe(" " + suffix) if suffix else ""
    return gsm_safe(fit(whole, max_parts=MAX_REPLY_PARTS[encoding(whole + cut_suffix)], suffix=cut_suffix))
