"""Which occupations fit a person's levels best: every rated occupation scored at once over the
elements the person assessed, by the match score of service/gap_rule.py (`match_scores`), with the
gap each one leaves. Elements the person left out count for nothing, never as level 0."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from service import gap_rule
from service.serving.occupation_matrix import OccupationMatrix


class ProfileMatches:
    """The rated occupations of every domain, to score profiles against."""

    def __init__(self, matrix: OccupationMatrix):
        self.matrix = matrix

    def columns(self, levels: Mapping[str, int], domains: list[str]) -> np.ndarray:
        """The matrix columns of the elements a profile assesses in `domains`, in column order."""
        matrix, wanted = self.matrix, set(domains)
        columns = [matrix.column[e] for e in levels if e in matrix.column]
        return np.array(sorted(j for j in columns if matrix.elements[j].domain in wanted), dtype=np.int64)

    def matches(
        self, levels: Mapping[str, int], domains: list[str], limit: int, **filters: Any
    ) -> list[dict[str, Any]]:
        """The `limit` best-fitting occupations the filters keep (highest score first, equal scores
        by code), each with its score and the gap from the person's levels (in hundredths, by
        element id) over the assessed elements of `domains`."""
        matrix = self.matrix
        columns = self.columns(levels, domains)
        if len(columns) == 0:
            return []
        person = np.array([levels[matrix.elements[j].element_id] for j in columns], dtype=np.int64)
        # One row per assessed element, one column per occupation; only the occupations rated on
        # those elements (an occupation without a domain's ratings has none).
        importance, needs = matrix.importance_by_element[columns], matrix.level_by_element[columns]
        keep = matrix.kept(**filters) & (importance.sum(axis=0) > 0)
        candidates = np.flatnonzero(keep)
        if len(candidates) < len(keep):
            importance, needs = importance[:, candidates], needs[:, candidates]
        scores = gap_rule.match_scores(person, needs, importance)
        best = gap_rule.best_matches(scores, limit)
        gaps = matrix.gaps_over(person, needs[:, best].T, importance[:, best].T, columns)
        rows, best_scores = candidates[best].tolist(), scores[best].tolist()
        return [
            {**matrix.occupations[matrix.codes[row]], "score": score, **gap}
            for row, score, gap in zip(rows, best_scores, gaps, strict=True)
        ]
