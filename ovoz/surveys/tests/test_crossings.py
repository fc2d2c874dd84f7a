"""Results by two dimensions at once (issue 16), through every interface: the pages, the API and the
downloads show the same figures, and an attacker holding all of them (every breakdown and crossing of
the API) cannot work out a hidden one."""

from __future__ import annotations

import csv
import io
import itertools
import re
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovoz.surveys import results
from ovoz.surveys.models import ResultCount
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.attack import Attack, Question
from ovoz.surveys.tests.results_data import big_round, published_round, store
from ovoz.surveys.tests.workbooks import workbook_bytes

pytestmark = pytest.mark.django_db
QUESTION = Question(kind="select_multiple", choices=("street", "market"))
PATH = "safety/unsafe_places"


def api(slug: str, by: str) -> dict[str, Any]:
    response = Client().get(f"/api/v1/surveys/{slug}/results", {"by": by} if by else {})
    assert response.status_code == 200, response.content
    data: dict[str, Any] = response.json()
    return data


def api_question(slug: str, by: str, name: str = "unsafe_places") -> dict[str, Any]:
    return next(question for question in api(slug, by)["questions"] if question["name"] == name)


class ApiAttack(Attack):
    """The attack on what the API gives for ``unsafe_places``, its keys mapped back to the cells' own."""

    def __init__(self, cells: Any, slug: str, area_keys: dict[str, str]) -> None:
        super().__init__(QUESTION, cells)
        self.slug, self.area_keys = slug, area_keys

    def shown(self, breakdown: str):
        dims = results.dimensions(breakdown)
        question = api_question(self.slug, breakdown)
        for index, group in enumerate(question["groups"]):
            parts = group["key"].split(results.SEPARATOR) if group["key"] else []
            key = (
                results.SEPARATOR.join(
                    self.area_keys[part] if dimension == "area" else part
                    for dimension, part in zip(dims, parts, strict=True)
                )
                if parts
                else results.ALL
            )
            yield key, "", group["respondents"]
            for choice in question["choices"]:
                yield key, choice["name"], choice["cells"][index]["count"]


@pytest.fixture
def survey_round(places):
    survey = survey_import(file=workbook_bytes(), publish=True, area=places["zomin"])
    survey.results_published = True
    survey.save(update_fields=["results_published"])
    # Closed: the public sees closed rounds only; the test stores its counts into it directly.
    return survey_round_close(survey_round=survey_round_open(survey=survey, actor=None), actor=None)


@st.composite
def answered(draw) -> dict[tuple[str, str, str, str], int]:
    levels = [
        draw(st.sampled_from([["woman", "man"], ["woman", "man", ""], ["woman"]])),
        draw(st.sampled_from([["18-24", "25-34"], ["18-24", "25-34", ""], ["18-24"]])),
        draw(st.sampled_from([["zomin", "jizzakh"], ["zomin", "jizzakh", ""], ["zomin"]])),
    ]
    big = draw(st.booleans())
    cells = {}
    for combination in itertools.product(*levels):
        respondents = draw(st.integers(0, 40) if big else st.integers(0, 8))
        cells[("", *combination)] = respondents
        for choice in QUESTION.choices:
            cells[(choice, *combination)] = draw(st.integers(0, respondents))
    return cells


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=answered())
def test_no_hidden_figure_can_be_worked_out_from_everything_the_api_gives(survey_round, places, cells):
    area_ids = {"zomin": places["zomin"].pk, "jizzakh": places["jizzakh"].pk}
    store(survey_round, cells, area_ids)
    attack = ApiAttack(cells, survey_round.survey.slug, {str(pk): name for name, pk in area_ids.items()})

    leaks = attack.recoverable()

    assert leaks == [], [leak.name for leak in leaks]
    # What the API gives is what the results give (the pure attack of test_disclosure covers those),
    # and the HXL download gives nothing the API does not.
    names = {str(pk): area.name for area in places.values() for pk in [area.pk]}
    given = {}
    for breakdown in (*results.BREAKDOWNS, *results.CROSSINGS):
        from_api = list(attack.shown(breakdown))
        assert from_api == list(Attack.shown(attack, breakdown)), breakdown
        dims = results.dimensions(breakdown)
        for group, line, figure in from_api:
            parts = dict(zip(dims, group.split(results.SEPARATOR), strict=True)) if group else {}
            area = names[str(area_ids[parts["area"]])] if "area" in parts else ""
            given[(line, parts.get("gender", ""), parts.get("age_band", ""), area)] = str(figure)
    download = Client().get(f"/en/surveys/{survey_round.survey.slug}/results/1.hxl.csv").content.decode()
    for row in list(csv.DictReader(io.StringIO(download)))[1:]:
        if row["question"] == PATH:
            place = (row["choice"], row["gender"], row["age_band"], row["area"])
            assert given[place] == row["count"], place


