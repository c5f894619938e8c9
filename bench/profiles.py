"""Judge the profile matches (`POST /api/v1/profiles/matches`) on profiles made from occupations.

For every rated occupation and every domain the release rates, a test profile gives each element of
the domain the occupation's effective level. That occupation must rank first for all of them; with
every level moved at random by up to +-0.5 (seeded, clipped to 0-7, two decimals) it must still be
in the top 5 for at least 90% of them. Also printed: recall@20 of O*NET's Related Occupations (with
ratings) among the other matches of the same profiles, which the matching never reads. Beside each
figure, the same run's baseline: the importance-weighted shortfall alone (no surplus term).

    python bench/profiles.py     # reads the marts published in MYSQL_DATABASE
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from service import gap_rule  # noqa: E402
from service.config import ServiceConfig  # noqa: E402
from service.db import Database, DatabaseUnavailable, MartsUnavailable  # noqa: E402
from service.serving.occupation_matrix import OccupationMatrix  # noqa: E402
from service.serving.published import read_matrix  # noqa: E402

TARGET_FIRST = 1.0
TARGET_TOP_5 = 0.90
NOISE = 50  # hundredths of a level
SEED = 20261203
RECALL_AT = 20


def ranks(matrix: OccupationMatrix, person: np.ndarray, columns: np.ndarray, surplus_weight: float) -> np.ndarray:
    """Every row, best match first, as `ProfileMatches.matches` orders them."""
    needs, importance = matrix.level_by_element[columns], matrix.importance_by_element[columns]
    scores = gap_rule.match_scores(person, needs, importance, surplus_weight)
    return np.array(gap_rule.best_matches(scores, len(scores)))


def judge(matrix: OccupationMatrix, related: dict[str, set[str]], surplus_weight: float, rng_seed: int) -> dict:
    """Per domain: the share of occupations first for their exact profile, in the top 5 for the
    noisy one, and the mean recall@20 of their related occupations for both."""
    rng = np.random.default_rng(rng_seed)
    found = {}
    for domain in sorted(set(matrix.domain_of)):
        columns = np.flatnonzero(matrix.domain_of == domain)
        rated = [i for i in range(len(matrix.codes)) if matrix.importance[i, columns].sum() > 0]
        first = top_5 = 0
        recall: dict[str, list[float]] = defaultdict(list)
        for i in rated:
            exact = matrix.level[i, columns]
            noise = rng.integers(-NOISE, NOISE, size=len(columns), endpoint=True)
            noisy = np.clip(exact + noise, 0, 700)
            for name, person in (("exact", exact), ("noisy", noisy)):
                order = ranks(matrix, person, columns, surplus_weight)
                place = int(np.flatnonzero(order == i)[0])
                if name == "exact":
                    first += place == 0
                else:
                    top_5 += place < 5
                truth = related.get(matrix.codes[i], set())
                if truth:
                    others = [matrix.codes[j] for j in order[: RECALL_AT + 1] if j != i][:RECALL_AT]
                    recall[name].append(len(truth.intersection(others)) / len(truth))
        found[domain] = {
            "occupations": len(rated),
            "first (exact)": first / len(rated),
            "top 5 (+-0.5)": top_5 / len(rated),
            f"recall@{RECALL_AT} (exact)": float(np.mean(recall["exact"])),
            f"recall@{RECALL_AT} (+-0.5)": float(np.mean(recall["noisy"])),
        }
    return found


def related_occupations(db: Database, rated: set[str]) -> dict[str, set[str]]:
    truth: dict[str, set[str]] = defaultdict(set)
    for code in rated:
        for row in db.related_occupations(code):
            if row["related_onetsoc_code"] in rated:
                truth[code].add(row["related_onetsoc_code"])
    return truth


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    config = ServiceConfig.from_env()
    db = Database(config)
    try:
        release = db.release_info()
        matrix = read_matrix(db, db.occupation_ratings())
    except (DatabaseUnavailable, MartsUnavailable) as exc:
        print(f"the marts are not published in {config.database!r} ({exc}); run `make run` first", file=sys.stderr)
        return 2
    related = related_occupations(db, set(matrix.codes))
    started = time.perf_counter()
    ours = judge(matrix, related, gap_rule.SURPLUS_WEIGHT, SEED)
    took = time.perf_counter() - started
    theirs = judge(matrix, related, 0.0, SEED)

    print(
        f"O*NET {release['onet_release']}: {len(matrix.codes)} rated occupations; surplus weight"
        f" {gap_rule.SURPLUS_WEIGHT} (service) against 0 (shortfall alone); noise seed {SEED}"
    )
    print(f"{'domain':<18}{'figure':<22}{'service':>9}{'shortfall':>11}{'target':>9}")
    targets = {"first (exact)": TARGET_FIRST, "top 5 (+-0.5)": TARGET_TOP_5}
    missed = []
    for domain, figures in ours.items():
        for name, value in figures.items():
            if name == "occupations":
                continue
            target = targets.get(name)
            shown = f">= {target:.2f}" if target is not None else ""
            print(f"{domain:<18}{name:<22}{value:>9.4f}{theirs[domain][name]:>11.4f}{shown:>9}")
            if target is not None and value < target:
                missed.append(f"{domain} {name} {value:.4f} < {target:.2f}")
    profiles = sum(2 * figures["occupations"] for figures in ours.values())
    print(f"{profiles} profiles ranked against every occupation in {took:.2f} s")
    if missed:
        print(f"MISSED: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
