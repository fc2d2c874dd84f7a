"""Retention (DESIGN §5): contacts and concerns are deleted when their period after closure ends, the
counts stay right, and the audit log keeps that it happened, never what."""

import importlib
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.choices import ChannelKind, OutboundState
from ovoz.channels.models import Conversation, InboundMessage, OutboundMessage
from ovoz.channels.services import channel_create, sms_receive
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, CloseReason, Status, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern, ConcernEvent, ConcernKey, KeyPart
from ovoz.concerns.tests.test_rollups import recount, rollups, steps, steps_recount
from ovoz.core.images import image_clean
from ovoz.core.models import AuditEntry, RetentionPolicy
from ovoz.groups.models import Invitation
from ovoz.operations.management.commands.serve import Command as ServeCommand
from ovoz.operations.retention import retention_apply
from ovoz.referrals.tests.test_confidential import _confidential
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

PHONE = "+998 90 123 45 67"
NOTHING: dict[str, Any] = {
    "concerns": {"public": 0, "restricted": 0, "confidential": 0},
    "contacts": 0,
    "conversations": 0,
    "task_results": 0,
    "mail_files": 0,
    "sessions": 0,
    "survey_answerings": 0,
    "survey_drafts": 0,
    "invitations": 0,
}


@pytest.fixture
def actor(db):
    return UserFactory(username="facilitator", with_totp=False)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _concern(*, visibility=Visibility.PUBLIC, email="", photos=()):
    return services.concern_submit(
        text="Water has not come for a week",
        channel=Channel.WEB,
        visibility=visibility,
        contact=contact_parse(email=email) if email else None,
        photos=list(photos),
    ).concern


def _close(concern, actor):
    return services.concern_change_status(
        actor=actor, concern=concern, status=Status.CLOSED, close_reason=CloseReason.NOT_ACTIONABLE
    )


def _days_later(days):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def sms_channel(db):
    channel, _secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="Jizzakh SMS", options={"reply_url": "http://127.0.0.1:9/send"}
    )
    return channel


def _sms_concern(channel, external_id="gw-1"):
    return sms_receive(
        channel=channel, external_id=external_id, sender=PHONE, text="The bridge is broken", received_at=None
    ).concern


def test_closing_resolving_and_reopening_keep_the_closure_time(actor):
    concern = _concern()
    assert concern.closed_at is None
    resolved = services.concern_change_status(actor=actor, concern=concern, status=Status.RESOLVED)
    assert resolved.closed_at is not None and resolved.closed_at <= timezone.now()
    reopened = services.concern_change_status(actor=actor, concern=concern, status=Status.IN_ACTION)
    assert reopened.closed_at is None
    assert services.concern_withdraw(concern=concern).closed_at is not None
    duplicate, original = _concern(), _concern()
    merged = services.concern_mark_duplicate(actor=actor, concern=duplicate, original=original)
    assert merged.closed_at is not None and Concern.objects.get(pk=original.pk).closed_at is None


def test_the_migration_dates_concerns_closed_before_it_from_their_last_closing_event(actor):
    concern = _close(_concern(), actor)
    event = concern.events.get(to_status=Status.CLOSED)
    unclosed = _concern()
    Concern.objects.filter(pk__in=[concern.pk, unclosed.pk]).update(closed_at=None)
    migration = importlib.import_module("ovoz.concerns.migrations.0009_concern_closed_at")
    migration.fill_closed_at(django_apps, None)
    assert Concern.objects.get(pk=concern.pk).closed_at == event.at
    assert Concern.objects.get(pk=unclosed.pk).closed_at is None


