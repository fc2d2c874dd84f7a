"""SMS parts: GSM-7 with its extension table, or UCS-2, checked against known values."""

import pytest

from ovoz.core.sms import Encoding, encoding, fit, gsm_safe, length, parts, reply_fit


@pytest.mark.parametrize(
    ("text", "kind", "units", "expected_parts"),
    [
        ("", Encoding.GSM7, 0, 0),
        ("a" * 160, Encoding.GSM7, 160, 1),
        ("a" * 161, Encoding.GSM7, 161, 2),
        ("a" * 306, Encoding.GSM7, 306, 2),
        ("a" * 307, Encoding.GSM7, 307, 3),
        ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà", Encoding.GSM7, 61, 1),
        # Extension characters take two septets each...
        ("€" * 80, Encoding.GSM7, 160, 1),
        ("{}" * 40 + "a", Encoding.GSM7, 161, 2),
        # ...and an escape pair is never split: 152 + 2 does not fit the first 153, so it opens part two.
        ("a" * 152 + "€" * 5, Encoding.GSM7, 162, 2),
        ("a" * 153 + "[" * 77, Encoding.GSM7, 307, 3),
        # One character outside GSM-7 makes the whole text UCS-2.
        ("a" * 69 + "я", Encoding.UCS2, 70, 1),
        ("я" * 71, Encoding.UCS2, 71, 2),
        ("я" * 134, Encoding.UCS2, 134, 2),
        ("я" * 135, Encoding.UCS2, 135, 3),
        ("Oʻzbekcha", Encoding.UCS2, 9, 1),
        ("№ 5", Encoding.UCS2, 3, 1),
        ("a — b", Encoding.UCS2, 5, 1),
        ("ç", Encoding.UCS2, 1, 1),  # the basic table has only the capital Ç
        # A character beyond the BMP is a surrogate pair, never split.
        ("😀" * 35, Encoding.UCS2, 70, 1),
        ("a" + "😀" * 34, Encoding.UCS2, 69, 1),
        ("a" * 66 + "😀" * 2, Encoding.UCS2, 70, 1),
        ("a" * 66 + "😀" * 3, Encoding.UCS2, 72, 2),
        ("a" * 66 + "😀" + "a" * 67, Encoding.UCS2, 135, 3),
    ],
)
def test_encoding_length_and_parts_match_known_values(text, kind, units, expected_parts):
    assert encoding(text) == kind
    assert length(text) == units
    assert parts(text) == expected_parts


def test_gsm_safe_replaces_look_alikes_only_when_that_makes_the_text_gsm7():
    assert gsm_safe("Oʻzbek tiliga eʼlon «tez» — №5 …") == "O'zbek tiliga e'lon \"tez\" - No.5 ..."
    assert encoding(gsm_safe("Oʻzbek — «tez»")) == Encoding.GSM7
    cyrillic = "Обращение «№5» — принято"
    assert gsm_safe(cyrillic) == cyrillic


def test_fit_cuts_at_a_word_and_keeps_the_suffix():
    note = "The road to school no. 12 is flooded again " * 10
    cut = fit(note, max_parts=1, suffix=" More: https://ovoz.example.org/en/follow/")
    assert parts(cut) == 1 and len(cut) > 140
    assert cut.endswith("... More: https://ovoz.example.org/en/follow/")
    assert note.startswith(cut.split("...")[0])
    assert cut.split("...")[0].endswith(("road", "school", "no", "12", "is", "flooded", "again", "The", "to"))
    assert fit("short", max_parts=1, suffix=" More") == "short"


def test_reply_fit_allows_one_gsm7_part_or_two_ucs2_parts():
    latin = reply_fit("Ovoz: concern no. 5 is accepted. " + "word " * 100, suffix="More: x")
    assert encoding(latin) == Encoding.GSM7 and parts(latin) == 1 and latin.endswith("... More: x")
    cyrillic = reply_fit("Ovoz: обращение №5 принято. " + "слово " * 100, suffix="Подробнее: x")
    assert encoding(cyrillic) == Encoding.UCS2 and parts(cyrillic) == 2 and cyrillic.endswith("… Подробнее: x")
    uzbek = reply_fit("Ovoz: No. 5 holati: qabul qilingan. Yoʻl taʼmirlanadi. " * 10, suffix="Batafsil: x")
    assert encoding(uzbek) == Encoding.GSM7 and parts(uzbek) == 1
