"""The gap models' answer for one pair, from the published ratings held in memory.

`skill_gap` and `skill_gap_by_level` (dbt_project/models/marts) define a gap; a query of them per
request costs more than the rest of the request (docs/api.md, Speed). The service holds
`fct_occupation_ratings` as dbt built it (effective levels, nearest anchors, suppression) and
applies the views' conditions as service/gap_rule.py states them; tests/service/test_gap_index.py
checks the two answers agree for every domain and model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from service import gap_rule
from service.db import Row


@dataclass(frozen=True, slots=True)
class Rating:
    element_id: str
    name: str
    level: int  # effective level in hundredths
    importance: float | None
    suppressed: bool
    anchor: str | None


class GapIndex:
    """Every occupation's ratings per domain, in element-id order."""

    def __init__(self, ratings: Iterable[Row]):
        """`ratings`: rows of fct_occupation_ratings with `name` for `element_name`."""
        grouped: dict[tuple[str, str], dict[str, Rating]] = {}
        for row in ratings:
            importance = row["importance"]
            grouped.setdefault((row["domain"], row["onetsoc_code"]), {})[row["element_id"]] = Rating(
                element_id=row["element_id"],
                name=row["name"],
                level=gap_rule.hundredths(row["effective_level"]),
                importance=None if importance is None else gap_rule.number(gap_rule.hundredths(importance)),
                suppressed=bool(row["recommend_suppress"]),
                anchor=row["level_anchor"],
            )
        self._ratings = {key: dict(sorted(by_id.items())) for key, by_id in grouped.items()}

    def rated(self, code: str, domain: str) -> bool:
        return (domain, code) in self._ratings

    def gaps(
        self,
        model: str,
        from_code: str,
        to_code: str,
        domain: str,
        min_importance: float | None = None,
        exclude_suppressed: bool = False,
    ) -> list[Row]:
        """The rows the gap model has for the pair, in the gaps' order (gap_rule.in_order); empty
        when either occupation has no ratings in the domain."""
        source = self._ratings.get((domain, from_code))
        target = self._ratings.get((domain, to_code))
        if source is None or target is None:
            return []
        return gap_rule.in_order(gap_rows(model, source, target, domain, min_importance, exclude_suppressed))

    def ratings(self, code: str, domain: str) -> dict[str, Rating]:
        """The occupation's ratings in the domain by element id (empty when it has none)."""
        return self._ratings.get((domain, code), {})


def kept(target: Rating, suppressed: bool, min_importance: float | None, exclude_suppressed: bool) -> bool:
    """Whether the gap endpoints' filters keep an element: at least `min_importance` to the target,
    and, with `exclude_suppressed`, no rating of it `suppressed`."""
    if exclude_suppressed and suppressed:
        return False
    return min_importance is None or (target.importance is not None and target.importance >= min_importance)


def gap_rows(
    model: str,
    source: dict[str, Rating],
    target: dict[str, Rating],
    domain: str,
    min_importance: float | None,
    exclude_suppressed: bool,
) -> list[Row]:
    """The gap model's rows between two sets of ratings of a domain (an occupation's, or a person's
    levels as `Rating`s), unordered; elements without a source rating are no gap."""
    condition = gap_rule.CONDITIONS[model]
    rows = []
    for element_id, to in target.items():
        from_ = source.get(element_id)
        if from_ is None or not condition(from_.level, to.level):
            continue
        suppressed = from_.suppressed or to.suppressed
        if not kept(to, suppressed, min_importance, exclude_suppressed):
            continue
        rows.append(
            {
                "element_id": element_id,
                "name": to.name,
                "domain": domain,
                "from_level": gap_rule.number(from_.level),
                "to_level": gap_rule.number(to.level),
                "difference": gap_rule.number(gap_rule.difference(from_.level, to.level)),
                "importance": to.importance,
                "suppressed": suppressed,
                "from_anchor": from_.anchor,
                "to_anchor": to.anchor,
            }
        )
    return rows
