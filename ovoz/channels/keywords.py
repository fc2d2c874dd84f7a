"""SMS keywords, accepted in every interface language and script (STATUS, СТАТУС, HOLAT, ҲОЛАТ …)."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    STATUS = "status"
    NEW = "new"
    STOP = "stop"


_WORDS = {
    Keyword.STATUS: ["status", "статус", "holat", "ҳолат", "холат", "вазъ", "абал", "күй", "мәртебе"],
    Keyword.NEW: ["new", "новое", "новая", "новый", "yangi", "янги", "нав", "жаңы", "жаңа"],
    Keyword.STOP: ["stop", "стоп", "toxta", "тўхта", "тухта", "бас", "қатъ", "токтот", "тоқтат"],
}
_LOOKUP = {word: keyword for keyword, words in _WORDS.items() for word in words}
_APOSTROPHES = re.compile(r"[\u02bb\u02bc\u2018\u2019'`]")


def keyword_split(text: str) -> tuple[Keyword | None, str]:
    """The keyword a message starts with, if any, and the rest of the message."""
    stripped = text.strip()
    first, _space, rest = stripped.partition(" ")
    word = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", first).casefold()).strip(".,!:;")
    keyword = _LOOKUP.get(word)
    return (keyword, rest.strip()) if keyword else (None, stripped)
