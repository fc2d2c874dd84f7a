"""The report form on a small phone, with and without JavaScript (issue 14): switching language keeps
the work and the receipt, Enter sends, long texts are counted and refused, errors take the focus."""

import pytest
from django.utils import translation

from ovoz.concerns.models import MAX_TEXT_LENGTH, Concern, Theme
from ovoz.concerns.services import themes_seed
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _(language, text):
    with translation.override(language):
        return translation.gettext(text)


@pytest.fixture
def resident(chromium, request):
    context = chromium.new_context(java_script_enabled=request.param, viewport=PHONE)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("resident", [False, True], ids=["javascript-off", "javascript-on"], indirect=True)
def test_switching_language_keeps_the_work_enter_sends_and_the_receipt_survives_a_switch(live_server, resident):
    areas_seed()
    themes_seed()
    water = Theme.objects.get(slug="water")
    region = Area.objects.get(code="UZ-JI")
    page = resident
    page.goto(f"{live_server.url}/ru/report/")
    page.get_by_label(_("ru", "What is the problem?")).fill("Третью неделю нет воды.\nДети болеют.")
    page.locator(f'input[name="themes"][value="{water.pk}"]').check()
    page.get_by_label(_("ru", "Region"), exact=True).select_option(str(region.pk))

    page.get_by_role("button", name="Тоҷикӣ").click()
    page.wait_for_url("**/tg/report/")
    assert page.locator("html").get_attribute("lang") == "tg"
    assert page.get_by_label(_("tg", "What is the problem?")).input_value() == "Третью неделю нет воды.\nДети болеют."
    assert page.locator(f'input[name="themes"][value="{water.pk}"]').is_checked()
    assert page.get_by_label(_("tg", "Region"), exact=True).input_value() == str(region.pk)
    assert Concern.objects.count() == 0

    page.locator("#id_contact_consent").check()
    phone = page.get_by_label(_("tg", "Phone (optional)"))
    phone.fill("+998 90 123 45 67")
    phone.press("Enter")
    receipt = page.get_by_test_id("receipt").inner_text().strip()
    concern = Concern.objects.get()
    assert concern.text == "Третью неделю нет воды.\nДети болеют."
    assert concern.area == region and list(concern.themes.all()) == [water]

    page.get_by_role("button", name="Русский").click()
    page.wait_for_url("**/ru/report/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", name=_("ru", "Thank you. Your concern was received.")).is_visible()
    assert page.get_by_test_id("receipt").inner_text().strip() == receipt


@pytest.mark.parametrize("resident", [True], ids=["javascript-on"], indirect=True)
def test_a_live_counter_warns_over_the_limit_and_the_refusal_takes_the_focus(live_server, resident):
    themes_seed()
    page = resident
    page.goto(f"{live_server.url}/tg/report/")
    text = page.get_by_label(_("tg", "What is the problem?"))
    text.fill("а" * 10)
    counter = page.locator("#id_text_counter")
    assert counter.inner_text() == f"10 / {MAX_TEXT_LENGTH}"
    text.fill("а" * (MAX_TEXT_LENGTH + 1))
    assert counter.inner_text() == f"{MAX_TEXT_LENGTH + 1} / {MAX_TEXT_LENGTH}"
    assert "over" in counter.get_attribute("class")
    assert page.locator("#id_text_over").inner_text() == _(
        "tg", "Your text is longer than the limit. Shorten it before sending: nothing is cut."
    )
    page.get_by_role("button", name=_("tg", "Send the concern"), exact=True).click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert len(page.get_by_label(_("tg", "What is the problem?")).input_value()) == MAX_TEXT_LENGTH + 1
    page.locator("#error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_text"
    assert Concern.objects.count() == 0


@pytest.mark.parametrize("resident", [False], ids=["javascript-off"], indirect=True)
def test_without_javascript_the_error_summary_takes_the_focus(live_server, resident):
    themes_seed()
    page = resident
    page.goto(f"{live_server.url}/ru/report/")
    page.get_by_label(_("ru", "E-mail (optional)")).fill("not-an-address")
    page.get_by_role("button", name=_("ru", "Send the concern"), exact=True).click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#error-summary").inner_text().count("\n") >= 2  # a title and two messages
