import pycountry
import pytest

from ovoz.places.models import Area
from ovoz.places.services import SEED_COUNTRIES, areas_seed

pytestmark = pytest.mark.django_db

LOCAL_LANGUAGE = {"KZ": "kk", "KG": "ky", "TJ": "tg", "TM": "tk", "UZ": "uz"}


def test_seed_creates_five_countries_and_all_their_regions(seeded):
    assert set(Area.objects.filter(kind="country").values_list("code", flat=True)) == set(SEED_COUNTRIES)
    assert Area.objects.filter(kind="region").count() == 54


def test_every_iso_region_has_names_and_a_point(seeded):
    for country in SEED_COUNTRIES:
        codes = {s.code for s in pycountry.subdivisions.get(country_code=country) if s.parent_code is None}
        regions = Area.objects.filter(parent__code=country)
        assert set(regions.values_list("code", flat=True)) == codes
        for region in regions:
            for language in ("en", "ru", LOCAL_LANGUAGE[country]):
                assert region.names.get(language), (region.code, language)
            assert region.latitude is not None and region.longitude is not None
            assert region.path == f"{region.parent_id}/"


def test_seeding_again_changes_nothing(seeded):
    before = list(Area.objects.order_by("pk").values("pk", "code", "names", "latitude", "updated_at"))
    result = areas_seed()
    assert (result.created, result.updated) == (0, 0)
    assert list(Area.objects.order_by("pk").values("pk", "code", "names", "latitude", "updated_at")) == before


def test_seeding_keeps_names_an_administrator_changed(seeded):
    region = Area.objects.get(code="UZ-JI")
    region.names = {**region.names, "ru": "Джизакская обл. (правка)"}
    region.save()
    areas_seed()
    region.refresh_from_db()
    assert region.names["ru"] == "Джизакская обл. (правка)"


def test_area_names_follow_the_active_language(seeded):
    from django.utils import translation

    region = Area.objects.get(code="UZ-SA")
    with translation.override("ru"):
        assert region.display_name == "Самаркандская область"
    with translation.override("uz"):
        assert region.display_name == "Samarqand viloyati"
    with translation.override("ky"):
        assert region.display_name == "Самарканд облусу"
    district = Area.objects.create(
        parent=region, kind="district", name="Urgut District", names={"en": "Urgut District", "ru": "Ургутский район"}
    )
    with translation.override("ky"):  # no Kyrgyz name: Russian is read more widely
        assert district.display_name == "Ургутский район"