def test_an_invitation_keeps_no_address_once_accepted_and_an_unaccepted_one_goes_30_days_after_it_expired(world):
    from ovoz.groups.services import invitation_accept, member_invite

    facilitator, group = world["users"]["facilitator"], world["group"]
    accepted, link = member_invite(actor=facilitator, group=group, email="yes@example.org", role="community")
    invitation_accept(token=link.rstrip("/").rsplit("/", 1)[-1], username="newmember", password="a-Long-pass-phrase-9")
    unaccepted, _link = member_invite(actor=facilitator, group=group, email="never@example.org", role="community")
    accepted.refresh_from_db()
    assert accepted.email == "" and accepted.accepted_by.email == "yes@example.org"

    expiry = unaccepted.expires_at - timezone.now()
    assert retention_apply(now=timezone.now() + expiry + timedelta(days=29)).invitations == 0
    assert retention_apply(now=timezone.now() + expiry + timedelta(days=31), dry_run=True).invitations == 1
    assert retention_apply(now=timezone.now() + expiry + timedelta(days=31)).invitations == 1
    assert list(Invitation.objects.all()) == [accepted]


def test_the_default_policy_deletes_contacts_after_180_days_and_confidential_concerns_after_a_year():
    policy = RetentionPolicy.load()
    assert policy.periods() == {
        "contact_days": 180,
        "public_concern_days": None,
        "restricted_concern_days": None,
        "confidential_concern_days": 365,
    }


def test_contacts_go_180_days_after_closure_with_the_channel_routes_back_to_the_reporter(actor, sms_channel):
    by_sms = _sms_concern(sms_channel)
    by_web = _concern(email="resident@example.org")
    still_open = _concern(email="neighbour@example.org")
    for concern in (by_sms, by_web):
        _close(concern, actor)
    conversation = Conversation.objects.get()
    assert conversation.concern_id == by_sms.pk and OutboundMessage.objects.get().recipient_ciphertext is not None

    assert retention_apply(now=_days_later(179)).as_data() == NOTHING
    report = retention_apply(now=_days_later(181))

    assert report.as_data() == {**NOTHING, "contacts": 2, "conversations": 1}
    for concern in (by_sms, by_web):
        concern.refresh_from_db()
        assert (concern.contact_ciphertext, concern.contact_phone_hash, concern.contact_email_hash) == (None, "", "")
    assert Concern.objects.get(pk=by_sms.pk).text == "The bridge is broken"  # the concerns themselves stay
    assert InboundMessage.objects.get().conversation_id is None
    assert not Conversation.objects.exists()
    reply = OutboundMessage.objects.get()
    assert (reply.recipient_ciphertext, reply.text_ciphertext, reply.state) == (None, None, OutboundState.FAILED)
    assert Concern.objects.get(pk=still_open.pk).contact_ciphertext is not None


def test_a_quiet_conversation_that_still_leads_to_an_open_concern_is_kept(sms_channel):
    concern = _sms_concern(sms_channel)
    report = retention_apply(now=_days_later(400))
    assert report.as_data() == NOTHING
    assert Conversation.objects.get().concern_id == concern.pk
    assert InboundMessage.objects.get().conversation_id is not None
    assert Concern.objects.get(pk=concern.pk).contact_phone_hash != ""


@pytest.mark.parametrize("first", ["STATUS", "SECRET", "NEW"])
def test_a_conversation_whose_first_message_made_no_concern_goes_after_the_period_with_its_number(sms_channel, first):
    sms_receive(channel=sms_channel, external_id="gw-1", sender=PHONE, text=first, received_at=None)
    conversation = Conversation.objects.get()
    assert conversation.sender_ciphertext is not None and not Concern.objects.exists()

    assert retention_apply(now=_days_later(179)).conversations == 0
    assert retention_apply(now=_days_later(181)).conversations == 1
    assert not Conversation.objects.exists()


def test_the_migration_dates_conversations_stored_without_a_date_so_retention_reaches_them(sms_channel):
    sms_receive(channel=sms_channel, external_id="gw-1", sender=PHONE, text="STATUS", received_at=None)
    stopped = Conversation.objects.create(channel=sms_channel, sender_hash="h" * 64, is_stopped=True)
    Conversation.objects.update(last_inbound_at=None)  # as they were stored before the fix
    migration = importlib.import_module("ovoz.channels.migrations.0005_date_undated_conversations")
    migration.date_undated(django_apps, None)

    assert Conversation.objects.exclude(pk=stopped.pk).get().last_inbound_at is not None
    assert Conversation.objects.get(pk=stopped.pk).last_inbound_at is None  # only a hash: a STOP remembered
    assert retention_apply(now=_days_later(181)).conversations == 1


