"""JSON can carry text no database can store: lone surrogates such as "\\ud800"."""

from __future__ import annotations

from typing import Any


def has_unstorable_text(value: Any) -> bool:
    """True if any string in a parsed JSON value cannot be encoded as UTF-8 (a lone surrogate)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(has_unstorable_text(key) or has_unstorable_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(has_unstorable_text(item) for item in value)
    return False
