"""The snapshot the authorization matrices compare before and after a refusal sees every kind of change."""

import pytest
from django.contrib.sessions.models import Session

from ovoz.accounts.tests.factories import UserFactory
from ovoz.core.events import AuditAction
from ovoz.core.models import AuditEntry
from ovoz.core.services import audit_record
from ovoz.testing.snapshot import table_rows

pytestmark = pytest.mark.django_db


def test_an_updated_an_added_and_a_deleted_row_each_change_the_snapshot():
    user = UserFactory(first_name="Dilnoza")
    before = table_rows()

    user.first_name = "Dilorom"
    user.save(update_fields=["first_name"])
    assert table_rows() != before
    user.first_name = "Dilnoza"
    user.save(update_fields=["first_name"])
    assert table_rows() == before

    other = UserFactory()
    assert table_rows() != before
    other.delete()
    assert table_rows() == before


def test_the_skipped_tables_are_not_compared():
    before = table_rows(skip=(AuditEntry, Session))
    audit_record(action=AuditAction.ACCESS_DENIED)
    Session.objects.create(session_key="k" * 32, session_data="", expire_date="2031-01-01T00:00:00Z")
    assert table_rows(skip=(AuditEntry, Session)) == before
    assert table_rows() != before
