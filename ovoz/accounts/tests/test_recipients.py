"""Who receives confidential concerns changes only as a two-person act: one administrator proposes, a
different administrator or a current recipient confirms within a week, nobody decides about themselves,
both steps are audited and every recipient is told (without anything confidential in the message)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from ovoz.accounts import services
from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.errors import AccountError
from ovoz.accounts.models import RecipientChange, User
from ovoz.accounts.tests.factories import UserFactory
from ovoz.core.models import AuditEntry
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def people(settings):
    settings.TASKS = IMMEDIATE_TASKS
    return {
        "root": UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR),
        "second": UserFactory(username="second", role=DeploymentRole.ADMINISTRATOR),
        "intake": UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True),
        "newcomer": UserFactory(username="newcomer", role=DeploymentRole.NONE),
        "coordinator": UserFactory(username="coordinator"),
    }


def _client(user):
    client = Client()
    assert sign_in(client, user)["Location"] == "/staff/"
    return client


def _admin_action(client, action, users):
    return client.post(
        "/staff/admin/accounts/user/", {"action": action, "_selected_action": [str(user.pk) for user in users]}
    )


def _receives(user) -> bool:
    return User.objects.get(pk=user.pk).receives_confidential


def _audit_ids():
    return set(AuditEntry.objects.values_list("pk", flat=True))


def test_an_administrator_cannot_make_themselves_a_recipient_in_the_admin(people):
    root = people["root"]
    before = _audit_ids()
    response = _admin_action(_client(root), "receive_confidential", [root])
    assert response.status_code == 302
    assert not _receives(root)
    assert not RecipientChange.objects.exists()
    assert not AuditEntry.objects.exclude(pk__in=before).filter(action__startswith="recipients.").exists()


def test_the_admin_action_only_proposes_and_audits_the_proposal_once(people, django_capture_on_commit_callbacks):
    root, newcomer = people["root"], people["newcomer"]
    client = _client(root)
    before = _audit_ids()
    with django_capture_on_commit_callbacks(execute=True):
        _admin_action(client, "receive_confidential", [newcomer])
    assert not _receives(newcomer)
    change = RecipientChange.objects.get()
    assert (change.user, change.receives, change.state, change.proposed_by) == (newcomer, True, "pending", root)
    assert timedelta(days=6, hours=23) < change.expires_at - timezone.now() <= timedelta(days=7)
    entries = list(AuditEntry.objects.exclude(pk__in=before).filter(action__startswith="recipients."))
    assert [(entry.action, entry.actor, entry.object_id) for entry in entries] == [
        ("recipients.change_proposed", root, str(newcomer.pk))
    ]
    # The current recipient (and the person proposed) hear that a change waits.
    assert sorted(message.to[0] for message in mail.outbox) == ["intake@example.org", "newcomer@example.org"]


def test_a_second_administrator_confirms_and_every_recipient_is_told_nothing_confidential(
    people, django_capture_on_commit_callbacks
):
    root, second, newcomer = people["root"], people["second"], people["newcomer"]
    change = services.recipient_change_propose(actor=root, user=newcomer, receives=True)
    mail.outbox.clear()
    before = _audit_ids()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(second).post("/staff/recipients/", {"action": "confirm", "change": change.pk})
    assert response.status_code == 302
    assert _receives(newcomer)
    change.refresh_from_db()
    assert (change.state, change.decided_by) == ("confirmed", second)
    entries = list(AuditEntry.objects.exclude(pk__in=before).filter(action__startswith="recipients."))
    assert [(entry.action, entry.actor, entry.object_id) for entry in entries] == [
        ("recipients.change_confirmed", second, str(newcomer.pk))
    ]
    assert entries[0].data == {"change": change.pk, "receives": True, "proposed_by": root.pk}
    assert sorted(message.to[0] for message in mail.outbox) == ["intake@example.org", "newcomer@example.org"]
    for message in mail.outbox:
        assert "/staff/recipients/" in message.body
        # No name in the message: who changed is read in the workspace, after a second factor.
        for name in ("newcomer", "root", "second"):
            assert name not in message.body and name not in message.subject
    # And the recipient's workspace shows it.
    intake = _client(people["intake"])
    page = intake.get("/staff/").content.decode()
    assert 'data-testid="recipient-notice"' in page and "/staff/recipients/" in page
    history = intake.get("/staff/recipients/").content.decode()
    assert "add newcomer" in history and "root" in history and "second" in history


def test_a_current_recipient_can_confirm_a_change(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    services.recipient_change_confirm(actor=people["intake"], change=change)
    assert _receives(people["newcomer"])


def test_the_proposer_cannot_confirm_their_own_proposal(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    response = _client(people["root"]).post("/staff/recipients/", {"action": "confirm", "change": change.pk})
    assert response.status_code == 200
    assert not _receives(people["newcomer"])
    assert RecipientChange.objects.get().state == "pending"
    assert not AuditEntry.objects.filter(action="recipients.change_confirmed").exists()


def test_an_administrator_proposed_by_another_cannot_confirm_their_own_addition(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["second"], receives=True)
    with pytest.raises(AccountError) as refused:
        services.recipient_change_confirm(actor=people["second"], change=change)
    assert refused.value.code == "self_change"
    assert not _receives(people["second"])
    assert not AuditEntry.objects.filter(action="recipients.change_confirmed").exists()


def test_only_administrators_propose(people):
    for actor in (people["intake"], people["coordinator"]):
        with pytest.raises(AccountError):
            services.recipient_change_propose(actor=actor, user=people["newcomer"], receives=True)
    assert not RecipientChange.objects.exists()


def test_a_coordinator_may_neither_see_nor_confirm_the_recipients(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    client = _client(people["coordinator"])
    assert client.get("/staff/recipients/").status_code == 403
    assert client.post("/staff/recipients/", {"action": "confirm", "change": change.pk}).status_code == 403
    with pytest.raises(AccountError):
        services.recipient_change_confirm(actor=people["coordinator"], change=change)
    assert not _receives(people["newcomer"])


def test_a_proposal_expires_after_seven_days(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    RecipientChange.objects.filter(pk=change.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(AccountError) as refused:
        services.recipient_change_confirm(actor=people["second"], change=change)
    assert refused.value.code == "closed"
    assert not _receives(people["newcomer"])
    # A new proposal may follow; the old one is kept as expired.
    services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    assert sorted(RecipientChange.objects.values_list("state", flat=True)) == ["expired", "pending"]


def test_a_recipient_withdraws_a_proposal_and_it_can_no_longer_be_confirmed(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    response = _client(people["intake"]).post("/staff/recipients/", {"action": "withdraw", "change": change.pk})
    assert response.status_code == 302
    with pytest.raises(AccountError):
        services.recipient_change_confirm(actor=people["second"], change=change)
    assert not _receives(people["newcomer"])
    entry = AuditEntry.objects.get(action="recipients.change_withdrawn")
    assert (entry.actor, entry.object_id) == (people["intake"], str(people["newcomer"].pk))


def test_removing_a_recipient_takes_two_people_too(people):
    change = services.recipient_change_propose(actor=people["root"], user=people["intake"], receives=False)
    assert _receives(people["intake"])
    services.recipient_change_confirm(actor=people["second"], change=change)
    assert not _receives(people["intake"])


def test_the_first_recipient_is_named_by_the_operator_on_the_server_and_only_once(settings):
    settings.TASKS = IMMEDIATE_TASKS
    first = UserFactory(username="first", role=DeploymentRole.NONE)
    later = UserFactory(username="later", role=DeploymentRole.NONE)
    call_command("first_recipient", "first", stdout=StringIO())
    assert _receives(first)
    entry = AuditEntry.objects.get(action="recipients.first_added")
    assert (entry.actor, entry.object_id, entry.data["via"]) == (None, str(first.pk), "command")
    with pytest.raises(CommandError):
        call_command("first_recipient", "later", stdout=StringIO())
    assert not _receives(later)
    assert AuditEntry.objects.filter(action="recipients.first_added").count() == 1


def test_with_no_recipient_yet_two_administrators_can_name_the_first(people):
    User.objects.filter(pk=people["intake"].pk).update(receives_confidential=False)
    change = services.recipient_change_propose(actor=people["root"], user=people["newcomer"], receives=True)
    services.recipient_change_confirm(actor=people["second"], change=change)
    assert _receives(people["newcomer"])
