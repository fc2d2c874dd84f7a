"""No translatable string is marked inside an f-string.

Python 3.12 tokenizes what is inside an f-string's braces, 3.11 does not: the catalogs' extractor then
finds ``f"{_('All')}"`` on one version and misses it on the other, so a catalog made on 3.11 lacks a
string that 3.12 and 3.13 show untranslated (it happened twice). Translate first, then format."""

from __future__ import annotations

import ast
from pathlib import Path

import ovoz

GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def _marked_in_fstrings(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for value in node.values:
            if not isinstance(value, ast.FormattedValue):
                continue
            for inner in ast.walk(value.value):
                if isinstance(inner, ast.Call):
                    name = inner.func.id if isinstance(inner.func, ast.Name) else getattr(inner.func, "attr", "")
                    if name in GETTEXT_NAMES:
                        lines.append(inner.lineno)
    return lines


def test_the_check_finds_a_string_marked_inside_an_fstring():
    assert _marked_in_fstrings("x = f\"<th>{_('All')}</th>\"\n") == [1]
    assert _marked_in_fstrings("x = f\"<th>{translation.gettext('All')}</th>\"\n") == [1]
    assert _marked_in_fstrings('label = _("All")\nx = f"<th>{label}</th>"\n') == []


def test_no_source_file_marks_a_string_inside_an_fstring():
    root = Path(ovoz.__file__).parent
    found = {
        f"{path.relative_to(root.parent)}:{line}"
        for path in sorted(root.rglob("*.py"))
        if "migrations" not in path.parts
        for line in _marked_in_fstrings(path.read_text(encoding="utf-8"))
    }
    assert not found, sorted(found)
