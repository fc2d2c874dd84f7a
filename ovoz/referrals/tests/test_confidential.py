"""Confidential concerns: sealed before they are written, readable by their recipients only, and passed to
services only with the reporter's consent."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.models import User, UserKey
from ovoz.accounts.tests.factories import PASSWORD, UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, EventKind, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern, ConcernKey
from ovoz.core.images import image_clean
from ovoz.core.models import AuditEntry
from ovoz.places.models import Area
from ovoz.referrals import services as referral_services
from ovoz.referrals.errors import ReferralError
from ovoz.referrals.models import CaseWorker, Consent, ConsentState, ProviderKind, Referral, ServiceProvider
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

STORY = "CANARY-STORY-7Q3 my husband locks me in"
PHONE = "+998 90 765 43 21"
EMAIL = "canary-mail-7q3@example.org"


def _signed_in(user: User) -> Client:
    client = Client()
    response = sign_in(client, user)
    assert response.status_code == 302 and response["Location"] == "/staff/", response
    return client


def _sign_in_again(user: User, password: str) -> Client:
    """A new browser signs in; the authenticator's code of this half-minute may be used again in tests."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user).update(last_t=-1)
    client = Client()
    response = sign_in(client, user, password=password)
    assert response.status_code == 302 and response["Location"] == "/staff/", response
    return client


def _new_recovery_key(client: Client) -> str:
    html = client.get("/staff/account/key/").content.decode()
    match = re.search(r'<code class="recovery-key">([0-9A-Z-]+)</code>', html)
    assert match, "the recovery key is shown once after the first login"
    return match.group(1)


def _confidential(**extra):
    jizzakh = Area.objects.get(code="UZ-JI")
    return services.concern_submit(
        text=STORY,
        channel=Channel.WEB,
        area=jizzakh,
        visibility=Visibility.CONFIDENTIAL,
        contact=contact_parse(phone=PHONE, email=EMAIL),
        photos=[image_clean(jpeg_with_gps())],
        **extra,
    )


def _database_text() -> str:
    """Every concern, event, attachment and key row as text (the canary tests in core scan everything)."""
    parts = []
    with connection.cursor() as cursor:
        for table in ("concerns_concern", "concerns_concernevent", "concerns_attachment", "concerns_concernkey"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value).decode("latin-1"))
                    else:
                        parts.append(str(value))
    return "\n".join(parts)


def test_a_confidential_concern_is_sealed_before_it_is_written_and_only_its_recipient_reads_it(intake):
    user, client, _recovery = intake
    submitted = _confidential()
    concern = Concern.objects.get(pk=submitted.concern.pk)
    assert concern.text == "" and concern.is_sealed and concern.language == "en"  # detected before sealing
    stored = _database_text()
    assert "CANARY-STORY" not in stored and "907654321" not in stored and "canary-mail" not in stored
    attachment = concern.attachments.get()
    with attachment.file.open("rb") as handle:
        assert not handle.read().startswith(b"\xff\xd8")  # the photo on disk is sealed, not a JPEG
    assert set(ConcernKey.objects.filter(concern=concern).values_list("user__username", "part")) == {
        ("intake", "content"),
        ("intake", "contact"),
    }

    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert STORY in page and "+998907654321" in page and EMAIL in page
    photo = client.get(f"/staff/concerns/{concern.pk}/photos/{attachment.pk}/")
    assert photo.status_code == 200 and photo.content.startswith(b"\xff\xd8")
    assert AuditEntry.objects.filter(action="concern.read_confidential", actor=user).exists()

    administrator = _signed_in(UserFactory(role=DeploymentRole.ADMINISTRATOR))
    html = administrator.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert STORY not in html and "Jizzakh" in html  # area, theme, day and status only
    assert administrator.get(f"/staff/concerns/{concern.pk}/photos/{attachment.pk}/").status_code == 404


