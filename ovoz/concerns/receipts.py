"""Receipt codes (DESIGN §3): 80 random bits as 16 Crockford base32 characters in four groups.

Input is case-insensitive, dashes and spaces optional, and the letters Crockford reads as digits
(I, L → 1; O → 0) are accepted. Only a keyed hash is ever stored.
"""

from __future__ import annotations

import secrets

from ovoz.core.crypto import keyed_hash

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 × 5 bits = 80 bits
# Upper-cased input: separators dropped, the letters read as digits made digits.
_CLEAN = str.maketrans({" ": None, "-": None, "\t": None, "\n": None, "I": "1", "L": "1", "O": "0"})
_ALPHABET = frozenset(ALPHABET)


def receipt_generate() -> str:
    value = secrets.randbits(LENGTH * 5)
    characters = []
    for _position in range(LENGTH):
        characters.append(ALPHABET[value & 31])
        value >>= 5
    code = "".join(reversed(characters))
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def receipt_normalise(text: str) -> str | None:
    """The canonical 16 characters of a typed receipt, or None if it cannot be one."""
    cleaned = text.upper().translate(_CLEAN)
    if len(cleaned) != LENGTH or not _ALPHABET.issuperset(cleaned):
        return None
    return cleaned


def receipt_hash(receipt: str) -> str | None:
    normalised = receipt_normalise(receipt)
    return keyed_hash(normalised, purpose="receipt") if normalised else None
