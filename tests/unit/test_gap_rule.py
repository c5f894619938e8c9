"""The gap rule on its own: the views' conditions, the order with its ties, and the hundredths."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pytest

from service import gap_rule
from service.gap_rule import SKILL_GAP, SKILL_GAP_BY_LEVEL


@pytest.mark.parametrize(
    ("model", "source", "target", "holds"),
    [
        (SKILL_GAP, 0, 388, True),
        (SKILL_GAP, 0, 0, False),
        (SKILL_GAP, 1, 388, False),
        (SKILL_GAP, 388, 0, False),
        (SKILL_GAP_BY_LEVEL, 125, 388, True),
        (SKILL_GAP_BY_LEVEL, 0, 1, True),
        (SKILL_GAP_BY_LEVEL, 388, 388, False),
        (SKILL_GAP_BY_LEVEL, 388, 125, False),
    ],
)
def test_conditions_are_the_views(model, source, target, holds):
    assert bool(gap_rule.CONDITIONS[model](source, target)) is holds


def test_conditions_hold_alike_on_arrays():
    levels = [0, 1, 125, 388, 700]
    source = np.array([s for s in levels for _ in levels])
    target = np.array([t for _ in levels for t in levels])
    for condition in gap_rule.CONDITIONS.values():
        expected = [bool(condition(int(s), int(t))) for s, t in zip(source, target, strict=True)]
        assert condition(source, target).tolist() == expected


def test_hundredths_are_exact_where_floats_are_not():
    assert 0.1 + 0.2 != 0.3
    assert gap_rule.hundredths(0.1) + gap_rule.hundredths(0.2) == gap_rule.hundredths(0.3) == 30
    assert 0.3 - 0.1 != 0.2
    assert gap_rule.level_difference(0.1, 0.3) == 0.2
    assert gap_rule.level_difference(Decimal("1.15"), Decimal("2.88")) == 1.73
    assert gap_rule.level_difference("4.12", 0) == -4.12


def test_hundredths_read_every_form_of_a_two_decimal_value():
    for value in (Decimal("2.88"), 2.88, "2.88"):
        assert gap_rule.hundredths(value) == 288
    assert gap_rule.hundredths(7) == 700
    number = gap_rule.number(np.int64(173))
    assert number == 1.73 and type(number) is float


def test_a_difference_is_the_decimal_difference_written_as_a_float():
    """For every pair of levels 0.00-7.00 (a step of 0.07 keeps it short): the difference of the
    DECIMALs, and what rounding the floats' difference to two places gives."""
    steps = [Decimal(n) / 100 for n in range(0, 701, 7)]
    for source in steps:
        for target in steps:
            found = gap_rule.level_difference(source, target)
            assert found == float(target - source) == round(float(target) - float(source), 2), (source, target)


def gap(element_id: str, difference, importance, **more) -> dict:
    return {"element_id": element_id, "difference": difference, "importance": importance, **more}


def test_order_largest_difference_then_most_important_then_element_id():
    gaps = [
        gap("2.A.1.c", 1.5, 3.0),
        gap("2.A.1.b", 1.5, 4.0),
        gap("2.A.1.a", 1.5, 3.0),
        gap("2.B.1.a", 2.25, 1.0),
        gap("2.A.2.a", 1.5, None),
    ]
    assert [g["element_id"] for g in gap_rule.in_order(gaps)] == ["2.B.1.a", "2.A.1.b", "2.A.1.a", "2.A.1.c", "2.A.2.a"]


def test_order_is_the_same_on_the_views_decimals():
    floats = [gap(f"2.A.1.{c}", random.Random(c).randrange(-300, 300) / 100, 3.12) for c in "abcdefgh"]
    decimals = [{**g, "difference": Decimal(str(g["difference"])), "importance": Decimal("3.12")} for g in floats]
    listed = [g["element_id"] for g in gap_rule.in_order(floats)]
    assert [g["element_id"] for g in gap_rule.in_order(decimals)] == listed


def test_llm_order_puts_the_models_difference_first_then_the_gaps_order():
    gaps = [
        gap("2.A.1.a", 0.5, 3.0, llm_difference=1.0),
        gap("2.A.1.b", 2.0, 3.0, llm_difference=1.0),
        gap("2.A.1.c", 2.0, 4.0, llm_difference=1.0),
        gap("2.A.1.d", 2.0, 4.0, llm_difference=1.0),
        gap("2.A.1.e", 6.0, 5.0, llm_difference=-1.0),
        gap("2.A.1.f", -3.0, 1.0, llm_difference=2.5),
    ]
    assert [g["element_id"] for g in gap_rule.in_llm_order(gaps)] == [
        "2.A.1.f",
        "2.A.1.c",
        "2.A.1.d",
        "2.A.1.b",
        "2.A.1.a",
        "2.A.1.e",
    ]