def test_a_key_whose_recovery_key_was_never_shown_asks_for_a_new_one(seeded):
    user = UserFactory(username="abandoned", role=DeploymentRole.COORDINATOR)
    Client().post("/staff/login/", {"username": user.username, "password": PASSWORD})  # key made, never shown
    client = _sign_in_again(user, PASSWORD)
    assert "has no recovery key you have seen" in client.get("/staff/").content.decode()
    page = client.post("/staff/account/key/", {"action": "renew", "renew-password": PASSWORD}).content.decode()
    recovery = re.search(r'<code class="recovery-key">([0-9A-Z-]+)</code>', page)
    assert recovery is not None
    assert "has no recovery key you have seen" not in client.get("/staff/").content.decode()
    from ovoz.core import keys

    private = keys.unwrap(bytes(UserKey.objects.get(user=user).recovery_wrapped), recovery.group(1))
    assert keys.public_key_of(private) == bytes(UserKey.objects.get(user=user).public_key)


def test_without_the_session_half_of_the_key_a_stolen_session_opens_nothing(intake):
    _user, client, _recovery = intake
    concern = _confidential().concern
    client.cookies.pop("ovoz_unlock")
    html = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert STORY not in html and "not open in this session" in html


def test_the_reporter_reads_and_answers_with_the_receipt_and_the_answer_is_sealed_too(intake):
    user, client, _recovery = intake
    submitted = _confidential()
    concern = submitted.concern
    client.post(
        f"/staff/concerns/{concern.pk}/",
        {"action": "message", "kind": "question", "text": "CANARY-QUESTION are you safe tonight?"},
    )
    assert mail.outbox == []  # the sealed contact cannot be opened by a background task
    reporter = Client()
    page = reporter.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "CANARY-QUESTION are you safe tonight?" in page
    reporter.post("/en/follow/", {"action": "message", "text": "CANARY-ANSWER yes, at my sister"})
    assert "CANARY-QUESTION" not in _database_text() and "CANARY-ANSWER" not in _database_text()
    assert "CANARY-ANSWER yes, at my sister" in client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    # Another receipt opens nothing of it.
    other = services.concern_submit(text="Road", channel=Channel.WEB).receipt
    assert "CANARY" not in reporter.post("/en/follow/", {"receipt": other}, follow=True).content.decode()


def test_news_of_a_confidential_concern_travels_without_its_words(
    intake, deliver, gateway, django_capture_on_commit_callbacks
):
    """A concern that came by SMS and was made confidential: its reporter hears that there is news, not what."""
    user, _client, _recovery = intake
    deliver("gw-1", "CANARY-SMS he beats me")
    concern = Concern.objects.get(channel=Channel.SMS)
    services.concern_triage(
        actor=user, concern=concern, area=None, themes=[], visibility=Visibility.CONFIDENTIAL, language="en"
    )
    concern.refresh_from_db()
    assert concern.is_sealed and concern.text == ""
    gateway.received.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.concern_message_reporter(
            actor=user, concern=concern, text="CANARY-Q where are you?", kind=EventKind.QUESTION
        )
    assert len(gateway.received) == 1
    assert "CANARY" not in gateway.received[0]["text"] and "follow page" in gateway.received[0]["text"]


