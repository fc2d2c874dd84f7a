"""One intake for every interface (issue 13.3): one transaction, idempotent on retry, rollups deferred but exact."""

import pytest
from django.db import transaction

from ovoz.concerns import services, signals
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import (
    ALL_AREAS,
    ALL_STATUSES,
    ALL_THEMES,
    Concern,
    ConcernAreaRollup,
    ConcernMonthRollup,
    ConcernRollup,
    ConcernRollupDelta,
    Open311Token,
    Theme,
)
from ovoz.insights.selectors import area_totals
from ovoz.places.choices import AreaKind
from ovoz.places.models import Area

pytestmark = pytest.mark.django_db

KEY = "k" * 32


@pytest.fixture
def partner_key(seeded):
    _partner, key = services.api_partner_create(actor=None, name="City hotline")
    return key


def open311_post(client, partner_key, **extra):
    data = {"api_key": partner_key, "service_code": "water", "description": "Pump broken", **extra}
    return client.post("/open311/v2/requests.json", data)


def test_an_open311_retry_with_the_same_key_gets_the_same_token_and_writes_nothing(client, partner_key):
    first = open311_post(client, partner_key, idempotency_key=KEY)
    rows = (Concern.objects.count(), Open311Token.objects.count(), ConcernRollupDelta.objects.count())
    second = open311_post(client, partner_key, idempotency_key=KEY)
    assert first.status_code == second.status_code == 201
    assert first.json()[0]["token"] == second.json()[0]["token"]
    assert (Concern.objects.count(), Open311Token.objects.count(), ConcernRollupDelta.objects.count()) == rows
    assert rows[:2] == (1, 1)
    # The token follows the one concern.
    assert client.get(f"/open311/v2/tokens/{first.json()[0]['token']}.json").status_code == 200


def test_open311_requests_without_a_key_or_with_other_keys_get_their_own_tokens(client, partner_key):
    tokens = {
        open311_post(client, partner_key).json()[0]["token"],
        open311_post(client, partner_key).json()[0]["token"],
        open311_post(client, partner_key, idempotency_key="a" * 32).json()[0]["token"],
        open311_post(client, partner_key, idempotency_key="b" * 32).json()[0]["token"],
    }
    assert len(tokens) == 4
    assert Concern.objects.count() == Open311Token.objects.count() == 4


def test_another_partner_with_the_same_key_gets_its_own_concern_and_token(client, partner_key):
    _other, other_key = services.api_partner_create(actor=None, name="Other hotline")
    first = open311_post(client, partner_key, idempotency_key=KEY).json()[0]["token"]
    second = open311_post(client, other_key, idempotency_key=KEY).json()[0]["token"]
    assert first != second
    assert Concern.objects.count() == 2


def test_a_failing_open311_token_leaves_no_concern(client, partner_key, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the token step failed")

    monkeypatch.setattr(Open311Token.objects, "get_or_create", broken)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        open311_post(client, partner_key, idempotency_key=KEY)
    assert Concern.objects.count() == ConcernRollupDelta.objects.count() == 0


@pytest.fixture
def consent_receiver():
    """What the intake_consent_given signal carried (referrals records it; its tests check that part)."""
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.intake_consent_given.connect(receiver, dispatch_uid="test-intake-consent")
    yield received
    signals.intake_consent_given.disconnect(dispatch_uid="test-intake-consent")


@pytest.mark.parametrize("step", ["consent", "route"])
def test_a_failure_in_a_step_leaves_nothing(seeded, step):
    def broken(*args, **kwargs):
        raise RuntimeError(f"{step} failed")

    if step == "consent":
        signals.intake_consent_given.connect(broken, dispatch_uid="test-broken-consent")
    try:
        with pytest.raises(RuntimeError):
            services.concern_intake(
                services.IntakeRequest(
                    text="Water is cut",
                    channel=Channel.WEB,
                    visibility=Visibility.CONFIDENTIAL,
                    submission_token=KEY,
                    referral_consent=services.ReferralConsent(share=True),
                    route=broken if step == "route" else None,
                )
            )
    finally:
        signals.intake_consent_given.disconnect(dispatch_uid="test-broken-consent")
    assert Concern.objects.count() == ConcernRollupDelta.objects.count() == 0


def test_the_consent_step_runs_for_a_sealed_new_concern_only(seeded, consent_receiver):
    routed = []

    def intake(visibility, token):
        return services.concern_intake(
            services.IntakeRequest(
                text="Water is cut",
                channel=Channel.API,
                visibility=visibility,
                submission_token=token,
                referral_consent=services.ReferralConsent(share=True, share_contact=True),
                route=lambda concern: routed.append(concern.pk),
            )
        )

    sealed = intake(Visibility.CONFIDENTIAL, KEY)
    again = intake(Visibility.CONFIDENTIAL, KEY)
    public = intake(Visibility.PUBLIC, "p" * 32)
    assert again.is_repeat and again.concern.pk == sealed.concern.pk and again.receipt == sealed.receipt
    assert consent_receiver == [
        {"signal": signals.intake_consent_given, "concern_id": sealed.concern.pk, "share": True, "share_contact": True}
    ]
    assert routed == [sealed.concern.pk, public.concern.pk]


def test_intake_appends_a_delta_and_locks_no_shared_rollup_row(seeded):
    water = Theme.objects.get(slug="water")
    area = Area.objects.get(code="UZ-JI")
    services.concern_submit(text="Water is cut", channel=Channel.API, area=area, themes=[water])
    assert ConcernRollupDelta.objects.count() == 2  # the theme and all themes
    assert not ConcernMonthRollup.objects.exists() and not ConcernAreaRollup.objects.exists()
    assert services.rollups_drain() == 2
    assert not ConcernRollupDelta.objects.exists()
    assert ConcernAreaRollup.objects.get(area_key=ALL_AREAS, theme_key=ALL_THEMES, status=ALL_STATUSES).count == 1
    assert ConcernAreaRollup.objects.get(area_key=area.pk, theme_key=water.pk, status=ALL_STATUSES).count == 1
    assert services.rollups_drain() == 0  # added once


def test_readers_drain_the_pending_deltas_first(seeded):
    area = Area.objects.get(code="UZ-JI")
    for _number in range(3):
        services.concern_submit(text="Water is cut", channel=Channel.API, area=area)
    assert area_totals(level=AreaKind.REGION) == {area.pk: 3}
    assert not ConcernRollupDelta.objects.exists()


def test_a_move_and_its_intake_cancel_out_in_the_drain(seeded):
    concern = services.concern_submit(text="Water is cut", channel=Channel.API).concern
    services.concern_delete(concern=concern)
    assert services.rollups_drain() == 4
    assert not ConcernRollup.objects.exclude(count=0).exists()


def test_the_drain_task_is_enqueued_after_commit_and_adds_the_deltas(seeded, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        services.concern_submit(text="Water is cut", channel=Channel.API)
    assert callbacks  # the drain is asked for after commit (the test backend runs it at once)
    assert not ConcernRollupDelta.objects.exists()
    assert ConcernRollup.objects.get(theme_key=ALL_THEMES).count == 1
