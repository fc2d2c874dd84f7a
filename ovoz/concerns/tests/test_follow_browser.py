"""Back and reload on the follow page never ask to send a form again (POST, redirect, GET)."""

import pytest

from ovoz.concerns import services
from ovoz.concerns.choices import Channel
from ovoz.concerns.services import themes_seed
from ovoz.places.services import areas_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_back_and_reload_after_following_show_the_page_without_a_resubmission_prompt(live_server, page):
    areas_seed()
    themes_seed()
    submitted = services.concern_submit(text="The school roof leaks onto the children.", channel=Channel.WEB)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    page.goto(f"{live_server.url}/en/")
    page.goto(f"{live_server.url}/en/follow/")
    page.get_by_label("Receipt code").fill(submitted.receipt)
    page.get_by_role("button", name="Show my concern").click()
    page.get_by_test_id("status").wait_for()
    assert "The school roof leaks onto the children." in page.content()

    # An action, then its thanks on the page it redirects to.
    page.get_by_label("Your answer or more information").fill("School no. 12 in Zomin")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Thank you. Your message was added to your concern.").wait_for()

    # Reload: a plain GET of the same page, the concern still shown, the thanks said once only.
    reloaded = page.reload()
    assert reloaded is not None and reloaded.ok and reloaded.request.method == "GET"
    page.get_by_test_id("status").wait_for()
    assert "Thank you" not in page.content()

    # Back: the page before the action, fetched with GET again, never "Confirm Form Resubmission".
    back = page.go_back()
    assert back is not None and back.ok and back.request.method == "GET"
    assert page.url == f"{live_server.url}/en/follow/"
    page.get_by_test_id("status").wait_for()
    assert page.get_by_test_id("status").inner_text() == "received"
    assert dialogs == []
    assert submitted.concern.events.filter(kind="reporter_message").count() == 1

    # Stop following: the device forgets the receipt, and back shows only the receipt form.
    page.get_by_role("button", name="Stop following on this device").click()
    page.get_by_text("This device no longer follows your concern.").wait_for()
    page.go_back()
    assert page.get_by_test_id("status").count() == 0
    assert page.get_by_label("Receipt code").is_visible()
