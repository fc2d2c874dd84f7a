"""The axe walk of every public and staff page (test_accessibility.py), in Tajik."""

import pytest

from ovoz.core.tests.test_accessibility import every_page_checked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_public_and_staff_page_has_no_axe_violation_in_tajik(live_server, chromium):
    every_page_checked(live_server, chromium, "tg")
