"""A respondent answers the community safety survey in Tajik on a phone browser without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest

from ovoz.surveys.models import Answer, Response, ResultCount
from ovoz.surveys.services import survey_import, survey_round_open

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FORM = Path(__file__).parent / "forms" / "community_safety.xlsx"


def test_a_respondent_answers_in_tajik_without_javascript(live_server, page_without_javascript):
    survey = survey_import(file=FORM.read_bytes(), file_name=FORM.name, publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    page = page_without_javascript
    page.set_viewport_size({"width": 360, "height": 740})

    def next_page():
        page.locator('button[value="next"]').click()

    page.goto(f"{live_server.url}/tg/surveys/{survey.slug}/")
    assert page.locator("html").get_attribute("lang") == "tg"
    page.get_by_label("Ҳа").check()
    next_page()
    page.get_by_label("Зан").check()
    page.get_by_label("Шумо чандсолаед (солҳои пурра)?").fill("12")
    page.get_by_label("Бохтар").check()
    next_page()
    # The form's own constraint message, in Tajik, checked by the server; nothing is sent yet.
    page.get_by_text("Синну сол бояд аз 15 то 110 бошад.").first.wait_for()
    assert Response.objects.count() == 0
    page.get_by_label("Шумо чандсолаед (солҳои пурра)?").fill("34")
    next_page()
    page.locator('input[name="top_concerns"][value="drugs"]').check()
    next_page()  # no "other" concern: its question is skipped
    page.locator('input[name="trust_police"]').first.wait_for()
    next_page()
    page.locator('input[name="violence_experienced"][value="yes"]').check()
    next_page()
    page.locator('input[name="violence_forms"][value="psychological"]').check()
    next_page()
    page.locator('input[name="conflict_seen"][value="no"]').check()
    next_page()
    next_page()  # economy, unanswered
    page.locator('textarea[name="first_step"]').fill("Чароғҳои кӯча")
    next_page()
    page.get_by_text("Барои ҷавобҳоятон ташаккур.").wait_for()
    next_page()  # the last page sends

    page.wait_for_url(f"{live_server.url}/tg/surveys/{survey.slug}/thanks/")
    response = Response.objects.get()
    assert (response.language, response.gender, response.channel) == ("tg", "female", "web")
    answers = dict(Answer.objects.filter(response=response).values_list("question", "value"))
    assert answers["violence_forms"] == ["psychological"] and answers["first_step"] == "Чароғҳои кӯча"
    assert "top_concerns_other" not in answers and "police_response" not in answers
    assert ResultCount.objects.get(round=survey_round, question="violence_experienced", value="yes").count == 1
    # Going back to the survey on the same phone shows the thank-you page, not a second form.
    page.goto(f"{live_server.url}/tg/surveys/{survey.slug}/")
    assert page.url.endswith("/thanks/") and Response.objects.count() == 1


def test_results_by_age_band_and_area_fit_a_phone_one_area_at_a_time(live_server, page_without_javascript, places):
    from ovoz.surveys.tests.results_data import big_round

    survey, _round = big_round(places)
    page = page_without_javascript
    page.set_viewport_size({"width": 360, "height": 740})

    page.goto(f"{live_server.url}/ru/surveys/{survey.slug}/results/?by=age_band,area")
    section = page.locator('section[data-question="unsafe_places"]')
    assert section.locator("thead th").all_inner_texts()[2:] == ["18-24, Jizzakh Region", "25-34, Jizzakh Region"]
    # Without JavaScript: choose the other area and send the form.
    page.select_option("#area-pick", label="Zomin district")
    page.locator('[data-testid="area-pick"] button').click()
    page.wait_for_url(f"**/ru/surveys/{survey.slug}/results/?round=1&by=age_band%2Carea&area={places['zomin'].pk}")
    assert section.locator("thead th").all_inner_texts()[2:] == ["18-24, Zomin district", "25-34, Zomin district"]
    # The page never scrolls sideways on a phone; a wide table scrolls by itself.
    for by in ("age_band,area", "area", "gender,age_band"):
        page.goto(f"{live_server.url}/ru/surveys/{survey.slug}/results/?by={by}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, by