def test_a_conversation_stays_while_it_is_the_way_back_for_another_concern_of_the_sender(actor, sms_channel):
    first = _sms_concern(sms_channel, "gw-1")
    second = sms_receive(
        channel=sms_channel, external_id="gw-2", sender=PHONE, text="NEW The school roof leaks", received_at=None
    ).concern
    assert Conversation.objects.get().concern_id == second.pk
    _close(second, actor)

    report = retention_apply(now=_days_later(181))

    assert (report.contacts, report.conversations) == (1, 0)
    conversation = Conversation.objects.get()
    assert conversation.concern_id is None
    assert InboundMessage.objects.get(concern=first).conversation_id == conversation.pk
    assert InboundMessage.objects.get(concern=second).conversation_id is None


def test_confidential_concerns_go_a_year_after_closure_with_their_events_and_files_and_the_counts_stay_right(
    actor, media, django_capture_on_commit_callbacks
):
    confidential = _concern(visibility=Visibility.CONFIDENTIAL, photos=[image_clean(jpeg_with_gps())])
    photo = confidential.attachments.get().file.name
    services.concern_change_status(actor=actor, concern=confidential, status=Status.ACCEPTED)
    services.concern_change_status(actor=actor, concern=confidential, status=Status.RESOLVED)
    public = _close(_concern(), actor)
    restricted = _close(_concern(visibility=Visibility.RESTRICTED), actor)
    open_confidential = _concern(visibility=Visibility.CONFIDENTIAL)
    assert default_storage.exists(photo)

    assert retention_apply(now=_days_later(364)).as_data() == NOTHING
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_apply(now=_days_later(366))

    assert report.concerns == {"public": 0, "restricted": 0, "confidential": 1}
    assert set(Concern.objects.values_list("pk", flat=True)) == {public.pk, restricted.pk, open_confidential.pk}
    assert not ConcernEvent.objects.filter(concern_id=confidential.pk).exists()
    assert not default_storage.exists(photo)
    assert rollups() == recount()
    assert steps() == steps_recount()


def test_public_and_restricted_concerns_are_kept_unless_a_period_is_set(actor):
    public = _close(_concern(), actor)
    restricted = _close(_concern(visibility=Visibility.RESTRICTED), actor)
    assert retention_apply(now=_days_later(3650)).concerns == {"public": 0, "restricted": 0, "confidential": 0}
    policy = RetentionPolicy.load()
    policy.public_concern_days = 30
    policy.save()
    assert retention_apply(now=_days_later(31)).concerns == {"public": 1, "restricted": 0, "confidential": 0}
    assert not Concern.objects.filter(pk=public.pk).exists()
    assert Concern.objects.filter(pk=restricted.pk).exists()


def test_a_dry_run_counts_what_is_due_and_changes_nothing(actor, sms_channel):
    _close(_sms_concern(sms_channel), actor)
    _close(_concern(visibility=Visibility.CONFIDENTIAL, email="resident@example.org"), actor)
    entries_before = AuditEntry.objects.count()
    concerns_before = list(Concern.objects.values_list("pk", "contact_phone_hash", "contact_email_hash"))

    dry = retention_apply(now=_days_later(400), dry_run=True)

    assert dry.as_data() == {
        **NOTHING,
        "concerns": {**NOTHING["concerns"], "confidential": 1},
        "contacts": 1,
        "conversations": 1,
    }
    assert list(Concern.objects.values_list("pk", "contact_phone_hash", "contact_email_hash")) == concerns_before
    assert Conversation.objects.count() == 1 and AuditEntry.objects.count() == entries_before
    assert retention_apply(now=_days_later(400)).as_data() == dry.as_data()


