from base64 import b32decode

import pytest
from django.utils import translation
from django_otp.oath import totp

from ovoz.accounts.tests.factories import PASSWORD, UserFactory, current_code
from ovoz.concerns.services import themes_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "ru", "uz", "tg", "ky", "kk", "kaa"])
def test_home_page_in_each_language(live_server, page_without_javascript, language):
    themes_seed()
    page = page_without_javascript
    page.goto(f"{live_server.url}/{language}/")
    assert page.locator("html").get_attribute("lang") == language
    with translation.override(language):
        heading = translation.gettext("Raise your voice. Solve it together.")
    assert page.locator("h1").inner_text() == heading


def test_language_switcher_moves_to_another_language(live_server, page):
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("link", name="Русский").click()
    page.wait_for_url(f"{live_server.url}/ru/")
    assert page.locator("html").get_attribute("lang") == "ru"


def test_staff_login_with_password_and_totp(live_server, page):
    user = UserFactory(username="facilitator")
    page.goto(f"{live_server.url}/staff/")
    assert "/staff/login/" in page.url
    page.get_by_label("Username").fill("facilitator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/staff/login/verify/")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/staff/")
    assert "Welcome" in page.locator("h1").inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/staff/login/")
    page.goto(f"{live_server.url}/staff/")
    assert "/staff/login/" in page.url


def test_first_staff_login_sets_up_the_authenticator(live_server, page):
    UserFactory(username="newcomer", with_totp=False)
    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/staff/login/enrol/")
    assert page.locator("figure.qr svg").count() == 1
    # What a person types into their authenticator app, turned into the code the app would show.
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("The 6-digit code your app shows now").fill(f"{totp(b32decode(secret)):06d}")
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_test_id("recovery-codes").locator("li").count() == 10
    # Then the key for confidential concerns, made at this first sign-in: its recovery key is shown once.
    page.get_by_role("link", name="Continue: your key for confidential concerns").click()
    page.wait_for_url(f"{live_server.url}/staff/account/key/")
    recovery_key = page.locator("code.recovery-key").inner_text()
    assert len(recovery_key.replace("-", "")) == 32
    assert "nobody can give you back access" in page.get_by_test_id("new-recovery-key").inner_text()
    page.get_by_role("link", name="I have kept it. Continue to the workspace").click()
    page.wait_for_url(f"{live_server.url}/staff/")
    page.goto(f"{live_server.url}/staff/account/key/")
    assert page.locator("code.recovery-key").count() == 0  # never shown again
