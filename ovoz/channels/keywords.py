"""SMS keywords, accepted in every interface language and script (STATUS, СТАТУС, HOLAT, ҲОЛАТ, JAǴDAY …).

SECRET starts a confidential concern with the rest of the message: its words are sealed to the
recipients as soon as they arrive (docs/adr/0007-sealed-channel-reports.md).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Keyword(StrEnum):
    STATUS = "status"
    NEW = "new"
    STOP = "stop"
    SECRET = "secret"  # noqa: S105 (the keyword for a confidential report, not a credential)


_WORDS = {
    Keyword.STATUS: ["status", "статус", "holat", "ҳолат", "холат", "вазъ", "абал", "күй", "мәртебе"]
    + ["jaǵday", "jagday", "жағдай"],
    Keyword.NEW: ["new", "новое", "новая", "новый", "yangi", "янги", "нав", "жаңы", "жаңа", "jańa", "jana"],
    Keyword.STOP: ["stop", "стоп", "toxta", "тўхта", "тухта", "бас", "қатъ", "токтот", "тоқтат", "toqtat"],
    # en, ru, uz (Latin and Cyrillic), tg, ky, kk, kaa (Latin and Cyrillic); with and without the letters
    # a plain keypad lacks.
    Keyword.SECRET: [
        "secret",
        "confidential",
        "тайно",
        "секрет",
        "конфиденциально",
        "maxfiy",
        "махфий",
        "махфӣ",
        "махфи",
        "купуя",
        "құпия",
        "қупия",
        "купия",
        "qupıya",
        "qupiya",
        "қупыя",
        "купыя",
    ],
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
