"""Translation catalogs without GNU gettext: extract, update, compile and check with Babel.

Django's makemessages needs xgettext, which a fresh machine with only Python lacks. Babel reads
Python sources directly, and Django's own ``templatize`` turns templates into the Python-like text
that makemessages would hand to xgettext, so both produce the same messages.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.utils.translation.template import templatize

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
DOMAIN = "django"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
CONTEXT_FUNCTIONS = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}
COMMENT_TAGS = ["Translators:"]
SKIPPED_DIRS = {"tests", "migrations", "__pycache__", "static"}


def translated_languages() -> list[str]:
    """Every interface language except the English source."""
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def _source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE_DIR.rglob("*")):
        relative = path.relative_to(PACKAGE_DIR)
        if SKIPPED_DIRS.intersection(relative.parts[:-1]) or not path.is_file():
            continue
        if path.suffix == ".py" or (path.suffix in {".html", ".txt"} and "templates" in relative.parts):
            yield path


def extract() -> Catalog:
    """Every translatable message in the ``ovoz`` package, as a template catalog."""
    catalog = Catalog(project="Ovoz", fuzzy=False, copyright_holder="Ovoz contributors")
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            text = templatize(text, origin=str(path))
        location = str(path.relative_to(PACKAGE_DIR.parent))
        extracted: Iterator[Any] = extract_python(
            io.BytesIO(text.encode("utf-8")), KEYWORDS, COMMENT_TAGS, {"encoding": "utf-8"}
        )
        for lineno, function, message, comments in extracted:
            context = None
            if isinstance(message, tuple):
                if function in CONTEXT_FUNCTIONS:
                    context, message = message[0], message[1:]
                # Babel yields None for arguments that are not literals (the count of ngettext).
                message = tuple(part for part in message if part is not None)
                if len(message) == 1:
                    message = message[0]
            if not message or (isinstance(message, tuple) and not all(message)):
                continue
            catalog.add(message, locations=[(location, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def update() -> dict[str, int]:
    """Bring every catalog in line with the sources; returns how many messages each still lacks."""
    template = extract()
    missing: dict[str, int] = {}
    for language in translated_languages():
        path = po_path(language)
        catalog = _read(language) if path.exists() else Catalog(locale=language, domain=DOMAIN, project="Ovoz")
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.fuzzy = False
        catalog.copyright_holder = "Ovoz contributors"
        catalog.msgid_bugs_address = ""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=False, include_previous=False)
        missing[language] = sum(1 for message in catalog if message.id and not _is_translated(message.string))
    return missing


def compile_all() -> list[Path]:
    """Write the .mo file next to each .po file."""
    written = []
    for language in translated_languages():
        catalog = _read(language)
        target = po_path(language).with_suffix(".mo")
        # Written beside the target and renamed over it: parallel test processes (and a server reading
        # catalogs while `make run` compiles them) never see a half-written file.
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        os.replace(partial, target)
        written.append(target)
    return written


def _is_translated(string: Any) -> bool:
    if isinstance(string, tuple | list):
        return bool(string) and all(part.strip() for part in string)
    return bool(string and string.strip())


@dataclass(frozen=True)
class CatalogProblem:
    language: str
    message: str
    problem: str

    def __str__(self) -> str:
        return f"{self.language}: {self.problem}: {self.message!r}"


def check() -> list[CatalogProblem]:
    """Every source message translated in every language, no fuzzy or stale entries, placeholders kept."""
    template = extract()
    wanted = {
        (message.context, message.id if isinstance(message.id, str) else message.id[0])
        for message in template
        if message.id
    }
    problems: list[CatalogProblem] = []
    for language in translated_languages():
        path = po_path(language)
        if not path.exists():
            problems.append(CatalogProblem(language, str(path), "catalog missing"))
            continue
        try:
            catalog = _read(language)
        except Exception as error:  # a syntax error in the .po file
            problems.append(CatalogProblem(language, str(path), f"does not parse ({error})"))
            continue
        present = set()
        for message in catalog:
            if not message.id:
                continue
            key = (message.context, message.id if isinstance(message.id, str) else message.id[0])
            present.add(key)
            label = key[1]
            if key not in wanted:
                problems.append(CatalogProblem(language, label, "not in the sources any more"))
            if message.fuzzy:
                problems.append(CatalogProblem(language, label, "marked fuzzy"))
            if not _is_translated(message.string):
                problems.append(CatalogProblem(language, label, "not translated"))
            for issue in message.check(catalog):
                problems.append(CatalogProblem(language, label, f"placeholders differ ({issue})"))
        for _context, message_id in sorted(wanted - present, key=lambda item: item[1]):
            problems.append(CatalogProblem(language, message_id, "missing from the catalog"))
        try:
            write_mo(io.BytesIO(), catalog, use_fuzzy=False)
        except Exception as compile_error:
            problems.append(CatalogProblem(language, str(path), f"does not compile ({compile_error})"))
    return problems
