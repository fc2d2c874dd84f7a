"""Case workers added or removed in the admin go through the audited services: one audit entry per change,
naming the administrator and the person."""

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.core.models import AuditEntry
from ovoz.places.models import Area
from ovoz.referrals.models import CaseWorker, ProviderKind, ServiceProvider
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_and_user():
    administrator = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    client = Client()
    assert sign_in(client, administrator)["Location"] == "/staff/"
    return client, administrator


def _area():
    return Area.objects.get_or_create(kind="country", code="UZ", defaults={"name": "Uzbekistan"})[0]


def _provider():
    provider = ServiceProvider.objects.create(name="Safe house", kind=ProviderKind.SHELTER, languages=["uz"])
    provider.areas.add(_area())
    return provider


def _provider_form(provider, rows, *, initial):
    area = _area()
    data = {
        "areas": [area.pk],
        "name": provider.name,
        "kind": provider.kind,
        "languages": '["uz"]',
        "initial-languages": '["uz"]',  # as the page sends it (a field with a callable default)
        "how_to_reach": "",
        "is_active": "on",
        "case_workers-TOTAL_FORMS": str(len(rows)),
        "case_workers-INITIAL_FORMS": str(initial),
        "case_workers-MIN_NUM_FORMS": "0",
        "case_workers-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"case_workers-{index}-{key}": value for key, value in row.items()})
    return data


def _new_entries(before):
    return list(AuditEntry.objects.exclude(pk__in=before).order_by("pk"))


def test_adding_a_case_worker_in_the_admin_writes_one_audit_entry(admin_client_and_user):
    client, administrator = admin_client_and_user
    provider = _provider()
    worker = UserFactory(username="worker", role=DeploymentRole.NONE)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    response = client.post(
        f"/staff/admin/referrals/serviceprovider/{provider.pk}/change/",
        _provider_form(provider, [{"id": "", "provider": provider.pk, "user": worker.pk}], initial=0),
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    assert CaseWorker.objects.filter(provider=provider, user=worker).exists()
    entries = _new_entries(before)
    assert [(entry.action, entry.actor, entry.object_type, entry.object_id) for entry in entries] == [
        ("case_worker.added", administrator, "accounts.user", str(worker.pk))
    ]
    assert entries[0].data == {"provider": provider.pk}


def test_removing_a_case_worker_in_the_admin_writes_one_audit_entry(admin_client_and_user):
    client, administrator = admin_client_and_user
    provider = _provider()
    worker = UserFactory(username="worker", role=DeploymentRole.NONE)
    case_worker = CaseWorker.objects.create(provider=provider, user=worker)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    response = client.post(
        f"/staff/admin/referrals/serviceprovider/{provider.pk}/change/",
        _provider_form(
            provider, [{"id": case_worker.pk, "provider": provider.pk, "user": worker.pk, "DELETE": "on"}], initial=1
        ),
    )
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    assert not CaseWorker.objects.filter(pk=case_worker.pk).exists()
    entries = _new_entries(before)
    assert [(entry.action, entry.actor, entry.object_id, entry.data) for entry in entries] == [
        ("case_worker.removed", administrator, str(worker.pk), {"provider": provider.pk})
    ]


def test_a_case_worker_row_cannot_be_turned_into_another_person_in_the_admin(admin_client_and_user):
    client, _administrator = admin_client_and_user
    provider = _provider()
    worker = UserFactory(username="worker", role=DeploymentRole.NONE)
    stranger = UserFactory(username="stranger", role=DeploymentRole.NONE)
    case_worker = CaseWorker.objects.create(provider=provider, user=worker)
    client.post(
        f"/staff/admin/referrals/serviceprovider/{provider.pk}/change/",
        _provider_form(provider, [{"id": case_worker.pk, "provider": provider.pk, "user": stranger.pk}], initial=1),
    )
    assert list(CaseWorker.objects.values_list("user__username", flat=True)) == ["worker"]


def test_creating_a_service_provider_in_the_admin_writes_one_audit_entry(admin_client_and_user):
    client, administrator = admin_client_and_user
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    data = _provider_form(ServiceProvider(name="Legal aid", kind=ProviderKind.LEGAL_AID), [], initial=0)
    response = client.post("/staff/admin/referrals/serviceprovider/add/", data)
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.formset.errors for f in response.context["inline_admin_formsets"]],
    )
    provider = ServiceProvider.objects.get(name="Legal aid")
    entries = _new_entries(before)
    assert [(entry.action, entry.actor, entry.object_id) for entry in entries] == [
        ("service_provider.saved", administrator, str(provider.pk))
    ]
    assert entries[0].data["created"] is True


def test_an_administrator_cannot_make_themselves_a_case_worker_in_the_admin(admin_client_and_user):
    client, administrator = admin_client_and_user
    provider = _provider()
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    response = client.post(
        f"/staff/admin/referrals/serviceprovider/{provider.pk}/change/",
        _provider_form(provider, [{"id": "", "provider": provider.pk, "user": administrator.pk}], initial=0),
    )
    assert response.status_code == 200
    assert "Nobody makes themselves a case worker" in response.content.decode()
    assert not CaseWorker.objects.exists()
    assert not _new_entries(before)
