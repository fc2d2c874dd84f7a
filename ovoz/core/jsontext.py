"""JSON from outside: text no database can store (lone surrogates such as "\\ud800"), and nesting
deep enough to exhaust the parser's stack."""

from __future__ import annotations

import json
import re
from itertools import accumulate
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


# JSON that a webhook or API client sends is a few levels deep (a Telegram update is under ten); the
# json module parses nesting on the C stack and raises RecursionError (a 500) past about a thousand.
MAX_DEPTH = 32

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_DEPTH_STEP = tuple(1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256))


def json_depth(body: bytes) -> int:
    """How deeply the arrays and objects of JSON text nest, counted without parsing it (linear time)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def json_parse(body: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text that nests at most ``max_depth`` levels; ValueError for anything else."""
    if json_depth(body) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    return json.loads(body)
