"""Language detection with py3langid, restricted to the deployment's languages (DESIGN §6).

py3langid has no Karakalpak: it calls Latin Karakalpak Uzbek and Cyrillic Karakalpak Kazakh or Kyrgyz.
When the deployment offers Karakalpak (``kaa``), a second step weighs the spelling traits that set
Karakalpak apart from its neighbours (see ``_karakalpak_evidence``). Cyrillic Karakalpak is detected
too: it is still written, mostly by older people, and a concern is stored with its language, not its
script, so a reply in the Latin interface language is one the reporter reads.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from django.conf import settings
from py3langid.langid import MODEL_FILE, LanguageIdentifier

MINIMUM_CONFIDENCE = 0.5
KARAKALPAK = "kaa"

_WORD = re.compile(r"\w+")
# Latin: the letters of Karakalpak's 2016 alphabet that Uzbek's lacks (ı is often typed í), and the
# letter w, which Karakalpak uses for its [w] (suw "water", the verbal noun in -ıw) and Uzbek never does.
_KARAKALPAK_LATIN_LETTERS = frozenset("áóúıíǵń")
# Uzbek writes oʻ and gʻ with a turned comma, typed as one of several apostrophes, and ch where
# Karakalpak has sh (uch / úsh "three", uchun / ushın "for").
_UZBEK_APOSTROPHE = re.compile(r"[og][ʻʼ'‘’`]")
_KARAKALPAK_LATIN_WORDS = frozenset(
    {"hám", "joq", "menen", "ushın", "ushin", "emes", "kerek", "bul", "atır", "atir", "bolıp", "bolip"}
    | {"jáne", "hesh", "boyınsha", "boyinsha", "onnan", "bizdiń", "úsh", "suw", "jıl", "jer", "qala"}
)
_UZBEK_LATIN_WORDS = frozenset(
    {"va", "bilan", "uchun", "yoʻq", "yo'q", "yoq", "emas", "kerak", "bu", "hech", "yil", "yer", "uch"}
    | {"boʻyicha", "bo'yicha", "boyicha", "undan", "bizning", "shahar", "qishloq", "lekin", "juda"}
)
_UZBEK_LATIN_ENDINGS = ("ning", "moqda", "yapti", "yotgan", "ish")
# Cyrillic: Karakalpak has ў and ҳ, which Kazakh lacks; Kazakh has і, ұ and һ, which Karakalpak lacks
# (it writes и), and writes [w] after a vowel as у (ауыл) where Karakalpak has ў (аўыл). Uzbek and Tajik
# Cyrillic have ў and ҳ too but none of ә, ө, ү, ң, ы; Kyrgyz and Russian have none of қ, ғ, ә, ў, ҳ.
_KAZAKH_FAMILY_LETTERS = frozenset("әөүңы")
_NOT_KYRGYZ_OR_RUSSIAN_LETTERS = frozenset("қғәўҳ")
_KAZAKH_LETTERS = frozenset("іұһ")
_KAZAKH_VOWEL_W = re.compile(r"[аеыоәіөүұи]у")
_KARAKALPAK_CYRILLIC_ENDINGS = ("ди", "ти", "ги", "ки", "ип", "иң")
_KARAKALPAK_CYRILLIC_WORDS = frozenset({"ҳәм", "ушын", "бул", "атыр", "ҳеш", "бойынша"})
_KAZAKH_CYRILLIC_WORDS = frozenset({"және", "үшін", "мен", "бұл", "жатыр", "еш"})


@functools.cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    wanted = [code for code, _name in settings.LANGUAGES if code in identifier.labels]
    identifier.set_languages(wanted)
    return identifier


def _karakalpak_evidence(text: str) -> tuple[int, int]:
    """Points for Karakalpak and for its closest rival (Uzbek in Latin script, Kazakh in Cyrillic)."""
    lowered = unicodedata.normalize("NFC", text).lower()
    words = _WORD.findall(lowered)
    cyrillic = sum(1 for character in lowered if "\u0400" <= character <= "\u04ff")
    latin = sum(1 for character in lowered if character.isalpha()) - cyrillic
    if cyrillic > latin:
        if not (_KAZAKH_FAMILY_LETTERS.intersection(lowered) and _NOT_KYRGYZ_OR_RUSSIAN_LETTERS.intersection(lowered)):
            return 0, 0  # Russian, Kyrgyz, Uzbek or Tajik Cyrillic: py3langid tells those apart
        karakalpak = 2 * sum(lowered.count(letter) for letter in "ўҳ")
        karakalpak += 2 * sum(word in _KARAKALPAK_CYRILLIC_WORDS for word in words)
        if not _KAZAKH_LETTERS.intersection(lowered):
            karakalpak += 1  # a Kazakh-like text that never writes і, ұ or һ is less likely Kazakh
        # Karakalpak's front-vowel endings with и (-ди, -ги, -ип, -иң) are -ді, -гі, -іп, -ің in Kazakh.
        karakalpak += sum(word.endswith(_KARAKALPAK_CYRILLIC_ENDINGS) for word in words)
        kazakh = 2 * sum(lowered.count(letter) for letter in _KAZAKH_LETTERS)
        kazakh += 2 * sum(word in _KAZAKH_CYRILLIC_WORDS for word in words)
        kazakh += 2 * len(_KAZAKH_VOWEL_W.findall(lowered))
        return karakalpak, kazakh
    karakalpak = 2 * sum(1 for character in lowered if character in _KARAKALPAK_LATIN_LETTERS)
    karakalpak += lowered.count("w")
    karakalpak += 2 * sum(word in _KARAKALPAK_LATIN_WORDS for word in words)
    uzbek = 2 * len(_UZBEK_APOSTROPHE.findall(lowered)) + lowered.count("ch")
    uzbek += 2 * sum(word in _UZBEK_LATIN_WORDS for word in words)
    uzbek += sum(word.endswith(_UZBEK_LATIN_ENDINGS) for word in words)
    return karakalpak, uzbek


def is_karakalpak(text: str, *, detected: str = "") -> bool:
    """Whether ``text`` reads as Karakalpak rather than what py3langid made of it (``detected``)."""
    karakalpak, rival = _karakalpak_evidence(text)
    if detected == "en" and not any(character in text.lower() for character in _KARAKALPAK_LATIN_LETTERS):
        # English has w and shares few words with Karakalpak: only its own letters outweigh the model.
        return False
    return karakalpak >= 2 and karakalpak > rival


def language_detect(text: str) -> str:
    """The most likely deployment language of ``text``, or "" when too unsure."""
    if len(text.strip()) < 3:
        return ""
    language, confidence = _identifier().classify(text)
    detected = str(language) if confidence >= MINIMUM_CONFIDENCE else ""
    offered = {code for code, _name in settings.LANGUAGES}
    if KARAKALPAK in offered and is_karakalpak(text, detected=detected):
        return KARAKALPAK
    return detected
