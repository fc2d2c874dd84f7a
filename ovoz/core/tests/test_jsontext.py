"""JSON from outside: its depth is counted without parsing, so a deep document never reaches the parser."""

import json

import pytest

from ovoz.core.jsontext import MAX_DEPTH, json_depth, json_parse


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ('"just a string"', 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('{"a": "[[[{{{"}', 1),  # brackets inside strings do not count
        ('{"a": "a quote \\" then [[["}', 1),  # nor after an escaped quote
        ('{"a": "a backslash \\\\", "b": [[]]}', 3),  # an escaped backslash ends the escape
    ],
)
def test_json_depth_counts_only_brackets_outside_strings(text, depth):
    assert json_depth(text.encode()) == depth


def test_json_nested_past_the_limit_is_refused_before_parsing():
    deepest_allowed = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert json_parse(deepest_allowed.encode()) == json.loads(deepest_allowed)
    with pytest.raises(ValueError, match="nested deeper"):
        json_parse(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    with pytest.raises(ValueError, match="nested deeper"):
        json_parse(b"[" * 100_000 + b"]" * 100_000)  # json.loads alone raises RecursionError here
