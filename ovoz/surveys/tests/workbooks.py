"""Small XLSForms built in the tests (the real-shaped forms live in tests/forms/)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::Tajik (tg)",
    "label::Russian (ru)",
    "hint::English (en)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "constraint_message::Tajik (tg)",
    "calculation",
    "ovoz::mark",
]
CHOICES_HEADER = ["list_name", "name", "label::English (en)", "label::Tajik (tg)", "label::Russian (ru)"]

# A small safety survey: two groups, skip logic, a constraint, marks for gender, age and a sensitive question.
SURVEY_ROWS: list[dict[str, Any]] = [
    {"type": "start", "name": "start"},
    {
        "type": "begin_group",
        "name": "about",
        "label::English (en)": "About you",
        "label::Tajik (tg)": "Дар бораи шумо",
        "label::Russian (ru)": "О вас",
    },
    {
        "type": "select_one gender",
        "name": "gender",
        "label::English (en)": "Are you…",
        "label::Tajik (tg)": "Шумо…",
        "label::Russian (ru)": "Вы…",
        "required": "yes",
        "ovoz::mark": "gender",
    },
    {
        "type": "integer",
        "name": "age",
        "label::English (en)": "How old are you?",
        "label::Tajik (tg)": "Шумо чандсолаед?",
        "label::Russian (ru)": "Сколько вам лет?",
        "required": "yes",
        "constraint": ". >= 16 and . <= 110",
        "constraint_message::English (en)": "Between 16 and 110",
        "constraint_message::Tajik (tg)": "Аз 16 то 110",
        "ovoz::mark": "age",
    },
    {"type": "end_group", "name": ""},
    {
        "type": "begin_group",
        "name": "safety",
        "label::English (en)": "Safety",
        "label::Tajik (tg)": "Амният",
        "label::Russian (ru)": "Безопасность",
    },
    {
        "type": "select_one yes_no",
        "name": "violence_home",
        "label::English (en)": "Have you experienced violence at home?",
        "label::Tajik (tg)": "Оё шумо дар хона зӯроварӣ дидаед?",
        "label::Russian (ru)": "Сталкивались ли вы с насилием дома?",
        "ovoz::mark": "sensitive",
    },
    {
        "type": "select_multiple places",
        "name": "unsafe_places",
        "label::English (en)": "Where do you feel unsafe?",
        "label::Tajik (tg)": "Дар куҷо худро бехатар ҳис намекунед?",
        "label::Russian (ru)": "Где вы чувствуете себя небезопасно?",
        "relevant": "${violence_home} = 'yes'",
    },
    {
        "type": "text",
        "name": "comment",
        "label::English (en)": "Anything else?",
        "label::Tajik (tg)": "Боз чизе?",
        "label::Russian (ru)": "Что-нибудь ещё?",
        "hint::English (en)": "Optional",
    },
    {"type": "end_group", "name": ""},
    {"type": "calculate", "name": "adult", "calculation": "${age} >= 18"},
]
CHOICE_ROWS: list[dict[str, Any]] = [
    {
        "list_name": "gender",
        "name": "woman",
        "label::English (en)": "a woman",
        "label::Tajik (tg)": "зан",
        "label::Russian (ru)": "женщина",
    },
    {
        "list_name": "gender",
        "name": "man",
        "label::English (en)": "a man",
        "label::Tajik (tg)": "мард",
        "label::Russian (ru)": "мужчина",
    },
    {
        "list_name": "yes_no",
        "name": "yes",
        "label::English (en)": "Yes",
        "label::Tajik (tg)": "Ҳа",
        "label::Russian (ru)": "Да",
    },
    {
        "list_name": "yes_no",
        "name": "no",
        "label::English (en)": "No",
        "label::Tajik (tg)": "Не",
        "label::Russian (ru)": "Нет",
    },
    {
        "list_name": "places",
        "name": "street",
        "label::English (en)": "Street",
        "label::Tajik (tg)": "Кӯча",
        "label::Russian (ru)": "Улица",
    },
    {
        "list_name": "places",
        "name": "market",
        "label::English (en)": "Market",
        "label::Tajik (tg)": "Бозор",
        "label::Russian (ru)": "Рынок",
    },
]
SETTINGS = {
    "form_title": "Community safety",
    "form_id": "community_safety",
    "version": "2027-01",
    "default_language": "English (en)",
}


def workbook_bytes(
    survey: list[dict[str, Any]] | None = None,
    choices: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    survey_header: list[str] | None = None,
    choices_header: list[str] | None = None,
) -> bytes:
    """An .xlsx with survey, choices and settings sheets (rows as dicts; header order given)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    header = survey_header or SURVEY_HEADER
    sheet.append(header)
    for row in SURVEY_ROWS if survey is None else survey:
        sheet.append([row.get(column) for column in header])
    choice_sheet = book.create_sheet("choices")
    header = choices_header or CHOICES_HEADER
    choice_sheet.append(header)
    for row in CHOICE_ROWS if choices is None else choices:
        choice_sheet.append([row.get(column) for column in header])
    values = SETTINGS if settings is None else settings
    if values:
        settings_sheet = book.create_sheet("settings")
        settings_sheet.append(list(values))
        settings_sheet.append(list(values.values()))
    output = BytesIO()
    book.save(output)
    return output.getvalue()
