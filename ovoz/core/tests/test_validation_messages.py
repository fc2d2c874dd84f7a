"""Django's validation messages in Ovoz's catalogs: the same msgids as Django's, translated everywhere."""

from pathlib import Path

import django
import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils import translation

from ovoz.core.validation_messages import DJANGO_MESSAGES, DJANGO_PLURAL_MESSAGES

TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


def _django_msgids() -> set[str]:
    path = Path(django.__file__).parent / "conf" / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {message.id if isinstance(message.id, str) else message.id[0] for message in catalog if message.id}


def test_the_copied_messages_are_djangos_own_msgids():
    """Only an exact copy of Django's msgid replaces Django's translation."""
    msgids = _django_msgids()
    assert [message for message in DJANGO_MESSAGES if message not in msgids] == []
    with translation.override("en"):
        for count in (1, 4000):
            values = {"limit_value": count, "show_value": count + 1}
            assert DJANGO_PLURAL_MESSAGES[0] % values == MaxLengthValidator.message % values


@pytest.mark.parametrize("language", TRANSLATED)
def test_djangos_messages_are_translated_by_ovoz_in_every_language(language):
    with translation.override(language):
        for message in DJANGO_MESSAGES:
            assert translation.gettext(message) != message
        too_long = DJANGO_PLURAL_MESSAGES[0] % {"limit_value": 4000, "show_value": 6150}
    assert "Ensure" not in too_long
    assert "4000 " in too_long  # Django's Kyrgyz catalog glues the number to the word ("4000символ")
