"""Published results in public: the page (no JavaScript, SVG bars), publishing from the staff page,
404 while unpublished, and the suppression canary (a cell of 3 is never shown, nor can it be worked
out from the figures shown next to it)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ovoz.core.models import AuditEntry
from ovoz.surveys.models import Survey
from ovoz.surveys.services import survey_round_open
from ovoz.surveys.tests.results_data import published_round

pytestmark = pytest.mark.django_db
BREAKDOWNS = ("", "gender", "age_band", "area")


def cells(page: str) -> list[str]:
    """The text of every table cell and SVG label of a page."""
    return [text.strip() for text in re.findall(r"<(?:td|text)[^>]*>([^<]*)<", page)]


def assert_no_small_cell(page: str) -> None:
    for text in cells(page):
        number = text.split(" ")[0]
        assert number not in {"1", "2", "3", "4"}, text
    assert ">3<" not in page and ">3 (" not in page


def test_unpublished_results_are_404_for_everyone_in_public(places):
    survey, _round = published_round(places, results_published=False)

    assert Client().get(f"/en/surveys/{survey.slug}/results/").status_code == 404
    assert Client().get(f"/en/surveys/{survey.slug}/results/1.csv").status_code == 404
    assert Client().get("/en/surveys/no-such-survey/results/").status_code == 404


def test_an_open_rounds_figures_are_never_public_they_would_change_with_each_answer(places):
    """Read before and after someone answers, an open round's figures would tell their answers."""
    survey, _closed = published_round(places)
    survey_round_open(survey=survey, actor=None)  # round 2
    anonymous = Client()

    assert anonymous.get(f"/en/surveys/{survey.slug}/results/?round=2").status_code == 404
    assert anonymous.get(f"/en/surveys/{survey.slug}/results/2.csv").status_code == 404
    assert anonymous.get(f"/api/v1/surveys/{survey.slug}/results", {"round": 2}).status_code == 404
    latest = anonymous.get(f"/en/surveys/{survey.slug}/results/").content.decode()
    assert "Round 2" not in latest and "?round=2" not in latest  # the closed round 1, alone
    listed = anonymous.get("/api/v1/surveys").json()[0]["rounds"]
    assert [round_["number"] for round_ in listed] == [1]


def test_published_results_show_counts_shares_and_intervals_without_javascript(places):
    survey, _round = published_round(places)

    response = Client().get(f"/en/surveys/{survey.slug}/results/")

    page = response.content.decode()
    assert response.status_code == 200 and "<script" not in page
    assert "Completed responses: 60." in page
    # 30 of 60 are women: 50%, Wilson 95% interval 38–62%.
    assert "30 (50%; 38–62%)" in page
    assert '<svg class="survey-bars"' in page and "50%</text>" in page
    assert_no_small_cell(page)


@pytest.mark.parametrize("breakdown", BREAKDOWNS)
def test_a_cell_of_three_never_appears_in_any_breakdown(places, breakdown):
    survey, _round = published_round(places)

    page = Client().get(f"/en/surveys/{survey.slug}/results/?by={breakdown}").content.decode()

    assert_no_small_cell(page)
    sensitive = page[page.index('data-question="violence_home"') :]
    sensitive = sensitive[: sensitive.index("</section>")]
    assert sensitive.count('<th scope="col">') == 2  # Answer, All: sensitive questions only overall
    assert "&lt;5" in sensitive and "hidden" in sensitive  # 3 "yes" and so the 57 "no" hidden too


def test_a_group_cannot_be_worked_out_from_the_total_minus_the_others(places):
    """By area: Jizzax has 3 respondents, so Zomin's column must not be shown either (60 - 57 = 3)."""
    survey, _round = published_round(places)

    page = Client().get(f"/en/surveys/{survey.slug}/results/?by=area").content.decode()

    section = page[page.index('data-question="gender"') :]
    section = section[: section.index("</section>")]
    assert "Zomin district" in section and "Jizzakh Region" in section
    shown = {text.split(" ")[0] for text in cells(section)}  # figures, not ids or keys in links
    assert shown and not shown & {"27", "57"}


def test_the_chart_is_drawn_in_russian_with_dots_not_commas(places):
    survey, _round = published_round(places)

    page = Client().get(f"/ru/surveys/{survey.slug}/results/").content.decode()

    widths = re.findall(r'<rect x="0" y="([^"]+)" width="([^"]+)"', page)
    assert widths and all("," not in y + width for y, width in widths)
    assert any(float(width) > 0 for _y, width in widths)


def test_a_coordinator_publishes_the_results_and_it_is_audited(signed_in_client, places):
    survey, _round = published_round(places, results_published=False)

    response = signed_in_client.post(f"/staff/surveys/{survey.pk}/publish/", {"published": "1"})

    assert response.status_code == 302
    assert Survey.objects.get(pk=survey.pk).results_published
    entry = AuditEntry.objects.get(action="survey.results_published")
    assert entry.data["published"] is True
    assert Client().get(f"/en/surveys/{survey.slug}/results/").status_code == 200
    signed_in_client.post(f"/staff/surveys/{survey.pk}/publish/", {"published": "0"})
    assert Client().get(f"/en/surveys/{survey.slug}/results/").status_code == 404


def test_only_staff_who_manage_surveys_can_publish(client, places):
    survey, _round = published_round(places, results_published=False)

    response = client.post(f"/staff/surveys/{survey.pk}/publish/", {"published": "1"})

    assert response.status_code in (302, 403, 404)
    assert not Survey.objects.get(pk=survey.pk).results_published
    assert not AuditEntry.objects.filter(action="survey.results_published").exists()


def test_gender_columns_are_named_by_the_forms_own_labels_in_the_readers_language(places):
    survey, _round = published_round(places)

    page = Client().get(f"/en/surveys/{survey.slug}/results/?by=gender").content.decode()
    api = Client().get(f"/api/v1/surveys/{survey.slug}/results?by=gender", HTTP_ACCEPT_LANGUAGE="en").json()

    headings = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert "a woman" in headings and "woman" not in headings
    groups = {group["key"]: group["label"] for question in api["questions"] for group in question["groups"]}
    assert groups["woman"] == "a woman", groups
