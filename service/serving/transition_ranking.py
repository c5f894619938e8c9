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
from typing import Any

import numpy as np

from service.serving.occupation_matrix import OccupationMatrix

# The sum is 1, so the score stays in [0, 1].
WEIGHTS = {"skills": 0.35, "knowledge": 0.50, "titles": 0.10, "description": 0.05}
RANKED_DOMAINS = ("skills", "knowledge")
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


class TransitionRanking(OccupationMatrix):
    """The occupation matrix over the skills and knowledge elements, and the similarity of every
    pair of rated occupations, built once per published release."""

    def __init__(
        self,
        occupations: list[dict[str, Any]],
        ratings: Iterable[dict[str, Any]],
        alternate_titles: Iterable[dict[str, Any]],
    ):
        """`occupations`: dim_occupations rows; `ratings`: fct_occupation_ratings rows of the ranked
        domains (with `name`); `alternate_titles`: dim_alternate_titles rows."""
        super().__init__(occupations, ratings)
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

    def similarity_parts(self) -> dict[str, np.ndarray]:
        """The four pairwise cosines that `WEIGHTS` combine."""
        parts = {
            domain: cosine(self.importance[:, self.domain_of == domain].astype(float)) for domain in RANKED_DOMAINS
        }
        return parts | {name: text_cosine(documents) for name, documents in self.documents.items()}

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
        keep = self.kept(min_job_zone, max_job_zone, major_group)
        keep[i] = False
        candidates = np.flatnonzero(keep)
        # Rows are in code order, so a stable sort on the negated score breaks ties by code.
        order = candidates[np.argsort(-self.similarity[i, candidates], kind="stable")]
        return order[:limit].tolist() if limit is not None else order.tolist()

    def transitions(self, code: str, **filters: Any) -> list[dict[str, Any]]:
        """The closest rated occupations to `code`, each with its score and its gap from `code`."""
        source = self.index[code]
        targets = self.ranked(code, **filters)
        return [
            {**self.occupations[self.codes[target]], "similarity": float(self.similarity[source, target]), **gap}
            for target, gap in zip(targets, self.gaps(self.level[source], targets), strict=True)
        ]
