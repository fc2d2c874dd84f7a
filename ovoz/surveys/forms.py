"""Reading an XLSForm workbook: its sheets as rows with their spreadsheet row numbers, and its
translated columns (``label::Tajik (tg)``) mapped to Ovoz's languages.

Ovoz reads the cells itself, with openpyxl, so that every problem can name the sheet, row and column
a person fixes in their spreadsheet; pyxform reads the same workbook to check it as ODK would
(``ovoz.surveys.form_checks``).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from openpyxl import load_workbook

SURVEY_SHEET = "survey"
CHOICES_SHEET = "choices"
SETTINGS_SHEET = "settings"
SHEETS = (SURVEY_SHEET, CHOICES_SHEET, SETTINGS_SHEET)

# Column headers XLSForm (and KoboToolbox's exports) spell in several ways, to the one Ovoz reads.
COLUMN_ALIASES = {
    "caption": "label",
    "relevance": "relevant",
    "calculate": "calculation",
    "constraining_message": "constraint_message",
    "constraint message": "constraint_message",
    "jr:constraintmsg": "constraint_message",
    "requiredmsg": "required_message",
    "required message": "required_message",
    "jr:requiredmsg": "required_message",
    "list name": "list_name",
    "value": "name",
    "form title": "form_title",
    "form id": "form_id",
    "default language": "default_language",
    "repeat count": "repeat_count",
    "jr:count": "repeat_count",
    "choice filter": "choice_filter",
}
# Columns whose text is translated, one column per language.
TRANSLATED_COLUMNS = frozenset(
    {"label", "hint", "guidance_hint", "constraint_message", "required_message", "form_title"}
)
MARK_COLUMN = "ovoz::mark"

# Language codes forms use for Ovoz's languages, besides Ovoz's own (ISO 639-1/-3, country codes).
LANGUAGE_CODE_ALIASES = {
    "eng": "en",
    "rus": "ru",
    "uzb": "uz",
    "uz-latn": "uz",
    "uz_latn": "uz",
    "tj": "tg",
    "tgk": "tg",
    "kg": "ky",
    "kir": "ky",
    "kz": "kk",
    "kaz": "kk",
    "qaa": "kaa",
}
# Language names, in English and in the language itself, lower-cased.
LANGUAGE_NAMES = {
    "english": "en",
    "russian": "ru",
    "русский": "ru",
    "uzbek": "uz",
    "oʻzbek": "uz",
    "o'zbek": "uz",
    "o‘zbek": "uz",
    "oʻzbekcha": "uz",
    "o'zbekcha": "uz",
    "ўзбек": "uz",
    "ўзбекча": "uz",
    "узбекский": "uz",
    "tajik": "tg",
    "tojiki": "tg",
    "тоҷикӣ": "tg",
    "тоджики": "tg",
    "таджикский": "tg",
    "kyrgyz": "ky",
    "kirghiz": "ky",
    "кыргызча": "ky",
    "киргизский": "ky",
    "кыргызский": "ky",
    "kazakh": "kk",
    "қазақша": "kk",
    "қазақ": "kk",
    "казахский": "kk",
    "karakalpak": "kaa",
    "qaraqalpaqsha": "kaa",
    "qaraqalpaq": "kaa",
    "каракалпакский": "kaa",
}
_LANGUAGE_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[^()]+)\)\s*$")


def ovoz_language(text: str) -> str | None:
    """The Ovoz language a form's language tag names ("Tajik (tg)", "tg", "Русский"), or None."""
    offered = {code for code, _name in settings.LANGUAGES}
    text = text.strip()
    candidates = []
    match = _LANGUAGE_WITH_CODE.match(text)
    if match:
        candidates += [match["code"], match["name"]]
    candidates.append(text)
    for candidate in candidates:
        lowered = candidate.strip().lower()
        code = LANGUAGE_CODE_ALIASES.get(lowered, lowered)
        if code in offered:
            return code
        named = LANGUAGE_NAMES.get(lowered)
        if named in offered:
            return named
    return None


@dataclass(frozen=True)
class Column:
    """A column header: what it holds (``key``, e.g. "label") and, for a translated one, the
    language as the form wrote it ("Tajik (tg)", "" when the header has none)."""

    header: str
    key: str
    language_tag: str = ""


def column_parse(header: str) -> Column:
    lowered = header.strip().lower()
    if lowered == MARK_COLUMN:
        return Column(header, MARK_COLUMN)
    base, separator, language_tag = header.partition("::")
    key = base.strip().lower()
    key = COLUMN_ALIASES.get(key, key)
    return Column(header, key, language_tag.strip() if separator else "")


@dataclass
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    cells: dict[str, str]  # header -> text, empty cells left out

    def get(self, header: str | None) -> str:
        return self.cells.get(header, "") if header else ""


@dataclass
class Sheet:
    name: str  # as the workbook spells it
    columns: list[Column] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def header_for(self, key: str) -> str | None:
        """The header of the untranslated column holding ``key`` (the first one), if any."""
        return next((column.header for column in self.columns if column.key == key), None)

    def translated(self, key: str) -> list[Column]:
        return [column for column in self.columns if column.key == key]


class WorkbookUnreadable(Exception):
    """Not an .xlsx workbook openpyxl can open."""


def cell_text(value: object) -> str:
    """A cell as text, as pyxform reads it (1.0 is "1", True is "TRUE")."""
    if value is None:
        return ""
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\xa0", " ").strip()


def workbook_read(data: bytes) -> dict[str, Sheet]:
    """The survey, choices and settings sheets (by lower-cased name) with their non-empty rows."""
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise WorkbookUnreadable(str(error)) from error
    sheets: dict[str, Sheet] = {}
    try:
        for worksheet in workbook.worksheets:
            name = worksheet.title.strip().lower()
            if name not in SHEETS:
                continue
            sheet = Sheet(name=worksheet.title)
            rows = worksheet.iter_rows(values_only=True)
            headers = [cell_text(value) for value in next(rows, ())]
            sheet.columns = [column_parse(header) for header in headers if header]
            for number, values in enumerate(rows, start=2):
                cells = {
                    header: text
                    for header, text in zip(headers, (cell_text(value) for value in values), strict=False)
                    if header and text
                }
                if cells:
                    sheet.rows.append(Row(number=number, cells=cells))
            sheets[name] = sheet
    finally:
        workbook.close()
    return sheets
