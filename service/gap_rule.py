"""What a gap is, for the service: the gap views' conditions, the order gaps are listed in, and
the arithmetic on levels, in exact hundredths.

The views `skill_gap` and `skill_gap_by_level` (dbt_project/models/marts, through the `gap_select`
macro) define a gap. Every part of the service that applies that definition in memory, orders gaps
or subtracts levels does it through this module: tests/service/test_gap_index.py checks its rows
against the views', tests/unit/test_one_gap_rule.py that no other module has a rule of its own.
Levels and importance are integer hundredths here, so differences are exact, as the views' DECIMALs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

SKILL_GAP = "skill_gap"
SKILL_GAP_BY_LEVEL = "skill_gap_by_level"

# The `condition` each gap view passes to the gap_select macro, on the source's and the target's
# effective levels in hundredths: Python integers, or numpy arrays of them (an array of answers).
CONDITIONS: dict[str, Callable[[Any, Any], Any]] = {
    # Elements the target needs (effective level above 0) that the source lacks (0).
    SKILL_GAP: lambda source, target: (target > 0) & (source == 0),
    # Elements whose effective level in the target exceeds the source's.
    SKILL_GAP_BY_LEVEL: lambda source, target: target > source,
}

# How much a level above an occupation's need counts against a match, beside a level below it:
# someone who meets every need still fits best where the needs are closest to their levels
# (docs/api.md, Matches; bench/profiles.py measures it).
SURPLUS_WEIGHT = 0.5
MATCH_PLACES = 4
# O*NET's level scale (LV), and its top in hundredths.
LOWEST_LEVEL, HIGHEST_LEVEL = 0, 7
_TOP_LEVEL = HIGHEST_LEVEL * 100

# Importance in hundredths stays below this (at most 500, for 5.00), and an element's place in
# element-id order below the other (O*NET rates a few hundred elements), so one integer per element
# can carry the difference, the importance and the element id at once (`_order_keys`).
_IMPORTANCE_SPAN = 1000
_ELEMENT_SPAN = 1 << 16

Level = Decimal | float | int | str


def hundredths(value: Level) -> int:
    """A level or an importance (two decimals, as O*NET gives them) as an integer of hundredths."""
    return round(float(value) * 100)


def number(value: Any) -> float:
    """Hundredths (a Python or numpy integer) as the two-decimal number the API shows."""
    return int(value) / 100


def difference(source: Any, target: Any) -> Any:
    """How far the target's level is above the source's, in hundredths (integers or arrays)."""
    return target - source


def level_difference(from_level: Level, to_level: Level) -> float:
    """`to_level - from_level` of two two-decimal levels, exact to the hundredth (0.3 - 0.1 is 0.2)."""
    return number(difference(hundredths(from_level), hundredths(to_level)))


def nearest_anchor(anchors: Sequence[tuple[int, str]], level: int) -> str | None:
    """The description of the anchor nearest to `level`, of an element's anchors (level in hundredths,
    description; lowest first); halfway between two, the lower one, as the `is_nearest_anchor` macro
    (dbt_project/macros/ratings.sql) has it. None for an element without anchors."""
    last = len(anchors) - 1
    for i, (value, description) in enumerate(anchors):
        above = i == 0 or 2 * level > anchors[i - 1][0] + value
        up_to = i == last or 2 * level <= value + anchors[i + 1][0]
        if above and up_to:
            return description
    return None


def _order(gap: dict[str, Any]) -> tuple:
    return (-gap["difference"], -(gap["importance"] or 0), gap["element_id"])


def in_order(gaps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gaps (with `difference`, `importance` and `element_id`) largest difference first, then most
    important (an element without importance last among equal differences), then by element id."""
    return sorted(gaps, key=_order)


def in_llm_order(gaps: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The LLM answer's gaps: largest `llm_difference` first, then in the gaps' order (`in_order`)."""
    return sorted(gaps, key=lambda gap: (-gap["llm_difference"], *_order(gap)))


def by_level(source: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One source's levels (a row) against many targets' (a matrix), in hundredths: every
    difference, and where `skill_gap_by_level` holds (the positive ones)."""
    return difference(source, targets), CONDITIONS[SKILL_GAP_BY_LEVEL](source, targets)


def gap_scores(difference: np.ndarray, importance: np.ndarray, is_gap: np.ndarray) -> list[float]:
    """Per row, the sum of importance times difference over its gaps (`is_gap`), both in
    hundredths, as a number with two decimals."""
    weighted = (importance * np.where(is_gap, difference, 0)).sum(axis=1)
    return [round(total / 10000, 2) for total in weighted.tolist()]


def _order_keys(difference: np.ndarray, importance: np.ndarray, element_rank: np.ndarray) -> np.ndarray:
    """One integer per element whose ascending order is `in_order`'s: `element_rank` is each
    element's place in element-id order (distinct, below _ELEMENT_SPAN)."""
    return ((-difference) * _IMPORTANCE_SPAN - importance) * _ELEMENT_SPAN + element_rank


def first_gaps(
    difference: np.ndarray, importance: np.ndarray, is_gap: np.ndarray, element_rank: np.ndarray, count: int
) -> list[list[int]]:
    """Per row (a target; differences and importance in hundredths), the columns of its first
    `count` gaps (`is_gap`: the positive differences, as `by_level` gives them) in the gaps' order,
    sorted for every row at once; `element_rank`: each column's place in element-id order among
    every element (any distinct integers in that order)."""
    first = np.argsort(_order_keys(difference, importance, element_rank), axis=1, kind="stable")[:, :count]
    gaps = np.take_along_axis(is_gap, first, axis=1)
    return [
        [column for column, gap in zip(row, row_gaps, strict=True) if gap]
        for row, row_gaps in zip(first.tolist(), gaps.tolist(), strict=True)
    ]


def match_scores(
    person: np.ndarray, needs: np.ndarray, importance: np.ndarray, surplus_weight: float = SURPLUS_WEIGHT
) -> np.ndarray:
    """Per occupation (a column of `needs` and `importance`, one row per element), how well a
    person's levels (one per element) meet its needs (effective levels), weighted by its importance
    there, all in hundredths: 1 minus the weighted mean of the shortfalls (need above level) and,
    counted `surplus_weight` times, of the surpluses (level above need), over the scale's 7 levels.
    1 when the levels are the needs; rounded to MATCH_PLACES. Every occupation needs some importance."""
    gap = difference(person[:, None], needs)
    # shortfall + w x surplus = (1 + w) x shortfall - w x (shortfall - surplus), the last being the
    # weighted sum of the differences themselves: exact integer sums, no array of floats.
    net = np.einsum("ji,ji->i", importance, gap)
    shortfall = np.einsum("ji,ji->i", importance, np.maximum(gap, 0, out=gap))
    distance = ((1 + surplus_weight) * shortfall - surplus_weight * net) / importance.sum(axis=0)
    return np.round(1 - distance / _TOP_LEVEL, MATCH_PLACES)


def best_matches(scores: np.ndarray, limit: int) -> list[int]:
    """The indexes of the `limit` highest scores, highest first, equal scores in index order."""
    if limit < len(scores):
        # Every score at least the limit-th highest (ties with it included), then those in order.
        lowest = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        chosen = np.flatnonzero(scores >= lowest)
        return chosen[np.argsort(-scores[chosen], kind="stable")][:limit].tolist()
    return np.argsort(-scores, kind="stable")[:limit].tolist()
