"""Survey figures: Wilson intervals, suppression of small counts like the map, age bands."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ovoz.insights.selectors import SUPPRESS_BELOW
from ovoz.insights.selectors import public_count as map_public_count
from ovoz.surveys.statistics import (
    AGE_BAND_NAMES,
    age_band,
    is_suppressed,
    public_count,
    share_of,
    suppressed_cells,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "total", "low", "high"),
    [
        # Reference values from SciPy 1.17: binomtest(x, n).proportion_ci(method="wilson"), to 4 places.
        (84, 100, 0.7558, 0.8990),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 2, 0.0945, 0.9055),
        (5, 50, 0.0435, 0.2136),
        (420, 500, 0.8053, 0.8695),
    ],
)
def test_wilson_interval_matches_published_values(successes, total, low, high):
    computed_low, computed_high = wilson_interval(successes, total)
    assert computed_low == pytest.approx(low, abs=1e-4)
    assert computed_high == pytest.approx(high, abs=1e-4)


def test_bokhtar_headline_figure_has_an_interval_around_it():
    share = share_of(84, 100)
    assert share.share == 0.84
    assert share.low < 0.84 < share.high
    assert share.suppressed is False
    assert share.public_count == 84


def test_no_answers_means_nothing_is_known():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert share_of(0, 0).suppressed is True


@pytest.mark.parametrize(("successes", "total"), [(-1, 5), (6, 5), (0, -1)])
def test_impossible_counts_are_refused(successes, total):
    with pytest.raises(ValueError):
        wilson_interval(successes, total)


def test_a_wider_confidence_gives_a_wider_interval():
    narrow = wilson_interval(30, 80, z=1.0)
    wide = wilson_interval(30, 80, z=2.575829)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


@given(st.integers(min_value=0, max_value=100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_holds_the_share_and_stays_within_zero_and_one(pair):
    successes, total = pair
    low, high = wilson_interval(successes, total)
    assert 0.0 <= low <= high <= 1.0
    if total:
        assert low <= successes / total <= high
        assert math.isclose(low, 1 - wilson_interval(total - successes, total)[1], abs_tol=1e-12)


def test_suppression_uses_the_maps_rule():
    assert SUPPRESS_BELOW == 5
    for count in range(12):
        assert public_count(count) == map_public_count(count)
        assert is_suppressed(count) == (count < 5)
    assert share_of(4, 100).suppressed is True
    assert share_of(3, 4).suppressed is True  # the group itself is too small
    assert share_of(5, 5).suppressed is False
    assert share_of(4, 100).public_count == "<5"


def test_one_small_cell_hides_the_next_smallest_too():
    assert suppressed_cells({"yes": 96, "no": 4}) == {"yes", "no"}
    assert suppressed_cells({"yes": 60, "no": 3, "refused": 20}) == {"no", "refused"}
    assert suppressed_cells({"yes": 60, "no": 3, "refused": 2}) == {"no", "refused"}
    assert suppressed_cells({"yes": 60, "no": 30}) == frozenset()
    assert suppressed_cells({"only": 3}) == {"only"}


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "under-15"),
        (14, "under-15"),
        (15, "15-17"),
        (17, "15-17"),
        (18, "18-24"),
        (24, "18-24"),
        (25, "25-34"),
        (34, "25-34"),
        (35, "35-44"),
        (44, "35-44"),
        (45, "45-54"),
        (54, "45-54"),
        (55, "55-64"),
        (64, "55-64"),
        (65, "65+"),
        (110, "65+"),
    ],
)
def test_age_bands(age, band):
    assert age_band(age) == band


def test_age_bands_are_ordered_and_cover_every_age():
    assert AGE_BAND_NAMES == ("under-15", "15-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
    seen = [age_band(age) for age in range(120)]
    assert sorted(set(seen), key=AGE_BAND_NAMES.index) == list(AGE_BAND_NAMES)
    assert seen == sorted(seen, key=AGE_BAND_NAMES.index)
    with pytest.raises(ValueError):
        age_band(-1)
