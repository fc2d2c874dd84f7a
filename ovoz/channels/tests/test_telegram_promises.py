"""The Telegram bot explains who may see a concern with the report form's own sentences (issue 12,
point 6): "confidential" no longer promises "only named case workers", which was not true."""

import pytest
from django.utils import translation

from ovoz.concerns.choices import Visibility
from ovoz.concerns.promises import VISIBILITY_EXPLAINED
from ovoz.places.models import Area

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(telegram_channel):
    return telegram_channel


def test_the_visibility_question_says_what_the_report_form_says(telegram, bot_api):
    telegram(text="/start")
    telegram(data="language:en")
    telegram(text="Nobody repairs the road to the school")
    telegram(data=f"area:{Area.objects.get(code='UZ-JI').pk}")
    question = bot_api.sent()[-1]["text"]
    with translation.override("en"):
        for visibility in Visibility:
            assert str(VISIBILITY_EXPLAINED[visibility]) in question, visibility
    assert "case workers" not in question
