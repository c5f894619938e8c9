"""The gap models' answer for one pair, from the published ratings held in memory.

`skill_gap` and `skill_gap_by_level` (dbt_project/models/marts) define a gap; a query of them per
request costs more than the rest of the request (docs/api.md, Speed). The service holds
`fct_occupation_ratings` as dbt built it (effective levels, nearest anchors, suppression) and
applies the views' conditions, which `RULES` repeats; tests/service/test_gap_index.py checks the
two answers agree for every domain and model."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from service.db import Row

# The `condition` each gap view passes to the gap_select macro, on levels in hundredths.
RULES: dict[str, Callable[[int, int], bool]] = {
    # Elements the target needs (effective level above 0) that the source lacks (0).
    "skill_gap": lambda source, target: target > 0 and source == 0,
    # Elements whose effective level in the target exceeds the source's.
    "skill_gap_by_level": lambda source, target: target > source,
}


@dataclass(frozen=True, slots=True)
class _Rating:
    element_id: str
    name: str
    level: int  # effective level in hundredths: differences are exact, as the views' DECIMALs
    importance: float | None
    suppressed: bool
    anchor: str | None


def _hundredths(value: Any) -> int:
    return round(float(value) * 100)


class GapIndex:
    """Every occupation's ratings per domain, in element-id order."""

    def __init__(self, ratings: Iterable[Row]):
        """`ratings`: rows of fct_occupation_ratings with `name` for `element_name`."""
        grouped: dict[tuple[str, str], dict[str, _Rating]] = {}
        for row in ratings:
            grouped.setdefault((row["domain"], row["onetsoc_code"]), {})[row["element_id"]] = _Rating(
                element_id=row["element_id"],
                name=row["name"],
                level=_hundredths(row["effective_level"]),
                importance=None if row["importance"] is None else _hundredths(row["importance"]) / 100,
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
        """The rows the gap model has for the pair, largest difference first, then most important,
        then element id; empty when either occupation has no ratings in the domain."""
        rule = RULES[model]
        source = self._ratings.get((domain, from_code))
        target = self._ratings.get((domain, to_code))
        if source is None or target is None:
            return []
        rows = []
        for element_id, to in target.items():
            from_ = source.get(element_id)
            if from_ is None or not rule(from_.level, to.level):
                continue
            suppressed = from_.suppressed or to.suppressed
            if exclude_suppressed and suppressed:
                continue
            if min_importance is not None and (to.importance is None or to.importance < min_importance):
                continue
            rows.append(
                {
                    "element_id": element_id,
                    "name": to.name,
                    "domain": domain,
                    "from_level": from_.level / 100,
                    "to_level": to.level / 100,
                    "difference": (to.level - from_.level) / 100,
                    "importance": to.importance,
                    "suppressed": suppressed,
                    "from_anchor": from_.anchor,
                    "to_anchor": to.anchor,
                }
            )
        rows.sort(key=lambda row: (-row["difference"], -(row["importance"] or 0)))
        return rows
