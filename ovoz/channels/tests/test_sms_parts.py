"""Every automatic SMS reply, in every language, with the longest realistic values: one part where the
language is written in GSM-7 (en, uz), at most two in the Cyrillic ones (ru, tg, ky, kk)."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from ovoz.channels import texts
from ovoz.concerns.choices import Audience, EventKind, Status, Visibility
from ovoz.concerns.choices import Channel as ConcernChannel
from ovoz.concerns.models import Concern, ConcernEvent
from ovoz.conversations.notices import channel_text
from ovoz.core.sms import Encoding, encoding, parts

pytestmark = pytest.mark.django_db

GSM7_LANGUAGES = ("en", "uz")
CYRILLIC_LANGUAGES = ("ru", "tg", "ky", "kk")
LONGEST_NUMBER = 9_999_999
LONGEST_RECEIPT = "WWWW-WWWW-WWWW-WWWW"  # every receipt is 16 characters in four groups
LONG_PUBLIC_URL = "https://ovoz.jizzakh-community-safety.example.org"
NOTES = {
    "latin": "The district khokimiyat promised to repair the road to school no. 12 before winter. " * 50,
    "uzbek": "Tuman hokimligi qishgacha 12-maktabga boradigan yoʻlni taʼmirlashga vaʼda berdi. " * 50,
    "cyrillic": "Хокимият района обещал до зимы отремонтировать дорогу к школе № 12 — «срочно». " * 50,
}


def _allowed(language: str, text: str) -> int:
    if language in GSM7_LANGUAGES and not any(character.isalpha() and ord(character) > 0x400 for character in text):
        assert encoding(text) == Encoding.GSM7, (language, text)
        return 1
    return 2


def _concern(language: str, *, status: Status = Status.RECEIVED) -> Concern:
    Concern.objects.filter(pk=LONGEST_NUMBER).delete()
    return Concern.objects.create(
        pk=LONGEST_NUMBER,
        receipt_hash=f"{language}-{status}".ljust(64, "0"),
        receipt_valid_until=timezone.now() + timedelta(days=365),
        text="",
        language=language,
        channel=ConcernChannel.SMS,
        visibility=Visibility.PUBLIC,
        status=status,
    )


def _replies(language: str) -> list[tuple[str, str]]:
    """(which reply, its text) for every automatic SMS reply, rendered as the code renders it."""
    replies = []
    with translation.override(language):
        concern = _concern(language)
        replies += [
            ("receipt", texts.received_text(concern, receipt=LONGEST_RECEIPT)),
            ("sealed with receipt", texts.sealed_received_text(concern, receipt=LONGEST_RECEIPT)),
            ("sealed", texts.sealed_received_text(concern)),
            ("secret alone", texts.secret_howto_text()),
            ("news after sealing", texts.wordless_news_text(concern)),
        ]
    replies.append(("status, no concern", texts.status_text(None, language)))
    for status in Status:
        concern = _concern(language, status=status)
        replies.append((f"status {status}", texts.status_text(concern, language)))
        event = ConcernEvent.objects.create(
            concern=concern, kind=EventKind.STATUS, audience=Audience.PUBLIC, to_status=status
        )
        replies.append((f"news: {status}", channel_text(event, concern)))
        for script, note in NOTES.items():
            ConcernEvent.objects.create(concern=concern, kind=EventKind.NOTE, audience=Audience.PUBLIC, text=note)
            replies.append((f"status {status}, long {script} note", texts.status_text(concern, language)))
            event = ConcernEvent.objects.create(
                concern=concern, kind=EventKind.STATUS, audience=Audience.PUBLIC, to_status=status, text=note
            )
            replies.append((f"news: {status}, long {script} note", channel_text(event, concern)))
    sealed = _concern(language)
    Concern.objects.filter(pk=sealed.pk).update(sealed_text=b"sealed", content_public_key=b"k" * 32)
    sealed.refresh_from_db()
    event = ConcernEvent.objects.create(concern=sealed, kind=EventKind.NOTE, audience=Audience.REPORTER)
    replies.append(("news about a sealed concern", channel_text(event, sealed)))
    return replies


@pytest.mark.parametrize("language", GSM7_LANGUAGES + CYRILLIC_LANGUAGES)
def test_every_automatic_sms_reply_fits_its_parts(language, settings):
    settings.OVOZ_PUBLIC_URL = LONG_PUBLIC_URL
    over = []
    for name, text in _replies(language):
        assert text, name
        if parts(text) > _allowed(language, text):
            over.append(f"{name}: {parts(text)} parts, {len(text)} characters: {text}")
    assert over == []


@pytest.mark.parametrize("language", ("en", "uz"))
def test_replies_in_latin_script_languages_are_gsm7(language, settings):
    settings.OVOZ_PUBLIC_URL = LONG_PUBLIC_URL
    for name, text in _replies(language):
        if "cyrillic" not in name:
            assert encoding(text) == Encoding.GSM7, (name, text)
            assert parts(text) == 1, (name, text)


def test_a_long_status_note_is_cut_with_a_pointer_to_the_follow_page(settings):
    settings.OVOZ_PUBLIC_URL = LONG_PUBLIC_URL
    concern = _concern("ru", status=Status.ACCEPTED)
    ConcernEvent.objects.create(concern=concern, kind=EventKind.NOTE, audience=Audience.PUBLIC, text=NOTES["cyrillic"])
    text = texts.status_text(concern, "ru")
    assert text.startswith(f"Ovoz: обращение № {LONGEST_NUMBER} принято. Хокимият района")
    assert text.endswith(f"… Подробнее: {LONG_PUBLIC_URL}/ru/follow/")
    assert parts(text) == 2
    # Telegram has no parts: it gets the note whole.
    assert NOTES["cyrillic"].strip() in texts.status_text(concern, "ru", is_sms=False)
