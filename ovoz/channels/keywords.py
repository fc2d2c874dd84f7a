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
# The first word ends at any space (a line break, a tab, a phone's non-breaking space) or punctuation:
# "SECRET\nmy husband…" and "СЕКРЕТ,муж…" are confidential reports as surely as "SECRET my husband…".
_FIRST_WORD = re.compile(r"\s*([^\s.,!:;]+)[\s.,!:;]*(.*)", re.DOTALL)


def keyword_split(text: str) -> tuple[Keyword | None, str]:
    """The keyword a message starts with, if any, and the rest of the message.

    STOP is a keyword only as the whole message ("STOP", "стоп."): a report that begins with the word
    ("Stop sign stolen at the school", Kazakh "Бас дәрігер…", the head doctor) is a report, not a
    request to be forgotten, as carriers treat STOP.
    """
    stripped = text.strip()
    match = _FIRST_WORD.match(stripped)
    if match is None:
        return None, stripped
    first, rest = match.group(1), match.group(2).strip()
    word = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", first).casefold())
    keyword = _LOOKUP.get(word)
    if keyword is None or (keyword == Keyword.STOP and rest):
        return None, stripped
    return keyword, rest
