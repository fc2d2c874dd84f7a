"""Rollups equal a recount from the concerns, whatever mix of writes (deletions too) came before (DESIGN §7)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, CloseReason, Status, Visibility
from ovoz.concerns.errors import ConcernError
from ovoz.concerns.models import (
    ALL_AREAS,
    ALL_STATUSES,
    ALL_THEMES,
    Concern,
    ConcernAreaRollup,
    ConcernEvent,
    ConcernMonthRollup,
    ConcernPublicAreaRollup,
    ConcernPublicMonthRollup,
    ConcernRollup,
    ConcernRollupDelta,
    ConcernStepRollup,
    Theme,
)
from ovoz.places.models import Area

pytestmark = pytest.mark.django_db

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("create"),
            st.integers(0, 3),
            st.lists(st.integers(0, 4), max_size=2, unique=True),
            st.sampled_from(list(Visibility)),
            st.sampled_from([Channel.WEB, Channel.API]),
            st.integers(0, 80),
        ),
        st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from([s for s in Status if s != Status.CLOSED])),
        st.tuples(
            st.just("triage"),
            st.integers(0, 50),
            st.integers(0, 3),
            st.lists(st.integers(0, 4), max_size=3, unique=True),
            st.sampled_from(list(Visibility)),
        ),
        st.tuples(st.just("close"), st.integers(0, 50)),
        st.tuples(st.just("withdraw"), st.integers(0, 50)),
        st.tuples(st.just("merge"), st.integers(0, 50), st.integers(0, 50)),
        st.tuples(st.just("delete"), st.integers(0, 50)),
    ),
    max_size=25,
)


def recount() -> tuple[Counter, ...]:
    """The rollups counted again from the concerns: daily per theme and all themes (-1); monthly and
    all-time also per status and all statuses (""), per area, every area above it and all areas (-1);
    the same monthly and all-time counts for public concerns only."""
    daily: Counter = Counter()
    monthly: Counter = Counter()
    all_time: Counter = Counter()
    public_monthly: Counter = Counter()
    public_all_time: Counter = Counter()
    for concern in Concern.objects.select_related("area").prefetch_related("themes"):
        day = timezone.localdate(concern.created_at)
        area, status = concern.area_id or 0, concern.status
        for theme_id in [*([theme.pk for theme in concern.themes.all()] or [0]), ALL_THEMES]:
            daily[(day, area, theme_id, concern.visibility, concern.channel, status)] += 1
            enclosing = [*(int(part) for part in concern.area.path.split("/") if part), area] if area else [0]
            for status_key in (status, ALL_STATUSES):
                for area_key in (*enclosing, ALL_AREAS):
                    monthly[(day.replace(day=1), area_key, theme_id, status_key)] += 1
                    all_time[(area_key, theme_id, status_key)] += 1
                    if concern.visibility == Visibility.PUBLIC:
                        public_monthly[(day.replace(day=1), area_key, theme_id, status_key)] += 1
                        public_all_time[(area_key, theme_id, status_key)] += 1
    return daily, monthly, all_time, public_monthly, public_all_time


def steps_recount() -> Counter:
    """The step durations counted again from the remaining concerns' events."""
    created = dict(Concern.objects.values_list("pk", "created_at"))
    return +services.steps_from_events(ConcernEvent.objects.all(), created)


def steps() -> Counter:
    return Counter(
        {
            (row.month, row.from_status, row.to_status, row.days): row.count
            for row in ConcernStepRollup.objects.exclude(count=0)
        }
    )


def rollups() -> tuple[Counter, ...]:
    daily = Counter(
        {
            (row.day, row.area_key, row.theme_key, row.visibility, row.channel, row.status): row.count
            for row in ConcernRollup.objects.exclude(count=0)
        }
    )
    monthly = Counter(
        {
            (row.month, row.area_key, row.theme_key, row.status): row.count
            for row in ConcernMonthRollup.objects.exclude(count=0)
        }
    )
    all_time = Counter(
        {(row.area_key, row.theme_key, row.status): row.count for row in ConcernAreaRollup.objects.exclude(count=0)}
    )
    public_monthly = Counter(
        {
            (row.month, row.area_key, row.theme_key, row.status): row.count
            for row in ConcernPublicMonthRollup.objects.exclude(count=0)
        }
    )
    public_all_time = Counter(
        {
            (row.area_key, row.theme_key, row.status): row.count
            for row in ConcernPublicAreaRollup.objects.exclude(count=0)
        }
    )
    return daily, monthly, all_time, public_monthly, public_all_time


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(operations=OPERATIONS)
def test_rollups_equal_a_recount_after_any_mix_of_writes(seeded, operations):
    with transaction.atomic():
        actor = UserFactory(username="facilitator", with_totp=False)
        areas = [None, *Area.objects.filter(code__in=["UZ-JI", "UZ-SA", "KG-O"]).order_by("code")]
        themes = list(Theme.objects.order_by("position")[:5])
        concerns: list[Concern] = []

        def pick(index: int) -> Concern | None:
            concerns[:] = [concern for concern in concerns if Concern.objects.filter(pk=concern.pk).exists()]
            return Concern.objects.get(pk=concerns[index % len(concerns)].pk) if concerns else None

        for operation in operations:
            kind = operation[0]
            try:
                if kind == "create":
                    _kind, area, theme_indexes, visibility, channel, days_ago = operation
                    concerns.append(
                        services.concern_submit(
                            text="x",
                            channel=channel,
                            area=areas[area],
                            themes=[themes[i] for i in theme_indexes],
                            visibility=visibility,
                            received_at=timezone.now() - timedelta(days=days_ago),
                        ).concern
                    )
                elif (concern := pick(operation[1])) is None:
                    continue
                elif kind == "status":
                    services.concern_change_status(actor=actor, concern=concern, status=operation[2])
                elif kind == "triage":
                    _kind, _index, area, theme_indexes, visibility = operation
                    services.concern_triage(
                        actor=actor,
                        concern=concern,
                        area=areas[area],
                        themes=[themes[i] for i in theme_indexes],
                        visibility=visibility,
                        language="",
                    )
                elif kind == "close":
                    services.concern_change_status(
                        actor=actor, concern=concern, status=Status.CLOSED, close_reason=CloseReason.NOT_ACTIONABLE
                    )
                elif kind == "withdraw":
                    services.concern_withdraw(concern=concern)
                elif kind == "merge":
                    services.concern_mark_duplicate(actor=actor, concern=concern, original=pick(operation[2]))
                elif kind == "delete":
                    assert services.concern_delete(concern=concern)
            except ConcernError:
                pass  # refused steps (e.g. withdrawing a closed concern) must leave the counts right too
        services.rollups_drain()  # the deferred part of every write above (issue 13.5)
        assert not ConcernRollupDelta.objects.exists()
        assert rollups() == recount()
        assert steps() == steps_recount()
        transaction.set_rollback(True)
