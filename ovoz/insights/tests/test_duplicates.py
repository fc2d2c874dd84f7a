"""Duplicates across languages: the pair score, the grouping and `ovoz group-duplicates`."""

from __future__ import annotations

import csv
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from ovoz.insights import duplicates
from ovoz.insights.duplicates import Text, details, skeleton

WATER_RU = "В махалле Шароф Рашидов на улице Гагарина третий день нет воды, краны сухие с воскресенья. Школа №14."
WATER_UZ = "Sharof Rashidov mahallasi Gagarin koʻchasida yakshanbadan beri uch kun suv yoʻq. 14-maktab yonida."
OTHER_WATER_RU = "В махалле Дустлик на улице Мустакиллик прорвало трубу, вода затопила подвалы домов 7 и 9."
PRICES_KK = "Түркістанның орталық базарында нанның бағасы 150 теңгеден 200 теңгеге көтерілді."


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _groups(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["id", "group"]
    ids = [row[0] for row in rows[1:]]
    assert len(ids) == len(set(ids))
    return {row[0]: row[1] for row in rows[1:]}


def test_names_in_cyrillic_and_latin_share_a_skeleton():
    assert skeleton("Гагарина").startswith(skeleton("Gagarin"))
    assert skeleton("Рашидов") == skeleton("Rashidov")
    assert skeleton("Ходжа") == skeleton("Xoʻja") == skeleton("Khoja")
    found = details("Дом 15 000, ул. Навои 12")
    assert found.numbers == {15000, 12}
    assert skeleton("Навои") in found.names


def test_the_same_incident_in_two_languages_is_grouped_and_another_street_is_not(tmp_path):
    texts = _write(
        tmp_path / "texts.csv",
        ["id", "text"],
        [["a", WATER_RU], ["b", WATER_UZ], ["c", OTHER_WATER_RU], ["d", PRICES_KK]],
    )
    call_command("group_duplicates", "--input", str(texts), "--output", str(tmp_path / "groups.csv"))
    groups = _groups(tmp_path / "groups.csv")
    assert list(groups) == ["a", "b", "c", "d"]
    assert groups["a"] == groups["b"]
    assert len({groups["a"], groups["c"], groups["d"]}) == 3


def test_texts_of_different_areas_or_weeks_apart_are_never_grouped(tmp_path):
    texts = _write(
        tmp_path / "texts.csv",
        ["text", "area", "id", "day"],
        [
            [WATER_RU, "UZ-JI", "1", "2026-03-02"],
            [WATER_UZ, "UZ-TK", "2", "2026-03-02"],
            [WATER_UZ, "UZ-JI", "3", "2026-04-20"],
            [WATER_UZ, "UZ-JI", "4", "2026-03-03"],
            [WATER_UZ, "", "5", ""],
        ],
    )
    call_command("group_duplicates", "--input", str(texts), "--output", str(tmp_path / "groups.csv"))
    groups = _groups(tmp_path / "groups.csv")
    assert groups["1"] == groups["4"]
    assert groups["2"] != groups["1"]
    assert groups["3"] != groups["1"]


@pytest.mark.parametrize(
    ("header", "rows", "problem"),
    [
        (["id", "words"], [["1", "x"]], "line 1: the header has no text column"),
        (["id", "text"], [["1", WATER_RU], ["1", WATER_UZ]], "line 3: the id '1' appears twice"),
        (["id", "text"], [["", WATER_RU]], "line 2: the id is empty"),
        (["id", "text"], [["1", "   "]], "line 2: the text of id '1' is empty"),
        (["id", "text", "day"], [["1", WATER_RU, "2.3.2026"]], "line 2: not an ISO date"),
        (["id", "text"], [["1", WATER_RU, "extra"]], "line 2: expected 2 fields"),
    ],
)
def test_bad_input_is_refused_by_line_without_its_words_and_nothing_is_written(tmp_path, header, rows, problem):
    texts = _write(tmp_path / "texts.csv", header, rows)
    output = tmp_path / "groups.csv"
    with pytest.raises(CommandError) as refused:
        call_command("group_duplicates", "--input", str(texts), "--output", str(output))
    assert problem in str(refused.value)
    assert "воды" not in str(refused.value)
    assert not output.exists()
    assert not list(tmp_path.glob("*.partial"))


def test_an_empty_missing_or_non_utf8_file_and_bad_options_are_refused(tmp_path):
    output = tmp_path / "groups.csv"
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    (tmp_path / "latin1.csv").write_bytes("id,text\n1,caf\xe9\n".encode("latin-1"))
    for source, message in (
        ("empty.csv", "the file is empty"),
        ("missing.csv", "Cannot read"),
        ("latin1.csv", "not UTF-8"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("group_duplicates", "--input", str(tmp_path / source), "--output", str(output))
    good = _write(tmp_path / "texts.csv", ["id", "text"], [["1", WATER_RU]])
    with pytest.raises(CommandError, match="--days"):
        call_command("group_duplicates", "--input", str(good), "--output", str(output), "--days", "-1")
    with pytest.raises(CommandError, match="--threshold"):
        call_command("group_duplicates", "--input", str(good), "--output", str(output), "--threshold", "0")
    assert not output.exists()


def test_a_header_only_file_gives_a_header_only_output(tmp_path):
    texts = _write(tmp_path / "texts.csv", ["id", "text"], [])
    call_command("group_duplicates", "--input", str(texts), "--output", str(tmp_path / "groups.csv"))
    assert (tmp_path / "groups.csv").read_text(encoding="utf-8") == "id,group\n"


def test_average_linkage_does_not_chain_two_incidents_through_one_text():
    # 0-1 and 1-2 are close, 0-2 is not: one close pair must not carry the third text in.
    scores = {(0, 1): 1.0, (1, 2): 0.95, (0, 2): 0.2}
    labels = duplicates.group(3, scores, threshold=0.9)
    assert labels[0] == labels[1] != labels[2]
    assert duplicates.group(4, {}, threshold=0.9) == [1, 2, 3, 4]


def test_held_out_pair_f1_reaches_the_target_with_the_shipped_weights():
    path = Path(duplicates.__file__).parent / "data" / "duplicate_incidents.tsv"
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in duplicates.read_labelled(handle) if row["split"] == "test"]
    texts = [Text(id=str(index), text=row["text"]) for index, row in enumerate(rows)]
    labels = duplicates.group_texts(texts)
    called = np.array([labels[a] == labels[b] for a, b in combinations(range(len(rows)), 2)], dtype=float)
    truth = np.array([rows[a]["incident"] == rows[b]["incident"] for a, b in combinations(range(len(rows)), 2)])
    _precision, _recall, f1 = duplicates.f1_at(called, truth, 0.5)
    assert f1 >= 0.8


@pytest.mark.slow  # the whole calibration
def test_calibration_on_the_training_split_gives_the_shipped_weights():
    path = Path(duplicates.__file__).parent / "data" / "duplicate_incidents.tsv"
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in duplicates.read_labelled(handle) if row["split"] == "train"]
    assert {row["split"] for row in rows} == {"train"}
    assert len({row["language"] for row in rows}) >= 7
    features = duplicates.pair_features([row["text"] for row in rows], duplicates.embed([row["text"] for row in rows]))
    keys = sorted(features)
    fit = duplicates.calibrate(
        np.array([features[key] for key in keys]),
        np.array([rows[a]["incident"] == rows[b]["incident"] for a, b in keys]),
    )
    assert fit.weights == pytest.approx(duplicates.WEIGHTS, abs=0.01)
    assert fit.threshold == pytest.approx(duplicates.THRESHOLD, abs=0.01)
    assert date.fromisoformat(rows[0]["day"])
