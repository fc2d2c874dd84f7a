"""A round's results as CSV (KoboToolbox column names), XLSX and HXL: counts only, suppressed like
the page; staff downloads for staff, public ones only once results are published."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from ovoz.surveys.tests.results_data import published_round

pytestmark = pytest.mark.django_db
SMALL_VALUES = {"1", "2", "3", "4"}


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def assert_no_small_value(table: list[list[object]], skip: int) -> None:
    """No count or share of a small cell in any row after the header rows (``_round`` left out)."""
    header = [str(name) for name in table[0]]
    for row in table[skip:]:
        for name, value in zip(header, row, strict=True):
            if name in ("_round", "round"):
                continue
            assert str(value) not in SMALL_VALUES, (name, row)
            if name == "share" and value:
                assert abs(float(str(value)) - 3 / 60) > 1e-3


def test_the_csv_has_kobo_column_names_and_no_small_count(signed_in_client, places):
    survey, _round = published_round(places, results_published=False)

    response = signed_in_client.get(f"/staff/surveys/{survey.pk}/rounds/1/results.csv")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = rows(response.content)
    header = table[0]
    assert header[:4] == ["_round", "_breakdown", "_group", "_responses"]
    for column in ("about/gender", "about/gender/woman", "safety/violence_home/yes", "safety/unsafe_places/street"):
        assert column in header
    everyone = dict(zip(header, table[1], strict=True))
    assert everyone["_responses"] == "60" and everyone["about/gender/woman"] == "30"
    assert everyone["safety/violence_home/yes"] == "<5" and everyone["safety/violence_home/no"] == "hidden"
    # A sensitive question is blank in every breakdown's rows.
    assert all(dict(zip(header, row, strict=True))["safety/violence_home/yes"] == "" for row in table[2:])
    assert_no_small_value(table, 1)


def test_the_hxl_csv_has_a_hashtag_row_and_no_small_count(signed_in_client, places):
    survey, _round = published_round(places)

    table = rows(signed_in_client.get(f"/staff/surveys/{survey.pk}/rounds/1/results.hxl.csv").content)

    assert table[1][:4] == ["#meta+survey", "#meta+round", "#indicator+name", "#indicator+value"]
    assert {"#gender", "#adm1+name", "#value", "#age+band"} <= set(table[1])
    assert_no_small_value(table, 2)
    sensitive = [row for row in table[2:] if row[2] == "safety/violence_home"]
    assert sensitive and all(row[4] == row[5] == row[6] == "" for row in sensitive)  # overall only


def test_the_xlsx_has_the_same_table_and_the_shares(signed_in_client, places):
    survey, _round = published_round(places)

    response = signed_in_client.get(f"/staff/surveys/{survey.pk}/rounds/1/results.xlsx")

    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["results", "shares"]
    results = [list(row) for row in book["results"].iter_rows(values_only=True)]
    assert "about/gender/woman" in results[0]
    assert_no_small_value([[cell if cell is not None else "" for cell in row] for row in results], 1)
    shares = [list(row) for row in book["shares"].iter_rows(values_only=True)]
    assert_no_small_value([[cell if cell is not None else "" for cell in row] for row in shares], 1)


@pytest.mark.parametrize("kind", ["anonymous", "member", "facilitator"])
def test_staff_downloads_are_refused_to_everyone_else(world, as_kind, kind):
    survey, _round = published_round(world)

    response = as_kind(kind).get(f"/staff/surveys/{survey.pk}/rounds/1/results.csv")

    assert response.status_code in (302, 403)
    assert b"about/gender" not in response.content


def test_public_downloads_only_once_results_are_published(places):
    survey, _round = published_round(places, results_published=False)

    assert Client().get(f"/en/surveys/{survey.slug}/results/1.csv").status_code == 404
    survey.results_published = True
    survey.save()
    response = Client().get(f"/en/surveys/{survey.slug}/results/1.hxl.csv")
    assert response.status_code == 200 and rows(response.content)[1][0] == "#meta+survey"
    assert Client().get(f"/en/surveys/{survey.slug}/results/1.json").status_code == 404
    assert Client().get(f"/en/surveys/{survey.slug}/results/2.csv").status_code == 404
