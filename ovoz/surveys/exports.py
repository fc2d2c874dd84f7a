"""A round's results as downloads (issue 16): CSV with KoboToolbox column names, XLSX, and HXL-tagged
CSV. Aggregated counts only, read from ``ResultCount`` with the same suppression as the pages (counts
under 5 as "<5", their complement "hidden"), sensitive questions overall only. Individual responses
are never exported: a row of answers can point at a person even without a name, and what the
organisation needs from a round (shares, breakdowns, change between rounds) is in the counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from openpyxl import Workbook

from ovoz.surveys import results
from ovoz.surveys.models import SurveyRound

# Overall, by one dimension, then by two at once (a crossing a question may not show is left out).
BREAKDOWNS = (*results.BREAKDOWNS, *results.CROSSINGS)
HXL_COLUMNS = (
    ("survey", "#meta+survey"),
    ("round", "#meta+round"),
    ("question", "#indicator+name"),
    ("choice", "#indicator+value"),
    ("gender", "#gender"),
    ("age_band", "#age+band"),
    ("area", "#adm1+name"),
    ("count", "#value"),
    ("respondents", "#value+total"),
    ("share", "#value+pct"),
    ("share_low", "#value+pct+low"),
    ("share_high", "#value+pct+high"),
)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "hxl.csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula (an area's name starting with "=") is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def long_rows(survey_round: SurveyRound, *, language: str) -> Iterator[dict[str, object]]:
    """One row per question, choice and group: overall, then by gender, age band and area, then by each
    pair of them (never for a sensitive question, nor a crossing the question may not show)."""
    for breakdown in BREAKDOWNS:
        _total, question_results = results.round_results(survey_round, language=language, breakdown=breakdown)
        dims = results.dimensions(breakdown)
        # An area's name alone (the HXL file has a column per dimension): the label of a group by area only.
        area_names = {} if "area" not in dims else _area_names(question_results, language, dims)
        for result in question_results:
            if breakdown and (result.is_sensitive or result.withheld):
                continue
            choices = [choice["name"] for choice in _choices(survey_round, result.name)]
            for choice, (_label, cells) in zip(choices, result.rows, strict=True):
                for group, cell in zip(result.groups, cells, strict=True):
                    if breakdown and group == results.ALL:
                        continue
                    parts = dict(zip(dims, group.split(results.SEPARATOR), strict=True)) if dims else {}
                    row: dict[str, object] = {
                        "survey": survey_round.survey.slug,
                        "round": survey_round.number,
                        "question": result.path,
                        "choice": choice,
                        "gender": parts.get("gender", ""),
                        "age_band": parts.get("age_band", ""),
                        "area": _cell(area_names.get(parts["area"], parts["area"])) if "area" in parts else "",
                        "count": cell.count,
                        "respondents": result.respondents[group],
                        "share": _share(cell.share.share if cell.share else None),
                        "share_low": _share(cell.share.low if cell.share else None),
                        "share_high": _share(cell.share.high if cell.share else None),
                    }
                    yield row


def _area_names(question_results: list[results.QuestionResult], language: str, dims: tuple[str, ...]) -> dict[str, str]:
    place = dims.index("area")
    keys = {group.split(results.SEPARATOR)[place] for result in question_results for group in result.groups[1:]}
    fake = [results.QuestionResult(name="", label="", is_sensitive=False, groups=["", *keys])]
    return results.group_labels(fake, breakdown="area", language=language)


def _choices(survey_round: SurveyRound, name: str) -> list[dict[str, object]]:
    question = next(q for q in survey_round.survey.questions if q["name"] == name)
    return list(question.get("choices", []))


def wide_table(survey_round: SurveyRound, *, language: str) -> list[list[object]]:
    """KoboToolbox's column names: a row per group (all, then each gender, age band and area, then each
    pair of them, "woman, Zomin"), a column
    ``group/question`` for the question's respondents and ``group/question/choice`` for each choice's
    count (Kobo's select_multiple columns). Sensitive questions are blank except in the "all" row."""
    header: list[object] = ["_round", "_breakdown", "_group", "_responses"]
    table: list[list[object]] = []
    columns: list[str] = []
    for breakdown in BREAKDOWNS:
        total, question_results = results.round_results(survey_round, language=language, breakdown=breakdown)
        labels = results.group_labels(question_results, breakdown=breakdown, language=language)
        if not columns:
            for result in question_results:
                columns.append(result.path)
                columns.extend(f"{result.path}/{c['name']}" for c in _choices(survey_round, result.name))
        groups = [results.ALL] if not breakdown else sorted({g for r in question_results for g in r.groups[1:]})
        for group in groups:
            values: dict[str, object] = {}
            for result in question_results:
                if group not in result.groups:
                    continue
                index = result.groups.index(group)
                values[result.path] = result.respondents[group]
                for choice, (_label, cells) in zip(_choices(survey_round, result.name), result.rows, strict=True):
                    values[f"{result.path}/{choice['name']}"] = cells[index].count
            shown = _cell(labels.get(group, group)) if breakdown else "all"
            table.append(
                [
                    survey_round.number,
                    breakdown or "all",
                    shown,
                    total if not breakdown else "",
                    *(values.get(c, "") for c in columns),
                ]
            )
    return [[*header, *columns], *table]


def as_csv(survey_round: SurveyRound, *, language: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(wide_table(survey_round, language=language))
    return buffer.getvalue().encode("utf-8")


def as_hxl_csv(survey_round: SurveyRound, *, language: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _tag in HXL_COLUMNS])
    writer.writerow([tag for _name, tag in HXL_COLUMNS])
    for row in long_rows(survey_round, language=language):
        writer.writerow([row[name] for name, _tag in HXL_COLUMNS])
    return buffer.getvalue().encode("utf-8")


def as_xlsx(survey_round: SurveyRound, *, language: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("results")
    for row in wide_table(survey_round, language=language):
        sheet.append(row)
    shares = workbook.create_sheet("shares")
    shares.append([name for name, _tag in HXL_COLUMNS])
    for long_row in long_rows(survey_round, language=language):
        shares.append([long_row[name] for name, _tag in HXL_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export(survey_round: SurveyRound, *, file_format: str, language: str) -> bytes:
    if file_format == "xlsx":
        return as_xlsx(survey_round, language=language)
    if file_format == "hxl.csv":
        return as_hxl_csv(survey_round, language=language)
    return as_csv(survey_round, language=language)
