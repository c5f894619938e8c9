"""How close occupations are, and what a move between two of them asks for, in memory with numpy.

Similarity of two rated occupations is a weighted mean of four cosines, each in [0, 1]:
skills importance (IM) vectors, knowledge importance vectors, TF-IDF of the title with every
alternate title, and TF-IDF of the title with the description (`WEIGHTS`). The weights were chosen
on the tuning half of the committed split (bench/transitions.py); O*NET's Related Occupations are
never read here.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from service import gap_rule

# The sum is 1, so the score stays in [0, 1].
WEIGHTS = {"skills": 0.35, "knowledge": 0.50, "titles": 0.10, "description": 0.05}
RANKED_DOMAINS = ("skills", "knowledge")
TOP_GAPS = 3
SCORE_PLACES = 4

_WORD = re.compile(r"[a-z]+")
# Words too common in titles and descriptions to tell occupations apart.
_STOP_WORDS = frozenset({"all", "and", "are", "for", "from", "other", "that", "the", "this", "with"})


def tokens(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP_WORDS]


def cosine(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosine of the rows; a zero row is similar to nothing."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    return np.clip(unit @ unit.T, 0.0, 1.0)


def text_cosine(documents: list[str]) -> np.ndarray:
    """Pairwise cosine of TF-IDF vectors (sublinear term frequency, smoothed IDF)."""
    counts = [Counter(tokens(doc)) for doc in documents]
    vocabulary: dict[str, int] = {}
    for count in counts:
        for word in count:
            vocabulary.setdefault(word, len(vocabulary))
    df = np.zeros(len(vocabulary))
    for count in counts:
        df[[vocabulary[w] for w in count]] += 1
    idf = np.log((1 + len(documents)) / (1 + df)) + 1
    # A word of one document adds to its norm only, so only shared words need a dense column:
    # this keeps the matrix small (most words of alternate titles are in one occupation's).
    shared = {word: i for i, word in enumerate(w for w, j in vocabulary.items() if df[j] > 1)}
    dense = np.zeros((len(documents), len(shared)))
    norms = np.zeros(len(documents))
    for row, count in enumerate(counts):
        for word, n in count.items():
            weight = (1 + math.log(n)) * idf[vocabulary[word]]
            norms[row] += weight * weight
            if word in shared:
                dense[row, shared[word]] = weight
    norms = np.sqrt(norms)
    unit = dense / np.where(norms == 0, 1, norms)[:, None]
    return np.clip(unit @ unit.T, 0.0, 1.0)


def combine(parts: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    return sum(weights[name] * part for name, part in parts.items())


@dataclass(frozen=True)
class Element:
    element_id: str
    name: str
    domain: str


class TransitionRanking:
    """Every rated occupation's importance and levels over the skills and knowledge elements, and
    the similarity of every pair, built once per published release."""

    def __init__(
        self,
        occupations: list[dict[str, Any]],
        ratings: Iterable[dict[str, Any]],
        alternate_titles: Iterable[dict[str, Any]],
    ):
        """`occupations`: dim_occupations rows; `ratings`: fct_occupation_ratings rows of the ranked
        domains (with `name`); `alternate_titles`: dim_alternate_titles rows."""
        self.occupations = {row["onetsoc_code"]: row for row in occupations}
        self.major_groups = sorted({row["major_group_code"] for row in occupations})
        ratings = list(ratings)
        self.codes = sorted({row["onetsoc_code"] for row in ratings})
        self.index = {code: i for i, code in enumerate(self.codes)}
        keys = sorted({(row["domain"], row["element_id"], row["name"]) for row in ratings})
        self.elements = [Element(element_id, name, domain) for domain, element_id, name in keys]
        column = {(e.domain, e.element_id): j for j, e in enumerate(self.elements)}
        shape = (len(self.codes), len(self.elements))
        # In hundredths (service/gap_rule.py), so the gaps' differences are exact.
        self.importance = np.zeros(shape, dtype=np.int64)
        self.level = np.zeros(shape, dtype=np.int64)
        for row in ratings:
            i, j = self.index[row["onetsoc_code"]], column[(row["domain"], row["element_id"])]
            self.importance[i, j] = gap_rule.hundredths(row["importance"] or 0)
            self.level[i, j] = gap_rule.hundredths(row["effective_level"] or 0)
        self.domain_of = np.array([e.domain for e in self.elements])
        # Each element's place in element-id order: the last tie-break between equal gaps.
        self.element_rank = np.argsort(np.argsort([e.element_id for e in self.elements], kind="stable"))

        titles: dict[str, list[str]] = {code: [] for code in self.codes}
        for row in alternate_titles:
            if row["onetsoc_code"] in titles:
                titles[row["onetsoc_code"]].append(row["alternate_title"])
        rated = [self.occupations[code] for code in self.codes]
        self.documents = {
            "titles": [f"{o['title']} {' '.join(titles[o['onetsoc_code']])}" for o in rated],
            "description": [f"{o['title']} {o['description'] or ''}" for o in rated],
        }
        # Ranked on the score as served, so equal scores are visibly ordered by code.
        self.similarity = np.round(combine(self.similarity_parts(), WEIGHTS), SCORE_PLACES)
        self.job_zone = np.array([o["job_zone"] or 0 for o in rated])
        self.major_group = np.array([o["major_group_code"] for o in rated])

    def similarity_parts(self) -> dict[str, np.ndarray]:
        """The four pairwise cosines that `WEIGHTS` combine."""
        parts = {
            domain: cosine(self.importance[:, self.domain_of == domain].astype(float)) for domain in RANKED_DOMAINS
        }
        return parts | {name: text_cosine(documents) for name, documents in self.documents.items()}

    def rated(self, code: str) -> bool:
        return code in self.index

    def ranked(
        self,
        code: str,
        limit: int | None = None,
        min_job_zone: int | None = None,
        max_job_zone: int | None = None,
        major_group: str | None = None,
    ) -> list[int]:
        """Row numbers of the other rated occupations, closest first (ties by code), filtered."""
        i = self.index[code]
        keep = np.ones(len(self.codes), dtype=bool)
        keep[i] = False
        # An occupation without a job zone (0 here) fails any job-zone bound.
        if min_job_zone is not None:
            keep &= self.job_zone >= min_job_zone
        if max_job_zone is not None:
            keep &= (self.job_zone <= max_job_zone) & (self.job_zone > 0)
        if major_group is not None:
            keep &= self.major_group == major_group
        candidates = np.flatnonzero(keep)
        # Rows are in code order, so a stable sort on the negated score breaks ties by code.
        order = candidates[np.argsort(-self.similarity[i, candidates], kind="stable")]
        return order[:limit].tolist() if limit is not None else order.tolist()

    def gaps(self, source: int, targets: list[int]) -> list[dict[str, Any]]:
        """What each target asks of a person from `source`: the importance-weighted sum of the
        positive level differences over skills and knowledge, their number, and the largest ones
        (in the gap endpoints' order)."""
        difference, is_gap = gap_rule.by_level(self.level[source], self.level[targets])
        importance = self.importance[targets]
        scores = gap_rule.gap_scores(difference, importance, is_gap)
        first = gap_rule.first_gaps(difference, importance, is_gap, self.element_rank, TOP_GAPS)
        return [
            {
                "gap_score": scores[row],
                "gap_count": int(is_gap[row].sum()),
                "top_gaps": [
                    {
                        "element_id": self.elements[j].element_id,
                        "name": self.elements[j].name,
                        "domain": self.elements[j].domain,
                        "difference": gap_rule.number(difference[row, j]),
                        "importance": gap_rule.number(importance[row, j]),
                    }
                    for j in first[row]
                ],
            }
            for row in range(len(targets))
        ]

    def transitions(self, code: str, **filters: Any) -> list[dict[str, Any]]:
        """The closest rated occupations to `code`, each with its score and its gap from `code`."""
        source = self.index[code]
        targets = self.ranked(code, **filters)
        return [
            {**self.occupations[self.codes[target]], "similarity": float(self.similarity[source, target]), **gap}
            for target, gap in zip(targets, self.gaps(source, targets), strict=True)
        ]
