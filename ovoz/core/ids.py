from __future__ import annotations

MAX_ID = 2**63 - 1


def parse_id(value: object) -> int | None:
    """A database id typed by someone: ASCII digits within the 64-bit range, or None.

    ``"²".isdigit()`` is true and a 30-digit number overflows SQLite: neither may reach a query.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def coerce_id(value: object) -> int:
    """``parse_id`` for form fields: a ValueError makes the field invalid instead of a 500."""
    number = parse_id(value)
    if number is None:
        raise ValueError(value)
    return number
