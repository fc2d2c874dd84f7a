"""Duplicate proposals in the product: computed after intake, shown to who may read both, never merged alone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import Concern, DuplicateProposal
from ovoz.concerns.services import themes_seed
from ovoz.core.events import AuditAction
from ovoz.core.models import AuditEntry
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.insights import proposals
from ovoz.operations.demo import demo_duplicates_load
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.canary import canary, database_dump_text
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

WATER_RU = (
    "Джизак, махалля Навбахор, улица Ташкентская: с понедельника нет питьевой воды, уже четвёртый день. "
    "В доме 27 живут пожилые люди. Водоканал не отвечает."
)
WATER_UZ = (
    "Jizzax shahri Navbahor mahallasi, Toshkent koʻchasi: dushanbadan beri ichimlik suvi yoʻq, toʻrtinchi kun. "
    "27-uyda keksalar yashaydi. Suvoqova javob bermayapti."
)
OTHER_WATER_RU = (
    "В махалле Дустлик на улице Мустакиллик прорвало трубу, вода затопила подвалы домов 7 и 9. "
    "Аварийная служба не приезжает второй день."
)


@pytest.fixture
def world(settings, django_capture_on_commit_callbacks):
    settings.OVOZ_DUPLICATE_PROPOSALS = True
    areas_seed()
    themes_seed()
    jizzakh, samarkand = Area.objects.get(code="UZ-JI"), Area.objects.get(code="UZ-SA")
    group = WorkingGroup.objects.create(name="Jizzakh", slug="jizzakh", area=jizzakh)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.concern_submit(text=WATER_RU, channel=Channel.WEB, area=jizzakh).concern
        other = services.concern_submit(text=OTHER_WATER_RU, channel=Channel.WEB, area=jizzakh).concern
        second = services.concern_submit(text=WATER_UZ, channel=Channel.SMS, area=jizzakh).concern
        elsewhere = services.concern_submit(text=WATER_UZ, channel=Channel.WEB, area=samarkand).concern
    return {"group": group, "first": first, "second": second, "other": other, "elsewhere": elsewhere}


def _client(world, kind):
    user = UserFactory(username=kind, role=DeploymentRole.COORDINATOR if kind == "coordinator" else DeploymentRole.NONE)
    if kind in ("facilitator", "member"):
        role = GrantRole.FACILITATOR if kind == "facilitator" else GrantRole.COMMUNITY
        grant_set(actor=None, user=user, working_group=world["group"], role=role)
    client = Client()
    assert sign_in(client, user)["Location"] == "/staff/"
    return client, user


def test_the_same_incident_in_russian_and_uzbek_is_proposed_and_nothing_else(world):
    proposal = DuplicateProposal.objects.get()
    assert (proposal.concern, proposal.candidate) == (world["second"], world["first"])
    assert proposal.score >= proposals.duplicates.THRESHOLD
    # Proposed, never merged: both stay open.
    assert Concern.objects.filter(duplicate_of__isnull=False).count() == 0
    assert set(Concern.objects.values_list("status", flat=True)) == {Status.RECEIVED}


def test_the_facilitator_sees_the_proposal_on_both_pages_and_merges_in_one_click(world):
    client, _user = _client(world, "facilitator")
    first, second = world["first"], world["second"]
    page = client.get(f"/staff/concerns/{second.pk}/").content.decode()
    assert f'Possibly the same as <a href="/staff/concerns/{first.pk}/">No. {first.pk}</a>' in page
    assert "Possibly the same as" in client.get(f"/staff/concerns/{first.pk}/").content.decode()
    assert "Possibly the same as" not in client.get(f"/staff/concerns/{world['other'].pk}/").content.decode()

    response = client.post(f"/staff/concerns/{second.pk}/", {"action": "duplicate", "original": first.pk})

    assert response.status_code == 302
    second.refresh_from_db()
    assert second.duplicate_of == first and second.status == Status.CLOSED
    assert "Possibly the same as" not in client.get(f"/staff/concerns/{first.pk}/").content.decode()


def test_not_the_same_hides_the_proposal_for_good_and_is_audited(world, django_capture_on_commit_callbacks):
    client, user = _client(world, "facilitator")
    second, proposal = world["second"], DuplicateProposal.objects.get()

    response = client.post(f"/staff/concerns/{second.pk}/", {"action": "not_duplicate", "proposal": proposal.pk})

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.dismissed_by == user and proposal.dismissed_at is not None
    assert "Possibly the same as" not in client.get(f"/staff/concerns/{second.pk}/").content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.CONCERN_DUPLICATE_DISMISSED, actor=user).count() == 1
    proposals.duplicates_propose(concern_id=second.pk)  # computed again: stays dismissed
    assert DuplicateProposal.objects.get().dismissed_at is not None
    assert client.post(f"/staff/concerns/{second.pk}/", {"action": "not_duplicate", "proposal": "x"}).status_code == 400
    assert (
        client.post(f"/staff/concerns/{second.pk}/", {"action": "not_duplicate", "proposal": 99999}).status_code == 404
    )


def test_a_proposal_is_shown_only_to_who_may_read_both_concerns(world):
    second, elsewhere = world["second"], world["elsewhere"]
    # A proposal naming a concern outside the facilitator's areas (made by hand: areas never mix).
    services.duplicate_proposals_record(concern=second, candidates=[(elsewhere.pk, 0.99)])
    facilitator, _user = _client(world, "facilitator")
    page = facilitator.get(f"/staff/concerns/{second.pk}/").content.decode()
    assert page.count("Possibly the same as") == 1 and f"No. {elsewhere.pk}" not in page
    member, _user = _client(world, "member")
    assert "Possibly the same as" not in member.get(f"/staff/concerns/{second.pk}/").content.decode()
    coordinator, _user = _client(world, "coordinator")
    assert coordinator.get(f"/staff/concerns/{second.pk}/").content.decode().count("Possibly the same as") == 2
    # Made confidential since: its proposals are shown to nobody.
    Concern.objects.filter(pk=world["first"].pk).update(visibility=Visibility.CONFIDENTIAL)
    assert "Possibly the same as" not in facilitator.get(f"/staff/concerns/{second.pk}/").content.decode()


def test_a_confidential_concern_is_never_compared_and_nothing_of_its_words_is_kept(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    secret = canary("words")
    embedded: list[str] = []
    real_embed = proposals.embed

    def recording_embed(texts):
        embedded.extend(texts)
        return real_embed(texts)

    monkeypatch.setattr(proposals, "embed", recording_embed)
    with django_capture_on_commit_callbacks(execute=True):
        sealed = services.concern_submit(
            text=f"{WATER_RU} {secret}",
            channel=Channel.WEB,
            area=world["first"].area,
            visibility=Visibility.CONFIDENTIAL,
        ).concern
        later = services.concern_submit(text=f"{WATER_UZ} 2", channel=Channel.WEB, area=world["first"].area).concern

    assert sealed.is_sealed
    assert not DuplicateProposal.objects.filter(concern=sealed).exists()
    assert not DuplicateProposal.objects.filter(candidate=sealed).exists()
    assert DuplicateProposal.objects.filter(concern=later).exists()  # the others were still compared
    assert all(secret not in text for text in embedded)
    assert secret not in database_dump_text()
    assert services.duplicate_proposals_record(concern=sealed, candidates=[(world["first"].pk, 1.0)]) == 0
    assert services.duplicate_proposals_record(concern=world["first"], candidates=[(sealed.pk, 1.0)]) == 0


def test_without_the_setting_no_comparison_is_queued(world, settings, monkeypatch, django_capture_on_commit_callbacks):
    from ovoz.insights import tasks

    settings.OVOZ_DUPLICATE_PROPOSALS = False
    queued = []
    monkeypatch.setattr(tasks, "propose_duplicates", SimpleNamespace(enqueue=lambda **kwargs: queued.append(kwargs)))
    with django_capture_on_commit_callbacks(execute=True):
        services.concern_submit(text=WATER_UZ + " 3", channel=Channel.WEB, area=world["first"].area)
    assert queued == []
    assert DuplicateProposal.objects.count() == 1


def test_the_demo_has_the_same_incident_in_two_languages_proposed(db):
    areas_seed()
    themes_seed()

    assert demo_duplicates_load() == 2
    assert demo_duplicates_load() == 0

    proposal = DuplicateProposal.objects.get()
    assert {proposal.concern.language, proposal.candidate.language} == {"ru", "uz"}
    assert proposal.concern.area == proposal.candidate.area