def crossing_counts(slug: str, by: str) -> dict[tuple[str, str], Any]:
    """(group label, choice) -> count of unsafe_places in the API."""
    question = api_question(slug, by)
    return {
        (group["label"], choice["name"]): choice["cells"][index]["count"]
        for choice in question["choices"]
        for index, group in enumerate(question["groups"])
    }


def test_the_api_gives_one_area_of_a_crossing_with_the_same_figures_as_the_whole(places):
    survey, _round = big_round(places)
    zomin, jizzakh = places["zomin"].pk, places["jizzakh"].pk
    whole = api_question(survey.slug, "gender,area")
    response = Client().get(f"/api/v1/surveys/{survey.slug}/results", {"by": "gender,area", "area": zomin})
    assert response.status_code == 200, response.content
    one = next(question for question in response.json()["questions"] if question["name"] == "unsafe_places")

    keys = [group["key"] for group in one["groups"]]
    assert keys[0] == "" and len(keys) > 1
    assert all(key.endswith(f",{zomin}") for key in keys[1:])
    assert not any(key.endswith(f",{jizzakh}") for key in keys)
    assert one["withheld"] is whole["withheld"] is False
    # Each column is the whole crossing's column for that group, figure for figure.
    column = {group["key"]: index for index, group in enumerate(whole["groups"])}
    for choice, whole_choice in zip(one["choices"], whole["choices"], strict=True):
        for index, group in enumerate(one["groups"]):
            assert choice["cells"][index] == whole_choice["cells"][column[group["key"]]]


def test_the_api_refuses_an_area_without_a_breakdown_by_area_in_the_readers_language(places):
    survey, _round = big_round(places)
    url = f"/api/v1/surveys/{survey.slug}/results"
    refused = Client().get(url, {"by": "gender", "area": places["zomin"].pk}, HTTP_ACCEPT_LANGUAGE="ru")
    assert refused.status_code == 400
    assert refused.json()["code"] == "area_needs_breakdown"
    assert refused.json()["detail"] == "Выбрать одну территорию можно только при разбивке по территориям."
    assert Client().get(url, {"by": "gender,area", "area": 0}).status_code == 422


def test_a_crossing_is_shown_on_the_pages_in_the_api_and_in_the_downloads(places, signed_in_client):
    survey, _round = big_round(places)

    question = api_question(survey.slug, "gender,area")
    zomin_code = places["zomin"].pk
    public = Client().get(f"/en/surveys/{survey.slug}/results/?by=gender,area&area={zomin_code}").content.decode()
    staff = signed_in_client.get(
        f"/staff/surveys/{survey.pk}/rounds/1/results/?by=gender,area&area={zomin_code}"
    ).content.decode()
    hxl = list(
        csv.DictReader(io.StringIO(Client().get(f"/en/surveys/{survey.slug}/results/1.hxl.csv").content.decode()))
    )
    wide = list(
        csv.DictReader(
            io.StringIO(signed_in_client.get(f"/staff/surveys/{survey.pk}/rounds/1/results.csv").content.decode())
        )
    )

    assert question["withheld"] is False
    zomin, jizzakh = places["zomin"].pk, places["jizzakh"].pk
    keys = [group["key"] for group in question["groups"]]
    assert keys == ["", *sorted(f"{gender},{area}" for gender in ("man", "woman") for area in (zomin, jizzakh))]
    counts = crossing_counts(survey.slug, "gender,area")
    # Pages and the API name a gender by the form's label for it ("a woman"); downloads keep the value.
    assert counts[("a woman, Zomin district", "street")] == 12 and counts[("Everyone", "street")] == 48
    assert question["groups"][1]["respondents"] == 20
    for page in (public, staff):
        section = page.split('data-question="unsafe_places"')[1].split("</section>")[0]
        assert '<th scope="col">a woman, Zomin district</th>' in section
        assert "<td>12 (60%; 39–78%)</td>" in section
    assert any(
        row["question"] == PATH
        and row["choice"] == "street"
        and row["gender"] == "woman"
        and row["area"] == "Zomin district"
        and row["age_band"] == ""
        and row["count"] == "12"
        for row in hxl
    )
    woman_zomin = next(
        row for row in wide if row["_breakdown"] == "gender,area" and row["_group"] == "woman, Zomin district"
    )
    assert woman_zomin[f"{PATH}/street"] == "12"
    # The sensitive question is never crossed, and the answers by one dimension say nothing of crossings.
    sensitive = api_question(survey.slug, "gender,area", "violence_home")
    assert sensitive["sensitive"] is True and [group["key"] for group in sensitive["groups"]] == [""]
    assert "withheld" not in api_question(survey.slug, "gender")


