import pytest
from django.utils import translation

from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code
from ovoz.concerns.models import Concern
from ovoz.concerns.services import themes_seed
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _(language, text):
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("javascript", [False, True], ids=["javascript-off", "javascript-on"])
def test_report_publish_follow_and_read_in_the_browser(live_server, chromium, javascript):
    areas_seed()
    themes_seed()
    language = "ru"
    resident = chromium.new_context(
        java_script_enabled=javascript,
        geolocation={"latitude": 40.1158, "longitude": 67.8422},
        permissions=["geolocation"] if javascript else [],
    )
    page = resident.new_page()

    # A resident raises a concern, anonymously.
    page.goto(f"{live_server.url}/{language}/report/")
    page.get_by_label(_(language, "What is the problem?")).fill(
        "Третью неделю нет воды на улице Навои. Звоните Фарходу +998 90 123 45 67."
    )
    if javascript:
        page.get_by_role("button", name=_(language, "Use my phone's location")).click()
        page.get_by_text(_(language, "Location added (rounded to about 1 km).")).wait_for()
    else:
        assert page.get_by_role("button", name=_(language, "Use my phone's location")).is_hidden()
        page.get_by_label(_(language, "Region"), exact=True).select_option(str(Area.objects.get(code="UZ-JI").pk))
    page.get_by_role("button", name=_(language, "Send the concern")).click()
    receipt = page.get_by_test_id("receipt").inner_text().strip()
    assert len(receipt) == 19
    concern = Concern.objects.get()
    if javascript:
        assert (concern.latitude, concern.longitude) == (40.12, 67.84)
    else:
        assert concern.area.code == "UZ-JI"

    # A facilitator publishes a redacted text and adds a public note.
    UserFactory(username="coordinator")
    staff = chromium.new_context().new_page()
    staff.goto(f"{live_server.url}/staff/login/")
    staff.get_by_label("Username").fill("coordinator")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Continue").click()
    staff.get_by_label("Code from your authenticator app, or a recovery code").fill(
        current_code(UserFactory._meta.model.objects.get(username="coordinator"))
    )
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"{live_server.url}/staff/concerns/{concern.pk}/")
    public_text = staff.get_by_label("Public text")
    assert "███" in public_text.input_value()  # the phone number is masked in the first pass
    public_text.fill("Третью неделю нет воды на одной из улиц.")
    staff.get_by_role("button", name="Publish", exact=True).click()
    staff.get_by_label("New status").select_option("accepted")
    staff.get_by_label("Public note (optional)").fill("Водоканал района уведомлён, ответ ждём до пятницы.")
    staff.locator("form:has(input[value=status]) button").click()
    assert staff.get_by_test_id("status").inner_text().startswith("accepted")

    # The resident follows the concern with the receipt and sees the note.
    page.goto(f"{live_server.url}/{language}/follow/")
    page.get_by_label(_(language, "Receipt code")).fill(receipt.lower().replace("-", " "))
    page.get_by_role("button", name=_(language, "Show my concern")).click()
    assert "Водоканал района уведомлён" in page.content()

    # Everyone sees the redacted text, never the original.
    page.goto(f"{live_server.url}/{language}/concerns/")
    listing = page.content()
    assert "Третью неделю нет воды на одной из улиц." in listing
    assert "Фарход" not in listing and "123 45 67" not in listing
    resident.close()
