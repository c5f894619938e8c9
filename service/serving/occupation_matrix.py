"""Every rated occupation's importance and effective level for each element, as numpy matrices in
exact hundredths (service/gap_rule.py), with what the transition and match filters read: the
common ground of the transition ranking and the profile matches."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from service import gap_rule

TOP_GAPS = 3


@dataclass(frozen=True)
class Element:
    element_id: str
    name: str
    domain: str


class OccupationMatrix:
    """Rows: the rated occupations in code order; columns: the elements, by domain then id. The
    same matrices transposed (`importance_by_element`, `level_by_element`) give the columns of a
    few elements as contiguous rows: a profile's matches score every occupation on those."""

    def __init__(self, occupations: list[dict[str, Any]], ratings: Iterable[dict[str, Any]]):
        """`occupations`: dim_occupations rows; `ratings`: fct_occupation_ratings rows (with `name`)."""
        self.occupations = {row["onetsoc_code"]: row for row in occupations}
        self.major_groups = sorted({row["major_group_code"] for row in occupations})
        ratings = list(ratings)
        self.codes = sorted({row["onetsoc_code"] for row in ratings})
        self.index = {code: i for i, code in enumerate(self.codes)}
        keys = sorted({(row["domain"], row["element_id"], row["name"]) for row in ratings})
        self.elements = [Element(element_id, name, domain) for domain, element_id, name in keys]
        self.column = {e.element_id: j for j, e in enumerate(self.elements)}
        shape = (len(self.codes), len(self.elements))
        self.importance = np.zeros(shape, dtype=np.int64)
        self.level = np.zeros(shape, dtype=np.int64)
        for row in ratings:
            i, j = self.index[row["onetsoc_code"]], self.column[row["element_id"]]
            self.importance[i, j] = gap_rule.hundredths(row["importance"] or 0)
            self.level[i, j] = gap_rule.hundredths(row["effective_level"] or 0)
        self.importance_by_element = np.ascontiguousarray(self.importance.T)
        self.level_by_element = np.ascontiguousarray(self.level.T)
        self.domain_of = np.array([e.domain for e in self.elements])
        # Each element's place in element-id order: the last tie-break between equal gaps.
        self.element_rank = np.argsort(np.argsort([e.element_id for e in self.elements], kind="stable"))
        rated = [self.occupations[code] for code in self.codes]
        self.job_zone = np.array([o["job_zone"] or 0 for o in rated])
        self.major_group = np.array([o["major_group_code"] for o in rated])

    def rated(self, code: str) -> bool:
        return code in self.index

    def kept(
        self, min_job_zone: int | None = None, max_job_zone: int | None = None, major_group: str | None = None
    ) -> np.ndarray:
        """Which rows the transition filters keep (an occupation without a job zone, 0 here, fails
        any job-zone bound)."""
        keep = np.ones(len(self.codes), dtype=bool)
        if min_job_zone is not None:
            keep &= self.job_zone >= min_job_zone
        if max_job_zone is not None:
            keep &= (self.job_zone <= max_job_zone) & (self.job_zone > 0)
        if major_group is not None:
            keep &= self.major_group == major_group
        return keep

    def gaps(self, source: np.ndarray, targets: list[int], columns: np.ndarray | None = None) -> list[dict[str, Any]]:
        """What each target row asks of `source` (levels in hundredths for `columns`, every column
        by default): the importance-weighted sum of the positive level differences, their number,
        and the largest ones (in the gap endpoints' order)."""
        rows = np.asarray(targets, dtype=np.int64)
        if columns is None:
            return self.gaps_over(source, self.level[rows], self.importance[rows])
        cells = (rows[:, None], columns)
        return self.gaps_over(source, self.level[cells], self.importance[cells], columns)

    def gaps_over(
        self, source: np.ndarray, levels: np.ndarray, importance: np.ndarray, columns: np.ndarray | None = None
    ) -> list[dict[str, Any]]:
        """`gaps`, from the targets' levels and importance over `columns` (every column by default),
        one row per target."""
        if columns is None:
            columns = np.arange(len(self.elements))
        rank = self.element_rank[columns]
        difference, is_gap = gap_rule.by_level(source, levels)
        scores = gap_rule.gap_scores(difference, importance, is_gap)
        counts = is_gap.sum(axis=1).tolist()
        first = gap_rule.first_gaps(difference, importance, is_gap, rank, TOP_GAPS)
        # Python numbers from here on: a few cells of each row are read.
        elements = columns.tolist()
        differences, importances = difference.tolist(), importance.tolist()
        return [
            {
                "gap_score": scores[row],
                "gap_count": counts[row],
                "top_gaps": [
                    self._gap_brief(elements[j], differences[row][j], importances[row][j]) for j in first[row]
                ],
            }
            for row in range(len(levels))
        ]

    def _gap_brief(self, column: int, difference: int, importance: int) -> dict[str, Any]:
        element = self.elements[column]
        return {
            "element_id": element.element_id,
            "name": element.name,
            "domain": element.domain,
            "difference": gap_rule.number(difference),
            "importance": gap_rule.number(importance),
        }