def test_a_crossing_with_area_is_shown_one_area_at_a_time_on_the_pages(places, signed_in_client):
    survey, _round = big_round(places)
    zomin, jizzakh = places["zomin"], places["jizzakh"]

    def columns(page: str) -> list[str]:
        section = page.split('data-question="unsafe_places"')[1].split("</section>")[0]
        return re.findall(r'<th scope="col">([^<]+)</th>', section)

    first = Client().get(f"/en/surveys/{survey.slug}/results/?round=1&by=gender,area").content.decode()
    chosen = Client().get(f"/en/surveys/{survey.slug}/results/?round=1&by=gender,area&area={zomin.pk}")
    unknown = Client().get(f"/en/surveys/{survey.slug}/results/?by=gender,area&area=nowhere").content.decode()
    staff = signed_in_client.get(
        f"/staff/surveys/{survey.pk}/rounds/1/results/?by=age_band,area&area={zomin.pk}"
    ).content.decode()

    # The first area by name unless one is chosen; an unknown one is the first again.
    assert "a woman, Jizzakh Region" in columns(first) and not any("Zomin" in c for c in columns(first))
    assert "a woman, Zomin district" in columns(chosen.content.decode())
    assert not any("Jizzakh" in c for c in columns(chosen.content.decode()))
    assert columns(unknown) == columns(first)
    assert [c for c in columns(staff) if "," in c] == ["18-24, Zomin district", "25-34, Zomin district"]
    # Both areas to choose from, the shown one selected; the round's other links keep the area.
    picker = chosen.content.decode().split('data-testid="area-pick"')[1].split("</form>")[0]
    assert f'<option value="{jizzakh.pk}">Jizzakh Region</option>' in picker
    assert f'<option value="{zomin.pk}" selected>Zomin district</option>' in picker
    assert '<input type="hidden" name="by" value="gender,area">' in picker
    # A breakdown by one dimension or a crossing without area has no picker and every column.
    assert (
        'data-testid="area-pick"'
        not in Client().get(f"/en/surveys/{survey.slug}/results/?by=gender,age_band").content.decode()
    )
    by_area = columns(Client().get(f"/en/surveys/{survey.slug}/results/?by=area").content.decode())
    assert by_area[-2:] == ["Jizzakh Region", "Zomin district"]


def test_a_crossing_with_a_small_cell_is_withheld_whole(places):
    survey, survey_round = big_round(places)
    ResultCount.objects.filter(
        round=survey_round, question="unsafe_places", value="market", gender="man", age_band="25-34"
    ).update(count=2)  # in each area: 4 men of 25-34 chose "market"

    question = api_question(survey.slug, "gender,age_band")
    page = Client().get(f"/en/surveys/{survey.slug}/results/?by=gender,age_band").content.decode()

    assert question["withheld"] is True and [group["key"] for group in question["groups"]] == [""]
    assert 'data-testid="withheld"' in page.split('data-question="unsafe_places"')[1].split("</section>")[0]
    # Its other crossings still show: by gender and area, those men are 5 + 2 in each area.
    assert api_question(survey.slug, "gender,area")["withheld"] is False


def test_an_unknown_crossing_is_refused(places):
    survey, _round = published_round(places)

    for by in ("area,gender", "gender,gender", "gender,age_band,area"):
        response = Client().get(f"/api/v1/surveys/{survey.slug}/results", {"by": by})
        assert response.status_code == 422, by


def test_the_page_offers_every_crossing_and_keeps_the_round(places):
    survey, _round = published_round(places)

    page = Client().get(f"/en/surveys/{survey.slug}/results/").content.decode()

    for by in results.CROSSINGS:
        assert f'href="?round=1&amp;by={by}"' in page
    assert re.search(r"By gender and age band</a>", page)
