"""Each staff member chooses a language: their staff pages switch to it at sign-in and when they change
it, and notifications to them are written in it."""

import pytest
from django.core import mail
from django.utils import translation

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.models import User
from ovoz.accounts.notifications import recipient_change_notify
from ovoz.accounts.services import recipient_change_propose
from ovoz.accounts.tests.factories import UserFactory
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


def test_a_staff_member_chooses_a_language_on_the_account_page_and_the_pages_switch_to_it(signed_in_client):
    page = signed_in_client.get("/staff/account/").content.decode()
    assert 'name="language"' in page and '<option value="tg">Тоҷикӣ</option>' in page

    response = signed_in_client.post("/staff/account/", {"action": "language", "language": "tg"})

    assert response.status_code == 302 and response.cookies["ovoz_language"].value == "tg"
    assert User.objects.get(username="coordinator").language == "tg"
    assert '<html lang="tg"' in signed_in_client.get("/staff/").content.decode()


def test_an_unknown_language_is_refused_and_nothing_changes(signed_in_client):
    response = signed_in_client.post("/staff/account/", {"action": "language", "language": "xx"})
    assert response.status_code == 200 and "ovoz_language" not in response.cookies
    assert User.objects.get(username="coordinator").language == ""


def test_choosing_none_goes_back_to_what_the_browser_says(signed_in_client):
    signed_in_client.post("/staff/account/", {"action": "language", "language": "ky"})
    response = signed_in_client.post("/staff/account/", {"action": "language", "language": ""})
    assert response.cookies["ovoz_language"].value == ""  # deleted
    assert User.objects.get(username="coordinator").language == ""
    page = signed_in_client.get("/staff/", headers={"accept-language": "ru"}).content.decode()
    assert '<html lang="ru"' in page


def test_the_staff_pages_switch_to_the_chosen_language_at_sign_in(client):
    user = UserFactory(username="kyrgyz", language="ky")
    response = sign_in(client, user)
    assert response.status_code == 302 and response.cookies["ovoz_language"].value == "ky"
    assert '<html lang="ky"' in client.get("/staff/", headers={"accept-language": "en"}).content.decode()


def test_a_recipient_change_is_told_to_each_recipient_in_their_language(db):
    administrator = UserFactory(username="administrator", role=DeploymentRole.ADMINISTRATOR)
    UserFactory(username="english-recipient", receives_confidential=True, email="english@example.org")
    newcomer = UserFactory(username="newcomer", language="ru", email="newcomer@example.org")
    with translation.override("kk"):
        change = recipient_change_propose(actor=administrator, user=newcomer, receives=True)
        mail.outbox.clear()
        recipient_change_notify(change_id=change.pk)

    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects["newcomer@example.org"] == (
        "Ovoz: изменение круга получателей конфиденциальных обращений ожидает подтверждения"
    )
    assert subjects["english@example.org"] == (
        "Ovoz: a change to who receives confidential concerns waits for confirmation"
    )
