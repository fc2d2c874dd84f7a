"""The resident's journey (report, receipt, follow) and the facilitator's answer, all in Karakalpak."""

import pytest
from django.utils import translation

from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code
from ovoz.concerns.models import Concern
from ovoz.concerns.services import themes_seed
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "kaa"


def _(text):
    with translation.override(LANGUAGE):
        translated = translation.gettext(text)
    assert translated != text, f"not translated into Karakalpak: {text!r}"
    return translated


def test_a_resident_reports_and_follows_in_karakalpak_and_staff_answer_in_karakalpak(live_server, chromium):
    areas_seed()
    themes_seed()
    resident = chromium.new_context(java_script_enabled=False).new_page()

    # The report form speaks Karakalpak; the language of the text is recognised, not chosen.
    resident.goto(f"{live_server.url}/{LANGUAGE}/report/")
    assert resident.locator("html").get_attribute("lang") == LANGUAGE
    resident.get_by_label(_("What is the problem?")).fill(
        "Awılımızda úsh hápteden beri ishimlik suw joq, balalar awırıp atır."
    )
    karakalpakstan = Area.objects.get(code="UZ-QR")
    resident.get_by_label(_("Region"), exact=True).select_option(str(karakalpakstan.pk))
    resident.get_by_role("button", name=_("Send the concern")).click()
    assert _("Thank you. Your concern was received.") in resident.content()
    receipt = resident.get_by_test_id("receipt").inner_text().strip()
    assert len(receipt) == 19
    concern = Concern.objects.get()
    assert (concern.language, concern.is_language_chosen, concern.area) == (LANGUAGE, False, karakalpakstan)

    # A coordinator whose workspace is in Karakalpak accepts it with a public note.
    coordinator = UserFactory(username="coordinator")
    staff_context = chromium.new_context()
    staff_context.add_cookies([{"name": "ovoz_language", "value": LANGUAGE, "url": live_server.url}])
    staff = staff_context.new_page()
    staff.goto(f"{live_server.url}/staff/login/")
    assert staff.locator("html").get_attribute("lang") == LANGUAGE
    staff.get_by_label(_("Username")).fill("coordinator")
    staff.get_by_label(_("Password"), exact=True).fill(PASSWORD)
    staff.get_by_role("button", name=_("Continue"), exact=True).click()
    staff.get_by_label(_("Code from your authenticator app, or a recovery code")).fill(current_code(coordinator))
    staff.get_by_role("button", name=_("Sign in"), exact=True).click()
    staff.goto(f"{live_server.url}/staff/concerns/{concern.pk}/")
    assert _("What the reporter wrote") in staff.content()
    staff.get_by_label(_("New status")).select_option("accepted")
    staff.get_by_label(_("Public note (optional)")).fill("Suw bólimine xabar berildi, juwaptı juma kúni kútemiz.")
    staff.locator("form:has(input[value=status]) button").click()
    assert staff.get_by_test_id("status").inner_text().startswith(_("accepted"))

    # The resident follows it with the receipt, in Karakalpak, and reads the status and the note.
    resident.goto(f"{live_server.url}/{LANGUAGE}/follow/")
    resident.get_by_label(_("Receipt code")).fill(receipt)
    resident.get_by_role("button", name=_("Show my concern")).click()
    assert resident.get_by_test_id("status").inner_text() == _("accepted")
    assert "Suw bólimine xabar berildi" in resident.content()
    assert resident.locator("html").get_attribute("lang") == LANGUAGE
    staff_context.close()
    resident.context.close()
