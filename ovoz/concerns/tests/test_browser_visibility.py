"""In a browser without JavaScript: "violence at home" with "public" is asked again, confidential is
offered, and sending it as offered stores it confidential (issue 12, point 6)."""

import pytest

from ovoz.concerns.models import Concern
from ovoz.concerns.services import themes_seed
from ovoz.places.services import areas_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_with_violence_at_home_is_asked_again_without_javascript(live_server, page_without_javascript):
    areas_seed()
    themes_seed()
    page = page_without_javascript
    page.goto(f"{live_server.url}/en/report/")
    page.get_by_label("What is the problem?").fill("My husband beats me when he drinks")
    page.get_by_label("Domestic and gender-based violence").check()
    page.locator('input[name="visibility"][value="public"]').check()
    page.get_by_role("button", name="Send the concern").click()

    page.get_by_text("it has not been sent yet").first.wait_for()
    assert Concern.objects.count() == 0
    assert page.get_by_label("What is the problem?").input_value() == "My husband beats me when he drinks"
    assert page.locator('input[name="visibility"][value="confidential"]').is_checked()
    assert page.get_by_label("Yes, I am sure: let it be seen as I chose above.").is_visible()

    page.get_by_role("button", name="Send the concern").click()
    page.get_by_test_id("receipt").wait_for()
    assert page.get_by_test_id("confidential-promise").is_visible()
    concern = Concern.objects.get()
    assert concern.visibility == "confidential" and concern.is_sealed
