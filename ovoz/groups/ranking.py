"""The ranking of a prioritisation round: pure arithmetic, kept apart so it can be checked by hand.

Each member's score for a concern is the weighted mean of the criteria they scored it on:
``sum(weight × score) / sum(weight)`` over those criteria (criteria of weight 0 do not count).
A concern's **score** is the mean of its members' scores, its **spread** the population standard
deviation of those member scores (how much the group agrees: 0 means everyone scored it alike), and
its **scorers** the number of members who scored it. Concerns rank by score (highest first), then by
more scorers, then by number.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Ranked:
    concern_id: int
    score: float | None
    spread: float | None
    scorers: int
    criterion_means: dict[int, float]


def rank(
    *, scores: Iterable[tuple[int, int, int, int]], weights: Mapping[int, int], concern_ids: Iterable[int]
) -> list[Ranked]:
    """Rank concerns from ``(user_id, concern_id, criterion_id, value)`` rows and weights by criterion id.

    Concerns in ``concern_ids`` that nobody scored come last, with no score.
    """
    by_member: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    by_criterion: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for user_id, concern_id, criterion_id, value in scores:
        by_member[concern_id][user_id].append((criterion_id, value))
        by_criterion[concern_id][criterion_id].append(value)
    ranked = []
    for concern_id in dict.fromkeys([*concern_ids, *by_member]):
        member_scores = []
        for values in by_member.get(concern_id, {}).values():
            total_weight = sum(weights.get(criterion_id, 0) for criterion_id, _value in values)
            if total_weight:
                weighted = sum(weights.get(criterion_id, 0) * value for criterion_id, value in values)
                member_scores.append(weighted / total_weight)
        score = spread = None
        if member_scores:
            score = sum(member_scores) / len(member_scores)
            spread = math.sqrt(sum((value - score) ** 2 for value in member_scores) / len(member_scores))
        means = {
            criterion_id: sum(values) / len(values) for criterion_id, values in by_criterion.get(concern_id, {}).items()
        }
        ranked.append(Ranked(concern_id, score, spread, len(member_scores), means))
    return sorted(ranked, key=lambda item: (item.score is None, -(item.score or 0), -item.scorers, item.concern_id))
