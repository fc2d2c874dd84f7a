"""The surveys API: only published results, the same suppression as the page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ovoz.surveys.tests.results_data import SMALL, published_round

pytestmark = pytest.mark.django_db


def numbers(data: Any) -> list[Any]:
    """Every count and share in a JSON answer (round numbers and ids left out)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("count", "respondents", "responses"):
                found.append(value)
            elif key in ("round", "number", "key"):
                continue
            else:
                found.extend(numbers(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(numbers(item))
    return found


def test_only_surveys_with_published_results_are_listed(places):
    published, _round = published_round(places)
    survey_round = published.rounds.get()

    answer = Client().get("/api/v1/surveys").json()

    assert [survey["slug"] for survey in answer] == [published.slug]
    assert answer[0]["rounds"] == [
        {
            "number": 1,
            "state": "closed",
            "opened_at": answer[0]["rounds"][0]["opened_at"],
            "closed_at": answer[0]["rounds"][0]["closed_at"],
            "responses": 60,
        }
    ]
    assert survey_round.number == 1
    published.results_published = False
    published.save()
    assert Client().get("/api/v1/surveys").json() == []


def test_unpublished_results_are_404(places):
    survey, _round = published_round(places, results_published=False)

    response = Client().get(f"/api/v1/surveys/{survey.slug}/results")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Client().get(f"/api/v1/surveys/{survey.slug}/results?round=7").status_code == 404


@pytest.mark.parametrize("by", ["", "gender", "age_band", "area"])
def test_results_keep_every_small_cell_suppressed(places, by):
    survey, _round = published_round(places)

    response = Client().get(f"/api/v1/surveys/{survey.slug}/results" + (f"?by={by}" if by else ""))

    assert response.status_code == 200
    answer = response.json()
    found = numbers(answer)
    assert found and SMALL not in found and not any(isinstance(n, int) and n < 5 for n in found)
    violence = next(q for q in answer["questions"] if q["name"] == "violence_home")
    assert violence["sensitive"] and [g["key"] for g in violence["groups"]] == [""]
    assert [c["cells"][0]["count"] for c in violence["choices"]] == ["<5", "hidden"]
    assert all(c["cells"][0]["share"] is None for c in violence["choices"])
    assert str(SMALL / 60)[:6] not in json.dumps(answer)


def test_results_by_gender_give_shares_with_intervals(places):
    survey, _round = published_round(places)

    answer = Client().get(f"/api/v1/surveys/{survey.slug}/results?by=gender&round=1").json()

    gender = next(q for q in answer["questions"] if q["name"] == "gender")
    assert gender["path"] == "about/gender" and [g["key"] for g in gender["groups"]] == ["", "man", "woman"]
    woman = next(c for c in gender["choices"] if c["name"] == "woman")
    assert woman["cells"][0] == {"count": 30, "share": 0.5, "share_low": 0.3774, "share_high": 0.6226}
    assert answer["responses"] == 60 and answer["breakdown"] == "gender"


def test_an_unknown_breakdown_is_refused(places):
    survey, _round = published_round(places)

    assert Client().get(f"/api/v1/surveys/{survey.slug}/results?by=phone").status_code == 422