def random_ratings(seed: int, targets: int, elements: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Levels and importance in hundredths from a few values, so equal differences and importance are common."""
    chosen = np.random.default_rng(seed)
    source = chosen.choice([0, 125, 250, 388, 700], size=elements)
    levels = chosen.choice([0, 125, 250, 388, 700], size=(targets, elements))
    importance = chosen.choice([100, 288, 300, 500], size=(targets, elements))
    element_rank = chosen.permutation(elements)
    return source, levels, importance, element_rank


@pytest.mark.parametrize("seed", range(5))
def test_the_arrays_give_what_the_rows_give(seed):
    """The ranking's form (one source against many targets at once) against the per-row form."""
    source, levels, importance, element_rank = random_ratings(seed, targets=40, elements=12)
    difference, is_gap = gap_rule.by_level(source, levels)
    scores = gap_rule.gap_scores(difference, importance, is_gap)
    first = gap_rule.first_gaps(difference, importance, is_gap, element_rank, 3)
    element_ids = [f"2.A.{rank:02d}" for rank in element_rank]  # ids in the order the ranks say
    for row in range(len(levels)):
        rows = [
            gap(element_ids[j], gap_rule.number(difference[row, j]), gap_rule.number(importance[row, j]), column=j)
            for j in range(len(source))
            if gap_rule.CONDITIONS[SKILL_GAP_BY_LEVEL](int(source[j]), int(levels[row, j]))
        ]
        assert is_gap[row].sum() == len(rows)
        assert first[row] == [g["column"] for g in gap_rule.in_order(rows)[:3]]
        expected = sum((Decimal(str(g["importance"])) * Decimal(str(g["difference"])) for g in rows), Decimal(0))
        assert scores[row] == float(expected.quantize(Decimal("0.01")))


def test_a_target_needing_nothing_more_has_no_gaps_and_scores_0():
    source = np.array([300, 300])
    difference, is_gap = gap_rule.by_level(source, np.array([[300, 100]]))
    assert difference.tolist() == [[0, -200]]
    assert gap_rule.first_gaps(difference, np.array([[500, 500]]), is_gap, np.array([0, 1]), 3) == [[]]
    assert gap_rule.gap_scores(difference, np.array([[500, 500]]), is_gap) == [0.0]


ANCHORS = ((200, "two"), (450, "four and a half"), (600, "six"))


@pytest.mark.parametrize(
    ("level", "nearest"),
    [
        (0, "two"),
        (200, "two"),
        (325, "two"),  # halfway between 2 and 4.5: the lower anchor
        (326, "four and a half"),
        (525, "four and a half"),
        (526, "six"),
        (700, "six"),
    ],
)
def test_the_nearest_anchor_takes_the_lower_one_halfway(level, nearest):
    assert gap_rule.nearest_anchor(ANCHORS, level) == nearest


def test_halfway_between_anchors_a_thousandth_apart_is_exact():
    anchors = ((125, "low"), (200, "high"))  # halfway: 1.625, between two hundredths
    assert gap_rule.nearest_anchor(anchors, 162) == "low"
    assert gap_rule.nearest_anchor(anchors, 163) == "high"


def test_an_element_without_anchors_has_no_nearest_one():
    assert gap_rule.nearest_anchor((), 300) is None
    assert gap_rule.nearest_anchor(((400, "only"),), 0) == "only"


def test_a_match_scores_the_weighted_shortfall_and_half_the_surplus():
    person = np.array([300, 500, 0])
    # One column per occupation, one row per element.
    needs = np.array([[300, 500, 0], [400, 500, 0], [200, 500, 0], [500, 100, 700]]).T
    importance = np.array([[400, 100, 100], [400, 100, 100], [400, 100, 100], [100, 300, 100]]).T
    # Occupation 1 needs 1 level more where importance is 4 of 6; 2 has 1 level to spare there; 3:
    # 2 short at 1, 4 over at 3, 7 short at 1, of 5.
    expected = [1.0, 1 - (4 / 6) / 7, 1 - (0.5 * 4 / 6) / 7, 1 - ((2 + 7) / 5 + 0.5 * 12 / 5) / 7]
    scores = gap_rule.match_scores(person, needs, importance)
    assert scores.tolist() == [round(value, 4) for value in expected]
    assert gap_rule.match_scores(person, needs, importance, surplus_weight=0.0)[2] == 1.0


@pytest.mark.parametrize("seed", range(20))
def test_the_best_matches_are_the_highest_scores_ties_in_index_order(seed):
    chooser = random.Random(seed)
    scores = np.array([chooser.choice([0.5, 0.6, 0.7, 0.75, 0.8]) for _ in range(50)])
    limit = chooser.randint(1, 60)
    expected = sorted(range(len(scores)), key=lambda i: (-scores[i], i))[:limit]
    assert gap_rule.best_matches(scores, limit) == expected