def test_a_database_dump_and_every_server_secret_do_not_open_it_the_password_and_the_recovery_key_do(intake):
    user, _client, recovery = intake
    concern = _confidential().concern
    # Everything the server holds: the data key, SECRET_KEY and the database. None of it is a key for the
    # concern: its story opens only with a private key wrapped under the password or the recovery key.
    from ovoz.concerns import confidential
    from ovoz.core import keys

    wrapped = UserKey.objects.get(user=user)
    with pytest.raises(keys.KeyMismatch):
        keys.unwrap(bytes(wrapped.password_wrapped), "")
    private = keys.unwrap(bytes(wrapped.password_wrapped), PASSWORD)
    assert confidential.open_for_staff(concern, user=user, private_key=private).text == STORY

    # An administrator resets the password: the key no longer opens with it, the recovery key does.
    user.set_password("a brand new password 42")
    user.save()
    client = _sign_in_again(user, "a brand new password 42")
    assert STORY not in client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert "Open it with your recovery key" in client.get("/staff/").content.decode()
    wrong = client.post(
        "/staff/account/key/",
        {
            "action": "recover",
            "recovery_key": "0000-0000-0000-0000-0000-0000-0000-0000",
            "password": "a brand new password 42",
        },
    )
    assert wrong.status_code == 400
    client.post(
        "/staff/account/key/",
        {"action": "recover", "recovery_key": recovery.lower(), "password": "a brand new password 42"},
    )
    assert STORY in client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    # ...and from now on the new password opens it at sign-in.
    again = _sign_in_again(user, "a brand new password 42")
    assert STORY in again.get(f"/staff/concerns/{concern.pk}/").content.decode()


def test_a_password_change_wraps_the_key_under_the_new_password(intake):
    user, client, _recovery = intake
    concern = _confidential().concern
    client.post(
        "/staff/account/",
        {
            "current_password": PASSWORD,
            "new_password": "another long passphrase 7",
            "new_password_again": "another long passphrase 7",
        },
    )
    fresh = _sign_in_again(user, "another long passphrase 7")
    assert STORY in fresh.get(f"/staff/concerns/{concern.pk}/").content.decode()


@pytest.fixture
def shelter(seeded):
    provider = ServiceProvider.objects.create(name="Safe House Jizzakh", kind=ProviderKind.SHELTER)
    provider.areas.add(Area.objects.get(code="UZ-JI"))
    worker = UserFactory(username="caseworker", role=DeploymentRole.NONE)
    CaseWorker.objects.create(provider=provider, user=worker)
    worker_client = _signed_in(worker)
    return provider, worker, worker_client


def _refer(client: Client, concern: Concern, provider: ServiceProvider, **extra):
    data = {"action": "refer", "provider": provider.pk, **extra}
    return client.post(f"/staff/concerns/{concern.pk}/referrals/", data, follow=True).content.decode()


def test_a_referral_needs_consent_and_case_workers_read_exactly_the_consented_parts(intake, shelter):
    user, client, _recovery = intake
    provider, worker, worker_client = shelter
    submitted = _confidential()
    concern = submitted.concern

    page = _refer(client, concern, provider, share_contact="on")
    assert "The reporter has not agreed to this." in page and not Referral.objects.exists()

    client.post(f"/staff/concerns/{concern.pk}/referrals/", {"action": "ask", "provider": provider.pk})
    consent = Consent.objects.get(state=ConsentState.ASKED)
    reporter = Client()
    follow = reporter.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).content.decode()
    assert "May we pass your concern to Safe House Jizzakh?" in follow
    reporter.post("/en/follow/", {"action": "consent", "consent": consent.pk, "answer": "yes"})
    consent.refresh_from_db()
    assert consent.state == ConsentState.GIVEN and not consent.share_contact

    _refer(client, concern, provider, share_contact="on")  # asked for contact, but the reporter said without
    referral = Referral.objects.get()
    assert not referral.share_contact
    assert set(ConcernKey.objects.filter(referral=referral).values_list("user__username", "part")) == {
        ("caseworker", "content")
    }
    html = worker_client.get(f"/staff/referrals/{referral.pk}/").content.decode()
    assert STORY in html and "+998907654321" not in html and "not passed on to you" in html
    assert worker_client.get(f"/staff/concerns/{concern.pk}/").status_code == 404  # not through the inbox

    worker_client.post(
        f"/staff/referrals/{referral.pk}/", {"status": "closed", "outcome": "helped", "note": "CANARY-NOTE housed"}
    )
    referral.refresh_from_db()
    assert referral.status == "closed" and "CANARY-NOTE" not in str(bytes(referral.sealed_note or b""))
    assert "CANARY-NOTE housed" in worker_client.get(f"/staff/referrals/{referral.pk}/").content.decode()

    client.post(f"/staff/concerns/{concern.pk}/referrals/", {"action": "revoke", "referral": referral.pk})
    assert not ConcernKey.objects.filter(user=worker).exists()
    assert worker_client.get(f"/staff/referrals/{referral.pk}/").status_code == 404
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"referral.consent_requested", "referral.consent_answered", "referral.created", "referral.read"} <= actions
    assert {"referral.updated", "referral.revoked"} <= actions


