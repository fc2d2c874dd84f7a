"""Figures for survey results: shares with 95% Wilson intervals, small-count suppression and age bands.

Pure functions over counts (the results read rollups; nothing here touches the database).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

# One rule for every public figure (DESIGN §3): counts under 5 are shown as "<5", as on the map.
from ovoz.insights.selectors import SUPPRESS_BELOW

Z_95 = 1.959964  # the standard normal quantile for a two-sided 95% interval

# (first age, band); the last band is open-ended. Ages under the first are 'under-15'.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (15, "15-17"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55-64"),
    (65, "65+"),
)
UNDER_15 = "under-15"
AGE_BAND_NAMES: tuple[str, ...] = (UNDER_15, *(name for _first, name in AGE_BANDS))


def wilson_interval(successes: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` out of ``total`` (95% by default), as shares in [0, 1].

    Unlike the normal approximation it stays inside [0, 1] and is honest at 0 and at ``total``, which is
    what small survey cells need. With no answers at all nothing is known: (0.0, 1.0).
    """
    if total < 0 or successes < 0 or successes > total:
        raise ValueError(f"need 0 <= successes <= total, got {successes} of {total}")
    if z <= 0 or not math.isfinite(z):
        raise ValueError(f"z must be a positive number, got {z}")
    if total == 0:
        return (0.0, 1.0)
    share = successes / total
    z_squared = z * z
    denominator = 1 + z_squared / total
    centre = (share + z_squared / (2 * total)) / denominator
    half_width = z * math.sqrt(share * (1 - share) / total + z_squared / (4 * total * total)) / denominator
    # At 0 and at total the bound is exactly 0 or 1; rounding must not leave it a hair outside.
    low = 0.0 if successes == 0 else max(0.0, centre - half_width)
    high = 1.0 if successes == total else min(1.0, centre + half_width)
    return (low, high)


@dataclass(frozen=True)
class Share:
    """``count`` of ``total`` respondents, with the share and its 95% Wilson interval; ``suppressed``
    when the figure may not be shown (then show ``public_count`` and no share)."""

    count: int
    total: int
    share: float
    low: float
    high: float
    suppressed: bool

    @property
    def public_count(self) -> int | str:
        return public_count(self.count)


def is_suppressed(count: int) -> bool:
    """Whether a count is too small to show in public (under SUPPRESS_BELOW, zero included, as the map)."""
    return count < SUPPRESS_BELOW


def public_count(count: int) -> int | str:
    """A count as the public may see it: under SUPPRESS_BELOW only as "<5"."""
    return count if not is_suppressed(count) else f"<{SUPPRESS_BELOW}"


def share_of(count: int, total: int, *, z: float = Z_95) -> Share:
    """``count`` of ``total`` as a Share; suppressed when the count or the group it is a share of is small
    (a share of a group of three points at people as surely as a count of three)."""
    low, high = wilson_interval(count, total, z)
    return Share(
        count=count,
        total=total,
        share=count / total if total else 0.0,
        low=low,
        high=high,
        suppressed=is_suppressed(count) or is_suppressed(total),
    )


def suppressed_cells(counts: Mapping[str, int]) -> frozenset[str]:
    """The cells of one breakdown (choice -> count, summing to a shown total) that must be hidden.

    Every small cell, and, when exactly one cell is small, the next smallest as well: otherwise the
    hidden one is the shown total minus the others (complementary suppression).
    """
    hidden = {key for key, count in counts.items() if is_suppressed(count)}
    if len(hidden) == 1 and len(counts) > 1:
        shown = sorted((count, key) for key, count in counts.items() if key not in hidden)
        hidden.add(shown[0][1])
    return frozenset(hidden)


def shown_share(choice_counts: Mapping[str, int], respondents: int, value: str) -> Share | None:
    """The share of a question's ``respondents`` who chose ``value``, as the overall column of the
    question's table shows it, or None where that column hides the cell: a small one, one hidden so a
    small one cannot be worked out from the total, or every cell of a small question. ``choice_counts``
    holds every choice of the question (zero included). Anything that shows one answer's share apart
    from the table (an indicator, a result on a meeting's agenda) goes through here: the share of the
    large answer next to a small one gives the small one away as surely as its count."""
    if is_suppressed(respondents) or value not in choice_counts or value in suppressed_cells(choice_counts):
        return None
    return share_of(choice_counts[value], respondents)


def age_band(age: int) -> str:
    """The results' age band of an age in whole years: '15-17' ... '65+', or 'under-15'."""
    if age < 0:
        raise ValueError(f"an age cannot be negative, got {age}")
    band = UNDER_15
    for first, name in AGE_BANDS:
        if age >= first:
            band = name
    return band
