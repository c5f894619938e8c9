"""The gap index in memory answers as the gap models do, pair by pair."""

from __future__ import annotations

import random

import pytest

from service.api.context import EXTENSION
from service.api.gaps import GapItemSchema
from service.serving.gap_index import RULES

MODELS = tuple(RULES)
ITEMS = GapItemSchema(many=True)


@pytest.fixture(scope="module")
def published(app):
    return app.extensions[EXTENSION].builds.get()


def pairs(published, domain: str, count: int) -> list[tuple[str, str]]:
    rated = sorted(code for code in published.reference.occupations if published.gap_index.rated(code, domain))
    chosen = random.Random(f"gap-index-{domain}")
    return [(chosen.choice(rated), chosen.choice(rated)) for _ in range(count)] + [(rated[0], rated[0])]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("domain", ["skills", "knowledge"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"min_importance": 3.0}, {"min_importance": 2.88}, {"exclude_suppressed": True}],
    ids=["all", "importance-3", "importance-2.88", "unsuppressed"],
)
def test_every_answer_is_the_gap_models_answer(app, published, model, domain, filters):
    db = app.extensions[EXTENSION].db
    args = {"min_importance": None, "exclude_suppressed": False, **filters}
    nonempty = 0
    for from_code, to_code in pairs(published, domain, 150):
        expected = ITEMS.dump(db.gaps(model, from_code, to_code, domain, **args))
        assert ITEMS.dump(published.gap_index.gaps(model, from_code, to_code, domain, **args)) == expected, (
            from_code,
            to_code,
        )
        nonempty += bool(expected)
    assert nonempty >= 20, "the sample should hold pairs with gaps"


def test_suppressed_ratings_are_in_the_sample(app, published):
    """The comparison above meets suppressed ratings: without them exclude_suppressed proves nothing."""
    suppressed = [
        row
        for from_code, to_code in pairs(published, "skills", 150)
        for row in published.gap_index.gaps("skill_gap_by_level", from_code, to_code, "skills")
        if row["suppressed"]
    ]
    assert suppressed


def test_unrated_occupations_have_no_gap(published):
    assert not published.gap_index.rated("15-1252.00", "skills")
    assert published.gap_index.gaps("skill_gap_by_level", "15-1252.00", "11-1011.00", "skills") == []


def test_the_build_read_into_memory_is_out_of_the_collectors_full_passes(published):
    import gc

    # Tens of thousands of ratings and their indexes: a full collection over them stalls requests.
    assert gc.get_freeze_count() > 100_000
