"""Messages with a count go through ngettext / {% blocktranslate count %}: English says "1 concern",
and languages with more plural forms (Russian: 1 концерн, 2 концерна, 5 концернов) get each of them."""

from datetime import timedelta

import pytest
from babel.messages.pofile import read_po
from django.utils import timezone, translation
from django.utils.translation import ngettext

from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status
from ovoz.core.catalogs import extract, po_path
from ovoz.groups import services
from ovoz.groups.models import Meeting
from ovoz.testing.web import client_for

# (singular, plural) as in the sources; templates' placeholders are the names given after `count`.
PLURAL_MESSAGES = [
    ("%(count)s concern added to the agenda.", "%(count)s concerns added to the agenda."),
    ("Status changed for %(count)s concern.", "Status changed for %(count)s concerns."),
    ("You can attach up to %(count)s photo.", "You can attach up to %(count)s photos."),
    ("%(days)s day", "%(days)s days"),
    ("%(count)s concern", "%(count)s concerns"),
    ("%(count)s character", "%(count)s characters"),
    (
        "Please keep the description under %(limit)s character.",
        "Please keep the description under %(limit)s characters.",
    ),
    ("%(total)s person took part.", "%(total)s people took part."),
    (
        "%(scored)s of %(total)s member has scored. Scores stay hidden until the round closes.",
        "%(scored)s of %(total)s members have scored. Scores stay hidden until the round closes.",
    ),
    ("%(attempts)s attempt", "%(attempts)s attempts"),
    (
        "Send this message to the Ovoz bot in Telegram within %(minutes)s minute:",
        "Send this message to the Ovoz bot in Telegram within %(minutes)s minutes:",
    ),
    (
        "Last full check of the hash chain, %(when)s: %(checked)s entry, intact.",
        "Last full check of the hash chain, %(when)s: %(checked)s entries, intact.",
    ),
]


@pytest.fixture(scope="module")
def source_catalog():
    return extract()


@pytest.mark.parametrize(("singular", "plural"), PLURAL_MESSAGES)
def test_each_counted_message_is_a_plural_entry_of_the_catalog(source_catalog, singular, plural):
    message = source_catalog.get(singular)
    assert message is not None, singular
    assert message.pluralizable and message.id == (singular, plural)
    assert source_catalog.get(plural) is None  # the plural is not also a message of its own


def _values(text: str, number: int) -> dict[str, object]:
    names = ("count", "days", "total", "scored", "attempts", "minutes", "checked", "when", "limit")
    return {name: number if name != "when" else "2026-01-01" for name in names if f"%({name})s" in text}


@pytest.mark.parametrize(("singular", "plural"), PLURAL_MESSAGES)
def test_russian_has_each_of_its_three_forms_with_the_number(singular, plural):
    """Every counted message has Russian's three plural forms, each saying its number. They need not
    all differ: after a preposition Russian takes the genitive ("у 2 обращений", "у 5 обращений"), and
    some nouns do not change at all ("фото")."""
    with po_path("ru").open("rb") as handle:
        catalog = read_po(handle, locale="ru", domain="django")
    entry = catalog.get(singular)
    assert entry is not None and isinstance(entry.string, tuple) and len(entry.string) == 3 and all(entry.string)
    with translation.override("ru"):
        one, few, many = (ngettext(singular, plural, number) % _values(singular, number) for number in (1, 2, 5))
    assert "1" in one and "2" in few and "5" in many


def test_russian_agrees_with_the_number_in_three_forms():
    with translation.override("ru"):
        forms = [
            ngettext("%(count)s concern added to the agenda.", "%(count)s concerns added to the agenda.", n)
            % {"count": n}
            for n in (1, 2, 5, 21)
        ]
    assert forms == [
        "1 обращение добавлено в повестку дня.",
        "2 обращения добавлены в повестку дня.",
        "5 обращений добавлено в повестку дня.",
        "21 обращение добавлено в повестку дня.",
    ]


@pytest.mark.parametrize("number", [1, 2, 5])
def test_english_counts_concerns_added_to_the_agenda_in_singular_and_plural(world, number):
    facilitator = world["users"]["facilitator"]
    meeting = Meeting.objects.create(
        working_group=world["group"], starts_at=timezone.now() - timedelta(days=1), place="Mahalla"
    )
    concerns = []
    for index in range(number):
        concern = concern_services.concern_submit(
            text=f"Canal {index} blocked", channel=Channel.WEB, area=world["zomin"]
        ).concern
        concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
        concerns.append(concern)
    client = client_for(world, "facilitator")
    response = client.post(
        f"/staff/groups/zomin/meetings/{meeting.pk}/",
        {"action": "agenda_add", "concerns": [concern.pk for concern in concerns]},
        follow=True,
    )
    page = response.content.decode()
    expected = "1 concern added to the agenda." if number == 1 else f"{number} concerns added to the agenda."
    assert expected in page
    assert "1 concerns" not in page


def test_english_says_one_person_took_part(world):
    meeting = Meeting.objects.create(
        working_group=world["group"], starts_at=timezone.now() - timedelta(days=1), place="Mahalla"
    )
    services.meeting_record_attendance(
        actor=world["users"]["facilitator"], meeting=meeting, counts={("women", "30_59"): 1}
    )
    page = client_for(world, "facilitator").get(f"/staff/groups/zomin/meetings/{meeting.pk}/print/").content.decode()
    assert "1 person took part." in page and "people took part" not in page
