"""An automatic first pass over a public text: mask what identifies people.

It masks phone numbers, e-mail addresses and long digit runs that look like document, passport or
account numbers. Names and addresses cannot be found reliably by a machine; the facilitator reviews
the text before publishing.
"""

from __future__ import annotations

import re

MASK = "███"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# +998 90 123 45 67, 8 (701) 123-45-67, 0555 12 34 56: 7 or more digits with separators.
_PHONE = re.compile(r"(?<![\w])(?:\+|\b)(?:\d[\s().-]{0,2}){7,14}\d\b")
# Passport and ID numbers: letters followed by 6+ digits (AA1234567), or 8+ digits in a row.
_DOCUMENT = re.compile(r"\b[A-ZА-ЯЁ]{1,3}[\s№-]?\d{6,}\b|\b\d{8,}\b")


def redact(text: str) -> str:
    """Mask e-mails, phone numbers and document-like numbers."""
    text = _EMAIL.sub(MASK, text)
    # Phones before documents, so a phone written without separators loses its "+" with its digits.
    text = _PHONE.sub(MASK, text)
    return _DOCUMENT.sub(MASK, text)
