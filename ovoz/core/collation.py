"""Alphabetical order as readers of each interface language expect it.

Python sorts by code point, which puts the letters Central Asian alphabets add to the Russian one
(Қ, Ғ, Ө, Ү, Ҳ, Ҷ, ...) after Я, and Uzbek's Oʻ, Gʻ, Sh and Ch among O, G, S and C. ICU through
PyICU would need a compiled extension (or an unofficial 18 MB wheel), and even then its CLDR data
has no Tajik or Karakalpak tailoring (Ӣ sorts as a kind of И, Ӯ as a kind of У) and no Uzbek Ng.
The alphabets below are short, official and stable, so Ovoz keeps them here.

``collation_key`` compares letter by letter in the language's alphabet; a multi-letter unit
(Uzbek ``sh``, ``oʻ``...) counts as one letter. Before any letter come spaces, then punctuation,
then digits (as ICU does). A letter outside the alphabet sorts as its base letter where it has one
(é as e), else after the alphabet's letters. Case and accents only break ties.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.utils.translation import get_language

T = TypeVar("T")

# The letters of each alphabet in order, lower case; a letter written with two characters is one
# entry. Sources: the official alphabets (Uzbek Latin, 1995; Karakalpak Latin, 2016; Kazakh,
# Kyrgyz and Tajik Cyrillic as taught and printed in their dictionaries).
ALPHABETS: dict[str, tuple[str, ...]] = {
    "en": tuple("abcdefghijklmnopqrstuvwxyz"),
    "ru": tuple("абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    "uz": (*"abdefghijklmnopqrstuvxyz", "oʻ", "gʻ", "sh", "ch", "ng"),
    "kaa": (*"aábdefgǵhxıijkqlmnńoóprstuúvwyz", "sh", "c", "ch"),
    "kk": tuple("аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя"),
    "ky": tuple("абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"),
    "tg": tuple("абвгғдеёжзиӣйкқлмнопрстуӯфхҳчҷшъэюя"),
}

# Letters that dictionaries of the language file under another one.
_SAME_LETTER: dict[str, dict[str, str]] = {
    "ru": {"ё": "е"},  # Russian dictionaries do not separate Ё from Е
    "kaa": {"í": "ı"},  # the capital of Karakalpak ı is Í, whose lower case is í
}

# Every apostrophe-like character a keyboard produces; in Uzbek and Karakalpak the one after o and g
# is part of the letter (oʻ, gʻ), any other is the separation sign (tutuq belgisi) and is ignored.
_APOSTROPHES = frozenset("'`´ʻʼ‘’")
_TURNED_COMMA = "ʻ"
_LETTERS_WITH_APOSTROPHE = {"uz": frozenset("og")}

# Letters of no language in use (a Latin name in a Cyrillic list, say): after the language's own
# alphabet, Latin before Cyrillic, each in the order of its best-known alphabet.
_OTHER_LETTERS = {letter: rank for rank, letter in enumerate((*ALPHABETS["en"], *ALPHABETS["ru"]))}

_SPACE, _PUNCTUATION, _DIGIT, _LETTER, _OTHER_LETTER, _OTHER_CHARACTER = range(6)

_MAX_UNIT = max(len(letter) for alphabet in ALPHABETS.values() for letter in alphabet)
_RANKS: dict[str, dict[str, int]] = {
    language: {letter: rank for rank, letter in enumerate(alphabet)} for language, alphabet in ALPHABETS.items()
}

CollationKey = tuple[tuple[tuple[int, int], ...], str, str]


def collation_language(language: str | None = None) -> str:
    """The language whose alphabet orders text for ``language`` (the active language by default)."""
    language = (language or get_language() or settings.LANGUAGE_CODE).lower()
    return language if language in ALPHABETS else language.split("-")[0]


def collation_key(text: str, language: str | None = None) -> CollationKey:
    """A key that sorts ``text`` in the alphabetical order of ``language`` (the active one by default)."""
    language = collation_language(language)
    ranks = _RANKS.get(language, _RANKS["en"])
    same_letter = _SAME_LETTER.get(language, {})
    folded = unicodedata.normalize("NFC", text).casefold()
    folded = _normalise_apostrophes(folded, language)
    primary: list[tuple[int, int]] = []
    position = 0
    while position < len(folded):
        for length in range(min(_MAX_UNIT, len(folded) - position), 0, -1):
            unit = folded[position : position + length]
            unit = same_letter.get(unit, unit)
            if unit in ranks:
                primary.append((_LETTER, ranks[unit]))
                position += length
                break
        else:
            weight = _weight_of_other(folded[position], ranks)
            if weight is not None:
                primary.append(weight)
            position += 1
    return tuple(primary), folded, text.swapcase()  # as ICU: lower case before upper on a tie


def sorted_by_name(items: Iterable[T], *, name: Callable[[T], str], language: str | None = None) -> list[T]:
    """``items`` sorted by ``name(item)`` in the alphabetical order of ``language`` (the active one by default)."""
    language = collation_language(language)
    return sorted(items, key=lambda item: collation_key(name(item), language))


def _normalise_apostrophes(text: str, language: str) -> str:
    with_apostrophe = _LETTERS_WITH_APOSTROPHE.get(language)
    if with_apostrophe is None:
        return text
    characters = list(text)
    for index, character in enumerate(characters):
        if character in _APOSTROPHES and index and characters[index - 1] in with_apostrophe:
            characters[index] = _TURNED_COMMA
    return "".join(characters)


def _weight_of_other(character: str, ranks: dict[str, int]) -> tuple[int, int] | None:
    """The weight of a character that is no letter of the alphabet; None when it does not count."""
    if character in _APOSTROPHES:
        return None  # the separation sign: "Isʼhoq" sorts as "Ishoq" would, letter by letter
    category = unicodedata.category(character)
    if category.startswith("M"):
        return None  # a combining accent that NFC could not join: only breaks ties
    if category.startswith("Z") or character.isspace():
        return (_SPACE, 0)
    if category.startswith("N"):
        digit = unicodedata.digit(character, None)
        return (_DIGIT, digit if digit is not None else ord(character))
    if category.startswith("L"):
        base = unicodedata.normalize("NFD", character)[0]
        if base in ranks:
            return (_LETTER, ranks[base])
        if base in _OTHER_LETTERS:
            return (_OTHER_LETTER, _OTHER_LETTERS[base])
        return (_OTHER_LETTER, len(_OTHER_LETTERS) + ord(character))
    if category.startswith("P"):
        return (_PUNCTUATION, ord(character))
    return (_OTHER_CHARACTER, ord(character))
