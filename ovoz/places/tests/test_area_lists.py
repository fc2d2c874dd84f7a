"""The staff's area browser lists areas in the alphabetical order of the reader's language."""

import re

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.places.models import Area
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


def listed(client: Client, url: str) -> list[str]:
    html = client.get(url).content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a></td>', body)


@pytest.fixture
def coordinator(seeded):
    client = Client()
    sign_in(client, UserFactory(username="coordinator", role=DeploymentRole.COORDINATOR))
    return client


def test_countries_and_regions_follow_the_alphabet_of_the_reader(coordinator):
    coordinator.cookies["ovoz_language"] = "tg"
    assert listed(coordinator, "/staff/areas/") == [
        "Қазоқистон",
        "Қирғизистон",
        "Тоҷикистон",
        "Туркманистон",
        "Ӯзбекистон",
    ]
    coordinator.cookies["ovoz_language"] = "ky"
    assert listed(coordinator, f"/staff/areas/{Area.objects.get(code='TM').pk}/") == [
        "Ахал велаяты",
        "Ашхабад шаары",
        "Балкан велаяты",
        "Дашогуз велаяты",
        "Лебап велаяты",
        "Мары велаяты",
    ]
    coordinator.cookies["ovoz_language"] = "en"
    assert listed(coordinator, "/staff/areas/") == [
        "Kazakhstan",
        "Kyrgyzstan",
        "Tajikistan",
        "Turkmenistan",
        "Uzbekistan",
    ]
