"""Every seeded country and region is named in every interface language, in that language's script."""

import importlib
import json
import unicodedata

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.utils import translation

from ovoz.core.translated import pick
from ovoz.places.models import Area
from ovoz.places.services import SEED_FILE, areas_seed

# Karakalpak is named too: its names are read once it is an interface language, and by uz-first
# fallbacks meanwhile.
LANGUAGES = sorted({code for code, _name in settings.LANGUAGES} | {"kaa"})
LATIN_LANGUAGES = {"en", "uz", "kaa"}
CYRILLIC_LANGUAGES = {"ru", "tg", "ky", "kk"}
# The letters Oʻ and Gʻ are written with U+02BB, a modifier letter rather than a Latin one.
ALLOWED_MARKS = {"uz": {"ʻ"}}

ENTRIES = json.loads(SEED_FILE.read_text(encoding="utf-8"))
migration = importlib.import_module("ovoz.places.migrations.0003_area_names_in_every_language")


def scripts_of(text: str, language: str) -> set[str]:
    return {
        unicodedata.name(character).split()[0]
        for character in text
        if character.isalpha() and character not in ALLOWED_MARKS.get(language, set())
    }


def test_the_languages_cover_every_interface_language():
    assert {code for code, _name in settings.LANGUAGES} <= LATIN_LANGUAGES | CYRILLIC_LANGUAGES
    assert set(LANGUAGES) == LATIN_LANGUAGES | CYRILLIC_LANGUAGES


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry["code"] for entry in ENTRIES])
def test_every_country_and_region_has_a_name_in_every_language_in_its_script(entry):
    for language in LANGUAGES:
        name = entry["names"].get(language, "")
        assert name and name == name.strip() and "  " not in name, (entry["code"], language)
        expected = "LATIN" if language in LATIN_LANGUAGES else "CYRILLIC"
        assert scripts_of(name, language) == {expected}, (entry["code"], language, name)


def test_uzbek_names_write_oʻ_and_gʻ_with_the_turned_comma():
    for entry in ENTRIES:
        name = entry["names"]["uz"]
        assert not set(name) & set("'`‘’ʼ"), name


def test_names_differ_between_the_areas_of_one_country_in_every_language():
    for language in LANGUAGES:
        seen: dict[tuple[str | None, str], str] = {}
        for entry in ENTRIES:
            key = (entry["parent"], entry["names"][language].casefold())
            assert key not in seen, (language, entry["code"], seen.get(key))
            seen[key] = entry["code"]


def test_names_are_in_the_usual_local_forms():
    names = {entry["code"]: entry["names"] for entry in ENTRIES}
    assert names["UZ-SA"]["uz"] == "Samarqand viloyati"
    assert names["KZ-19"]["kk"] == "Алматы облысы"
    assert names["KG-O"]["ky"] == "Ош облусу"
    assert names["TJ-SU"]["tg"] == "Вилояти Суғд"
    assert names["KZ-62"]["ru"] == "Улытауская область"
    assert names["TM-A"]["uz"] == "Ahal viloyati"
    assert names["UZ-QR"]["kaa"] == "Qaraqalpaqstan Respublikası"


@pytest.mark.django_db
def test_seeded_areas_are_named_in_every_language(seeded):
    for area in Area.objects.filter(kind__in=["country", "region"]):
        for language in LANGUAGES:
            assert area.names.get(language), (area.code, language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", sorted(LATIN_LANGUAGES - {"kaa"}))
def test_the_report_form_lists_no_cyrillic_region_in_a_latin_interface(client, seeded, language):
    html = client.get(f"/{language}/report/").content.decode()
    select = html[html.index('name="region"') : html.index("</select>", html.index('name="region"'))]
    assert "viloyati" in select or "Region" in select
    assert not any("CYRILLIC" in unicodedata.name(character, "") for character in select), language


@pytest.mark.django_db
def test_seeding_replaces_a_name_ovoz_once_shipped_and_keeps_one_an_administrator_set(seeded):
    ulytau = Area.objects.get(code="KZ-62")
    ulytau.names = {**ulytau.names, "ru": "область Ұлытау", "kk": "Ұлытау облысы (правка)"}
    ulytau.save()
    areas_seed()
    ulytau.refresh_from_db()
    assert ulytau.names["ru"] == "Улытауская область"
    assert ulytau.names["kk"] == "Ұлытау облысы (правка)"


@pytest.mark.django_db
def test_the_migration_names_areas_of_an_existing_database_and_keeps_administrators_names(seeded):
    # Given a database seeded before issue 14: only English, Russian and the country's own language,
    # with the former Russian name of Ulytau, and a Kazakh name an administrator changed.
    before = {
        "KZ-62": {"en": "Ulytau Region", "ru": "область Ұлытау", "kk": "Ұлытау облысы"},
        "TJ-DU": {"en": "Dushanbe", "ru": "город Душанбе", "tg": "шаҳри Душанбе"},
        "TM-A": {"en": "Ahal Region", "ru": "Ахалский велаят", "tk": "Ahal welaýaty"},
        "KZ-19": {"en": "Almaty Region", "ru": "Алматинская область", "kk": "Алматы облысы (өзгертілген)"},
    }
    for code, names in before.items():
        Area.objects.filter(code=code).update(names=names)
    untouched = Area.objects.create(name="Somewhere", kind="district", parent=Area.objects.get(code="UZ-JI"))

    migration.add_names(django_apps, None)

    names = {area.code: area.names for area in Area.objects.filter(code__in=list(before))}
    assert names["KZ-62"]["ru"] == "Улытауская область"
    assert names["KZ-62"]["uz"] == "Ulitau viloyati"
    assert names["TJ-DU"]["tg"] == "Шаҳри Душанбе"
    assert names["TM-A"]["uz"] == "Ahal viloyati" and names["TM-A"]["tk"] == "Ahal welaýaty"
    assert names["KZ-19"]["kk"] == "Алматы облысы (өзгертілген)"
    for code in before:
        assert set(LANGUAGES) <= set(names[code]), code
    untouched.refresh_from_db()
    assert untouched.names == {}


def test_the_migration_names_every_seeded_area_in_every_language():
    assert set(migration.NAMES) == {entry["code"] for entry in ENTRIES}
    for code, names in migration.NAMES.items():
        assert set(LANGUAGES) <= set(names), code


@pytest.mark.django_db
def test_region_names_follow_the_active_language_without_falling_back(seeded):
    region = Area.objects.get(code="TM-A")
    expected = {
        "en": "Ahal Region",
        "ru": "Ахалский велаят",
        "uz": "Ahal viloyati",
        "tg": "Вилояти Аҳал",
        "ky": "Ахал велаяты",
        "kk": "Ахал уәлаяты",
    }
    for language, name in expected.items():
        with translation.override(language):
            assert region.display_name == name


def test_karakalpak_falls_back_to_uzbek_then_russian():
    assert pick({"en": "X", "ru": "Икс", "uz": "Iks", "kaa": "Iksa"}, "kaa") == "Iksa"
    assert pick({"en": "X", "ru": "Икс", "uz": "Iks"}, "kaa") == "Iks"
    assert pick({"en": "X", "ru": "Икс"}, "kaa") == "Икс"
    assert pick({"en": "X", "ru": "Икс", "uz": "Iks"}, "kk") == "Икс"  # only Karakalpak reads Uzbek first
