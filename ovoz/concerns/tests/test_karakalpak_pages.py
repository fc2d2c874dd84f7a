"""Karakalpak (kaa) as an interface language: the resident's and the staff's pages speak it."""

import pytest
from django.utils import formats, translation

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel
from ovoz.concerns.models import Theme
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


def kaa(text: str) -> str:
    with translation.override("kaa"):
        translated = translation.gettext(text)
    assert translated != text, text
    return translated


def test_the_report_form_speaks_karakalpak_and_lists_every_theme_in_it(client, seeded):
    html = client.get("/kaa/report/").content.decode()
    assert '<html lang="kaa"' in html
    for text in ("Raise a concern", "What is the problem?", "Send the concern", "Who may see it?"):
        assert kaa(text) in html
    for theme in Theme.objects.all():
        assert theme.labels["kaa"] in html
    assert "Вода" not in html  # no theme falls back to Russian


def test_the_follow_page_and_the_receipt_speak_karakalpak(client, seeded):
    html = client.get("/kaa/follow/").content.decode()
    assert '<html lang="kaa"' in html and kaa("Show my concern") in html
    submitted = services.concern_submit(text="Suw joq", channel=Channel.WEB, area=None)
    response = client.post("/kaa/follow/", {"receipt": submitted.receipt}, follow=True)
    page = response.content.decode()
    assert kaa("Your concern") in page and kaa("received") in page


def test_staff_pages_speak_karakalpak_when_chosen(client, seeded):
    concern = services.concern_submit(text="Suw joq", channel=Channel.WEB, area=None).concern
    sign_in(client, UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR))
    client.post("/i18n/setlang/", {"language": "kaa", "next": "/staff/"})
    for url, text in [
        ("/staff/", "Staff workspace"),
        ("/staff/concerns/", "Change the status of the chosen concerns to"),
        (f"/staff/concerns/{concern.pk}/", "What the reporter wrote"),
    ]:
        html = client.get(url).content.decode()
        assert '<html lang="kaa"' in html, url
        assert kaa(text) in html, url


def test_karakalpak_numbers_and_dates_are_written_as_in_uzbekistan():
    assert formats.get_format("DECIMAL_SEPARATOR", lang="kaa") == ","
    assert formats.get_format("THOUSAND_SEPARATOR", lang="kaa") == "\xa0"
    assert formats.get_format("SHORT_DATE_FORMAT", lang="kaa") == "d.m.Y"
    with translation.override("kaa"):
        assert formats.number_format(1234.5, decimal_pos=1, force_grouping=True) == "1\xa0234,5"


def test_the_language_switcher_names_karakalpak_in_karakalpak(client):
    html = client.get("/ru/").content.decode()
    assert 'href="/kaa/"' in html and "Qaraqalpaqsha" in html
    info = translation.get_language_info("kaa")
    assert (info["name"], info["name_local"], info["bidi"]) == ("Karakalpak", "Qaraqalpaqsha", False)