def test_consent_given_at_intake_with_contact_lets_the_contact_through(intake, shelter, client):
    user, staff, _recovery = intake
    provider, worker, worker_client = shelter
    from ovoz.testing.web import form_token

    jizzakh = Area.objects.get(code="UZ-JI")
    client.post(
        "/en/report/",
        {
            "text": STORY,
            "region": jizzakh.pk,
            "visibility": "confidential",
            "phone": PHONE,
            "contact_consent": "on",
            "referral_consent": "yes_contact",
            "submission_token": form_token(client),
        },
    )
    concern = Concern.objects.get()
    _refer(staff, concern, provider, share_contact="on")
    referral = Referral.objects.get()
    assert referral.share_contact and referral.consent is not None
    assert "+998907654321" in worker_client.get(f"/staff/referrals/{referral.pk}/").content.decode()


def test_only_the_separate_permission_refers_without_consent_and_it_is_audited_apart(intake, shelter):
    user, client, _recovery = intake
    provider, _worker, _worker_client = shelter
    concern = _confidential().concern
    with pytest.raises(ReferralError):
        referral_services.referral_create(
            actor=user, private_key=None, concern=concern, provider=provider, share_contact=False, override_reason="x"
        )
    page = _refer(client, concern, provider, override_reason="Immediate danger to life")
    assert not Referral.objects.exists() and "has not agreed" in page

    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="refer_without_consent"))
    _refer(client, concern, provider, override_reason="Immediate danger to life")
    referral = Referral.objects.get()
    assert referral.without_consent
    override = AuditEntry.objects.get(action="referral.created_without_consent")
    assert override.actor == user and "danger" not in str(override.data)


def test_a_case_worker_of_another_provider_sees_nothing(intake, shelter):
    user, client, _recovery = intake
    provider, _worker, _worker_client = shelter
    concern = _confidential().concern
    Consent.objects.create(concern=concern, provider=None, state=ConsentState.GIVEN)
    _refer(client, concern, provider)
    referral = Referral.objects.get()
    other = ServiceProvider.objects.create(name="Legal aid", kind=ProviderKind.LEGAL_AID)
    stranger = UserFactory(username="stranger", role=DeploymentRole.NONE)
    CaseWorker.objects.create(provider=other, user=stranger)
    stranger_client = _signed_in(stranger)
    assert stranger_client.get(f"/staff/referrals/{referral.pk}/").status_code == 404
    assert STORY not in stranger_client.get("/staff/referrals/").content.decode()
    denied = AuditEntry.objects.get(action="access.denied", actor=stranger)
    assert (denied.object_type, denied.object_id) == ("referrals.referral", str(referral.pk))
    assert denied.data == {"url_name": "staff:referral", "method": "GET"}


def test_starting_over_with_a_new_key_drops_the_seals_made_to_the_old_one(intake):
    from ovoz.accounts.keys import key_create

    user, _client, _recovery = intake
    concern = _confidential().concern
    assert ConcernKey.objects.filter(concern=concern, user=user).count() == 2
    key_create(user=user, password=PASSWORD)
    assert not ConcernKey.objects.filter(user=user).exists()
    entry = AuditEntry.objects.filter(action="key.replaced", actor=user).get()
    assert entry.data == {"seals_lost": 2}
