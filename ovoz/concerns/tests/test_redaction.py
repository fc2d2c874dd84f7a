"""The automatic first pass masks the phone formats its own comment lists (issue 12, point 9: a
redaction that dropped the dash from its separators let ``+998 90 123-45-67`` through)."""

import pytest

from ovoz.concerns.redaction import MASK, redact


@pytest.mark.parametrize(
    "phone",
    [
        "+998 90 123-45-67",  # Uzbekistan, the format the comment names
        "8 (701) 123-45-67",  # Kazakhstan, the format the comment names
        "0555 12 34 56",  # Kyrgyzstan, the format the comment names
        "+998901234567",
        "+7 (701) 123 45 67",
        "+992 93 555-12-34",
        "+996 (555) 12-34-56",
        "90.123.45.67",
        "+998-90-123-45-67",
    ],
)
def test_every_listed_phone_format_is_masked_whole(phone):
    redacted = redact(f"Call my brother on {phone} after work.")
    assert redacted == f"Call my brother on {MASK} after work."


def test_a_phone_is_masked_inside_other_words_and_two_phones_both():
    text = "Azamat (8 (701) 123-45-67) or Dilfuza, +998 90 123-45-67, saw it."
    redacted = redact(text)
    assert "123" not in redacted and "45-67" not in redacted
    assert redacted.count(MASK) == 2
    assert redacted.startswith("Azamat (") and redacted.endswith(" saw it.")


def test_e_mails_and_document_numbers_are_masked_and_short_numbers_are_kept():
    redacted = redact("Write to ali.valiev@mail.uz, passport AA1234567, house 12, 3 children, year 2024.")
    assert redacted == f"Write to {MASK}, passport {MASK}, house 12, 3 children, year 2024."
