"""Open data downloads as people use them: district codes, a CSV that Excel on Windows reads as UTF-8,
the XLSX "about" sheet naming the deployment's address, and a data dictionary reachable from the site."""

import csv
import io

import pytest
from openpyxl import load_workbook

from ovoz.concerns import services
from ovoz.concerns.choices import Channel
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(db):
    """A district made by hand (as the demo and imports without a code field make them): it has no code."""
    areas_seed()
    zomin = Area.objects.create(
        parent=Area.objects.get(code="UZ-JI"), kind=AreaKind.DISTRICT, name="Zomin", names={"ru": "Заамин"}
    )
    for _ in range(5):
        services.concern_submit(text="Газ нет уже неделю", channel=Channel.WEB, area=zomin)
    return zomin


def _csv(client, url):
    return b"".join(client.get(url).streaming_content)


def test_district_rows_carry_an_area_code_in_csv_and_xlsx(client, district):
    rows = list(csv.DictReader(io.StringIO(_csv(client, "/data/areas.csv?level=district").decode())))
    assert [(row["area_code"], row["area"], row["concerns"]) for row in rows] == [(f"ovoz-{district.pk}", "Zomin", "5")]
    sheet = load_workbook(io.BytesIO(client.get("/data/areas.xlsx?level=district").content), read_only=True)
    assert list(sheet["districts"].values)[1][:2] == (f"ovoz-{district.pk}", "Zomin")


def test_a_csv_for_excel_starts_with_a_byte_order_mark_and_the_plain_one_does_not(client, district):
    plain = client.get("/data/areas.csv?level=district")
    excel = client.get("/data/areas.csv?level=district&excel=1")
    plain_bytes, excel_bytes = b"".join(plain.streaming_content), b"".join(excel.streaming_content)
    assert not plain_bytes.startswith(b"\xef\xbb\xbf")
    assert excel_bytes == b"\xef\xbb\xbf" + plain_bytes
    assert excel["Content-Disposition"] == 'attachment; filename="ovoz-districts-excel.csv"'
    assert _csv(client, "/data/concerns.csv?excel=1").startswith(b"\xef\xbb\xbfid,day,")


def test_the_data_page_offers_the_csv_for_excel_beside_the_plain_one_and_links_the_dictionary(client, district):
    html = client.get("/en/data/").content.decode()
    for url in ("/data/concerns.csv?excel=1", "/data/areas.csv?excel=1", "/data/areas.csv?level=district&amp;excel=1"):
        assert f'href="{url}"' in html
    assert '<a href="/en/data/dictionary/">data dictionary</a>' in html
    assert "docs/data.md" not in html


def test_the_data_dictionary_page_shows_docs_data_md_with_its_tables(client):
    response = client.get("/ru/data/dictionary/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<table>" in html and "<code>area_code</code>" in html and "<code>#adm+code</code>" in html
    assert '<div class="dictionary" lang="en">' in html
    # Links between the files of docs/ lead nowhere on the site: their text stays, the link goes.
    assert 'href="adr/' not in html and "ADR 0008" in html


def test_the_xlsx_about_sheet_names_the_deployments_address_and_dictionary(client, district, settings):
    settings.OVOZ_PUBLIC_URL = "https://ovoz.example.org"
    about: dict[str, str] = dict(
        load_workbook(io.BytesIO(client.get("/data/areas.xlsx").content), read_only=True)["about"].values
    )
    assert about["source"] == "https://ovoz.example.org/"
    assert about["dictionary"] == "https://ovoz.example.org/en/data/dictionary/"
