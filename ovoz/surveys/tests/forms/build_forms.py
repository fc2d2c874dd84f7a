"""Writes the test XLSForms next to this file (run it after changing it, and commit the .xlsx it writes):

    PYTHONPATH=$PWD /work/main/.venv/bin/python -m ovoz.surveys.tests.forms.build_forms

- community_safety.xlsx: a community safety perception survey in the style civil-society organisations in
  Central Asia use, labels in English, Russian, Uzbek (Latin), Tajik, Kyrgyz and Kazakh, written from
  community_safety.json (the questions, choices and their translations);
- every_type.xlsx: every type Ovoz runs, once, in English and Russian;
- refused.xlsx: a form Ovoz must refuse, and refused.expected.json with the problems it must list
  (sheet, spreadsheet row with the header as row 1, column header, problem code).

Translations are machine quality: good enough to test with, to be checked by speakers before real use.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
MARK = "ovoz::mark"
Cell = str | int | None


def translated(prefix: str, languages: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{prefix}::{name} ({code})" for name, code in languages]


def write(path: Path, sheets: dict[str, list[list[Cell]]]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    # Fixed document dates, so rebuilding without changes leaves the committed files' contents alone.
    workbook.properties.created = datetime.datetime(2026, 12, 1)  # noqa: DTZ001 - a file property
    workbook.properties.modified = datetime.datetime(2026, 12, 1)  # noqa: DTZ001
    workbook.save(path)


def community_safety() -> dict[str, list[list[Cell]]]:
    source: dict[str, Any] = json.loads((HERE / "community_safety.json").read_text(encoding="utf-8"))
    languages = [(name, code) for name, code in source["languages"]]
    labels, hints = translated("label", languages), translated("hint", languages)
    messages = translated("constraint_message", languages)
    header: list[Cell] = ["type", "name", *labels, *hints, "required", "relevant", "constraint", *messages]
    header += ["calculation", MARK]
    survey: list[list[Cell]] = [header]
    nothing = [""] * len(languages)
    for question in source["survey"]:
        label, hint, message = (question.get(key) or nothing for key in ("label", "hint", "message"))
        survey.append(
            [
                question["type"],
                question["name"],
                *label,
                *hint,
                question.get("required", ""),
                question.get("relevant", ""),
                question.get("constraint", ""),
                *message,
                question.get("calculation", ""),
                question.get("mark", ""),
            ]
        )
    choices: list[list[Cell]] = [["list_name", "name", *labels]]
    for list_name, items in source["choices"].items():
        for name, *texts in items:
            choices.append([list_name, name, *texts])
    settings: list[list[Cell]] = [list(source["settings"]), list(source["settings"].values())]
    return {"survey": survey, "choices": choices, "settings": settings}


EN_RU = (("English", "en"), ("Russian", "ru"))


def every_type() -> dict[str, list[list[Cell]]]:
    header: list[Cell] = ["type", "name", *translated("label", EN_RU), *translated("hint", EN_RU), "required"]
    header += ["relevant", "constraint", *translated("constraint_message", EN_RU), "calculation"]

    def row(kind: str, name: str, en: str, ru: str, **extra: str) -> list[Cell]:
        return [
            kind,
            name,
            en,
            ru,
            extra.get("hint_en", ""),
            extra.get("hint_ru", ""),
            extra.get("required", ""),
            extra.get("relevant", ""),
            extra.get("constraint", ""),
            extra.get("message_en", ""),
            extra.get("message_ru", ""),
            extra.get("calculation", ""),
        ]

    survey = [
        header,
        row("note", "intro", "Every question type, once.", "Каждый тип вопроса по одному разу."),
        row("begin_group", "household", "Household", "Домохозяйство"),
        row(
            "text",
            "respondent_name",
            "Your first name",
            "Ваше имя",
            hint_en="Only your first name.",
            hint_ru="Только имя.",
            required="yes",
        ),
        row(
            "integer",
            "household_size",
            "How many people live in your household?",
            "Сколько человек живёт в вашем домохозяйстве?",
            required="yes",
            constraint=". >= 1 and . <= 40",
            message_en="Between 1 and 40.",
            message_ru="От 1 до 40.",
        ),
        row(
            "decimal",
            "monthly_income",
            "Monthly household income (somoni)",
            "Месячный доход домохозяйства (сомони)",
            constraint=". >= 0",
            message_en="The income cannot be negative.",
            message_ru="Доход не может быть отрицательным.",
        ),
        row(
            "calculate",
            "income_per_person",
            "",
            "",
            calculation="if(${household_size} > 0, round(${monthly_income} div ${household_size}, 2), 0)",
        ),
        row("end_group", "", "", ""),
        row("select_one yes_no", "has_phone", "Do you have a mobile phone?", "Есть ли у вас мобильный телефон?"),
        row(
            "select_multiple channels",
            "channels",
            "How do you get news?",
            "Откуда вы узнаёте новости?",
            relevant="${has_phone} = 'yes'",
            constraint="not(selected(., 'none') and count-selected(.) > 1)",
            message_en="'None' cannot be chosen with other answers.",
            message_ru="«Нет» нельзя выбрать вместе с другими ответами.",
        ),
        row(
            "date",
            "visit_date",
            "Date of the visit",
            "Дата визита",
            required="yes",
            constraint=". <= today()",
            message_en="The date cannot be in the future.",
            message_ru="Дата не может быть в будущем.",
        ),
        row("geopoint", "location", "Where are you?", "Где вы находитесь?"),
        row(
            "begin_repeat",
            "members",
            "Household members",
            "Члены домохозяйства",
            relevant="${household_size} > 1",
        ),
        row("text", "member_name", "Member's first name", "Имя члена домохозяйства"),
        row(
            "integer",
            "member_age",
            "Member's age",
            "Возраст члена домохозяйства",
            constraint=". >= 0 and . <= 120",
            message_en="Between 0 and 120.",
            message_ru="От 0 до 120.",
        ),
        row("end_repeat", "", "", ""),
        row(
            "note",
            "thanks",
            "Thank you, ${respondent_name}.",
            "Спасибо, ${respondent_name}.",
        ),
    ]
    choices: list[list[Cell]] = [
        ["list_name", "name", *translated("label", EN_RU)],
        ["yes_no", "yes", "Yes", "Да"],
        ["yes_no", "no", "No", "Нет"],
        ["channels", "tv", "Television", "Телевидение"],
        ["channels", "radio", "Radio", "Радио"],
        ["channels", "telegram", "Telegram", "Telegram"],
        ["channels", "neighbours", "Neighbours", "Соседи"],
        ["channels", "none", "None", "Нет"],
    ]
    settings: list[list[Cell]] = [
        ["form_title", "form_id", "version", "default_language"],
        ["Every supported type", "every_type", "2026120201", "English (en)"],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def refused() -> tuple[dict[str, list[list[Cell]]], list[dict[str, Cell]]]:
    """The refused form and the problems it must be refused with."""
    header: list[Cell] = ["type", "name", "label::English (en)", "required", "relevant", "constraint"]
    header += ["calculation", "parameters"]
    survey: list[list[Cell]] = [header]
    expected: list[dict[str, Cell]] = []

    def add(cells: list[Cell], *problems: tuple[str, str]) -> None:
        survey.append(cells + [""] * (len(header) - len(cells)))
        expected.extend(
            {"sheet": "survey", "row": len(survey), "column": column, "code": code} for column, code in problems
        )

    add(["text", "respondent_name", "Your first name", "yes"])
    add(["audio", "voice_message", "Record a message"], ("type", "type_unsupported"))
    add(["integer", "household_size", "How many people live with you?", "", "", ". > 0 and . < 40"])
    add(
        ["range", "safety_score", "How safe do you feel (0-10)?", "", "", "", "", "start=0 end=10"],
        ("type", "type_unsupported"),
    )
    add(["select_one water_sources", "water_source", "Where does your water come from?"], ("type", "choices_missing"))
    add(
        ["text", "water_detail", "Tell us more", "", "pulldata('sources', 'name', 'id', ${water_source}) != ''"],
        ("relevant", "expression_invalid"),
    )
    add(
        ["integer", "respondent_age", "How old are you?", "yes", "", ". >= ${minimum_age}"],
        ("constraint", "reference_unknown"),
    )
    add(["select_one yes_no", "has_phone", "Do you have a phone?"])
    add(
        ["calculate", "household_weight", "", "", "", "", "${household_size} * random()"],
        ("calculation", "expression_invalid"),
    )
    choices: list[list[Cell]] = [
        ["list_name", "name", "label::English (en)"],
        ["yes_no", "yes", "Yes"],
        ["yes_no", "no", "No"],
        ["yes_no", "", "Don't know"],
    ]
    expected.append({"sheet": "choices", "row": 4, "column": "name", "code": "choice_name_missing"})
    settings: list[list[Cell]] = [
        ["form_title", "form_id", "default_language"],
        ["A form Ovoz must refuse", "refused", "English (en)"],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}, expected


def main() -> None:
    write(HERE / "community_safety.xlsx", community_safety())
    write(HERE / "every_type.xlsx", every_type())
    sheets, expected = refused()
    write(HERE / "refused.xlsx", sheets)
    (HERE / "refused.expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