def test_the_audit_log_keeps_that_retention_ran_and_how_many_never_which(actor):
    concern = _close(_concern(visibility=Visibility.CONFIDENTIAL, email="resident@example.org"), actor)
    retention_apply(now=_days_later(400))
    retention_apply(now=_days_later(401))
    first, second = AuditEntry.objects.filter(action="retention.applied").order_by("pk")
    assert (first.actor, first.object_type, first.object_id) == (None, "", "")
    assert first.data == {**NOTHING, "concerns": {**NOTHING["concerns"], "confidential": 1}}
    assert second.data == NOTHING  # a second run finds nothing more
    assert not Concern.objects.filter(pk=concern.pk).exists()


def test_an_administrator_sets_the_periods_in_the_admin_and_the_change_is_audited(client):
    administrator = UserFactory(username="root", role=DeploymentRole.ADMINISTRATOR)
    sign_in(client, administrator)
    listing = client.get("/staff/admin/core/retentionpolicy/")
    assert listing.status_code == 302 and listing["Location"].endswith("/core/retentionpolicy/1/change/")
    response = client.post(
        "/staff/admin/core/retentionpolicy/1/change/",
        {
            "contact_days": "90",
            "public_concern_days": "",
            "restricted_concern_days": "730",
            "confidential_concern_days": "365",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RetentionPolicy.load().periods() == {
        "contact_days": 90,
        "public_concern_days": None,
        "restricted_concern_days": 730,
        "confidential_concern_days": 365,
    }
    entry = AuditEntry.objects.get(action="retention.policy_changed")
    assert entry.actor == administrator
    assert entry.data["contact_days"] == {"from": 180, "to": 90}
    assert entry.data["restricted_concern_days"] == {"from": None, "to": 730}
    refused = client.post(
        "/staff/admin/core/retentionpolicy/1/change/",
        {
            "contact_days": "0",
            "public_concern_days": "",
            "restricted_concern_days": "",
            "confidential_concern_days": "",
        },
    )
    assert refused.status_code == 200 and RetentionPolicy.load().contact_days == 90


def test_apply_retention_prints_the_counts_and_a_dry_run_says_would(actor):
    _close(_concern(visibility=Visibility.CONFIDENTIAL), actor)
    Concern.objects.update(closed_at=timezone.now() - timedelta(days=400))
    output = StringIO()
    call_command("apply_retention", "--dry-run", stdout=output)
    assert output.getvalue().startswith("Would delete: concerns 0 public, 0 restricted, 1 confidential;")
    assert Concern.objects.count() == 1
    output = StringIO()
    call_command("apply_retention", stdout=output)
    assert output.getvalue().startswith("Deleted: concerns 0 public, 0 restricted, 1 confidential;")
    assert Concern.objects.count() == 0


def test_serve_runs_retention_and_checks_the_audit_chain_daily(actor):
    _close(_concern(visibility=Visibility.CONFIDENTIAL), actor)
    Concern.objects.update(closed_at=timezone.now() - timedelta(days=400))
    scheduler = ServeCommand.schedulers()[0]
    moment = timezone.localtime().replace(hour=scheduler.hour, minute=5)
    assert scheduler.tick(moment) is True  # the test settings run tasks at once
    assert AuditEntry.objects.get(action="retention.applied").data["concerns"]["confidential"] == 1
    assert AuditEntry.objects.get(action="audit.verified").data["intact"] is True
    assert not Concern.objects.exists()


def test_a_sealed_concern_loses_its_contact_keys_then_goes_with_every_key_that_could_open_it(
    intake, media, django_capture_on_commit_callbacks
):
    user, _client, _recovery = intake
    concern = _confidential().concern
    assert concern.is_sealed and ConcernKey.objects.filter(concern=concern, user=user).count() == 2
    _close(concern, user)

    assert retention_apply(now=_days_later(181)).contacts == 1
    concern.refresh_from_db()
    assert concern.contact_ciphertext is None
    assert list(ConcernKey.objects.filter(concern=concern).values_list("part", flat=True)) == [KeyPart.CONTENT]

    photo = concern.attachments.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert retention_apply(now=_days_later(366)).concerns["confidential"] == 1
    assert not Concern.objects.filter(pk=concern.pk).exists()
    assert not ConcernKey.objects.exists()
    assert not default_storage.exists(photo)
