"""Judge the transition ranking against O*NET's own Related Occupations.

For each rated occupation, the truth is its Related Occupations that have ratings; recall@k is the
share of them in our top k, MRR the mean of 1 / rank of the first one. Prints recall@10, recall@20,
recall@10 on the Primary-Short tier and MRR for the service's measure (service/serving/transition_ranking.py) beside the
cosine of skill level (LV) vectors, from one run, on the scoring half of the committed split
(bench/transitions_split.csv: odd positions of 29.3's sorted rated codes tune, even positions score).
Writes every occupation's figures to `<MYSQL_DATABASE>_bench.transition_recall` (documented by the
dbt model `transition_recall`) and exits non-zero when a target is missed.

    python bench/transitions.py          # score; reads the marts published in MYSQL_DATABASE
    python bench/transitions.py --tune   # the best weights on the tuning half
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pymysql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from service.config import ServiceConfig  # noqa: E402
from service.db import Database, DatabaseUnavailable, MartsUnavailable  # noqa: E402
from service.serving.published import read_ranking  # noqa: E402
from service.serving.transition_ranking import WEIGHTS, TransitionRanking, combine, cosine  # noqa: E402

SPLIT = Path(__file__).with_name("transitions_split.csv")
TARGET_RECALL_10 = 0.35
TARGET_MRR = 0.90
QUERY_REPEATS = 2000
TUNING_GRID = {
    "skills": (0.2, 0.3, 0.35, 0.4),
    "knowledge": (0.3, 0.4, 0.5),
    "titles": (0.1, 0.15, 0.2, 0.3),
    "description": (0.0, 0.05, 0.1, 0.15),
}
COLUMNS = (
    "onetsoc_code",
    "title",
    "half",
    "truth_count",
    "primary_short_count",
    "hits_at_10",
    "hits_at_20",
    "primary_short_hits_at_10",
    "first_hit_rank",
    "baseline_hits_at_10",
    "baseline_hits_at_20",
    "baseline_primary_short_hits_at_10",
    "baseline_first_hit_rank",
    "onet_release",
)


def read_split() -> dict[str, str]:
    with SPLIT.open(newline="") as f:
        return {row["onetsoc_code"]: row["half"] for row in csv.DictReader(f)}


def answer_key(config: ServiceConfig, rated: set[str]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """O*NET's related occupations with ratings, all tiers and Primary-Short alone."""
    truth, primary = defaultdict(set), defaultdict(set)
    with connect(config) as conn, conn.cursor() as cur:
        cur.execute("select onetsoc_code, related_onetsoc_code, relatedness_tier from related_occupations")
        for code, related, tier in cur.fetchall():
            if code in rated and related in rated:
                truth[code].add(related)
                if tier == "Primary-Short":
                    primary[code].add(related)
    return truth, primary


def connect(config: ServiceConfig, database: str | None = None) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=config.host,
        port=config.port,
        user=config.user,
        password=config.password,
        database=database or config.database,
        charset="utf8mb4",
    )


def ranked_by(similarity: np.ndarray, i: int) -> np.ndarray:
    """Every other row, closest first, ties by row (code) order: as `TransitionRanking.ranked`."""
    order = np.argsort(-similarity[i], kind="stable")
    return order[order != i]


def figures(codes: list[str], order: np.ndarray, truth: set[str], primary: set[str]) -> dict[str, int]:
    # The first 20 by code; the first hit, most often among them, found walking the rows.
    ranked = [codes[j] for j in order[:20]]
    first = next(rank for rank, j in enumerate(order.tolist(), 1) if codes[j] in truth)
    return {
        "hits_at_10": len(truth.intersection(ranked[:10])),
        "hits_at_20": len(truth.intersection(ranked[:20])),
        "primary_short_hits_at_10": len(primary.intersection(ranked[:10])),
        "first_hit_rank": first,
    }


def summary(rows: list[dict], prefix: str = "") -> dict[str, float]:
    with_primary = [r for r in rows if r["primary_short_count"]]
    return {
        "recall@10": float(np.mean([r[prefix + "hits_at_10"] / r["truth_count"] for r in rows])),
        "recall@20": float(np.mean([r[prefix + "hits_at_20"] / r["truth_count"] for r in rows])),
        "recall@10 Primary-Short": float(
            np.mean([r[prefix + "primary_short_hits_at_10"] / r["primary_short_count"] for r in with_primary])
        ),
        "MRR": float(np.mean([1 / r[prefix + "first_hit_rank"] for r in rows])),
    }


def score(similarity: np.ndarray, profiles: TransitionRanking, truth, primary, codes: list[str]) -> dict[str, float]:
    rows = []
    for code in codes:
        found = figures(profiles.codes, ranked_by(similarity, profiles.index[code]), truth[code], primary[code])
        rows.append({**found, "truth_count": len(truth[code]), "primary_short_count": len(primary[code])})
    return summary(rows)


def write_table(config: ServiceConfig, rows: list[dict]) -> str:
    """Replace the figures of the last run in one transaction, so a reader sees one run or the other."""
    database = f"{config.database}_bench"
    with connect(config, database="information_schema") as conn, conn.cursor() as cur:
        cur.execute(f"create database if not exists `{database}` character set utf8mb4 collate utf8mb4_unicode_ci")
        cur.execute(
            f"create table if not exists `{database}`.transition_recall ("
            " onetsoc_code varchar(10) not null primary key,"
            " title varchar(150) not null,"
            " half varchar(5) not null,"
            " truth_count int not null,"
            " primary_short_count int not null,"
            " hits_at_10 int not null,"
            " hits_at_20 int not null,"
            " primary_short_hits_at_10 int not null,"
            " first_hit_rank int not null,"
            " baseline_hits_at_10 int not null,"
            " baseline_hits_at_20 int not null,"
            " baseline_primary_short_hits_at_10 int not null,"
            " baseline_first_hit_rank int not null,"
            " onet_release varchar(10) not null,"
            " measured_at datetime not null"
            ")"
        )
        cur.execute(f"delete from `{database}`.transition_recall")
        cur.executemany(
            f"insert into `{database}`.transition_recall ({', '.join(COLUMNS)}, measured_at)"
            f" values ({', '.join(['%s'] * len(COLUMNS))}, utc_timestamp())",
            [tuple(row[c] for c in COLUMNS) for row in rows],
        )
        conn.commit()
    return f"{database}.transition_recall"


def tune(profiles: TransitionRanking, truth, primary, codes: list[str]) -> None:
    parts = profiles.similarity_parts()
    results = []
    for values in itertools.product(*TUNING_GRID.values()):
        weights = dict(zip(TUNING_GRID, values, strict=True))
        total = sum(weights.values())
        weights = {name: weight / total for name, weight in weights.items()}
        results.append((score(combine(parts, weights), profiles, truth, primary, codes), weights))
    results.sort(key=lambda r: (r[0]["recall@10"], r[0]["MRR"]), reverse=True)
    print(f"best weights on the tuning half ({len(codes)} occupations, {len(results)} weight sets):")
    for found, weights in results[:5]:
        shown = ", ".join(f"{name} {weight:.3f}" for name, weight in weights.items())
        print(f"  recall@10 {found['recall@10']:.4f}  MRR {found['MRR']:.4f}  <- {shown}")
    print(f"in use: {', '.join(f'{name} {weight:.3f}' for name, weight in WEIGHTS.items())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="search weights on the tuning half instead")
    args = parser.parse_args()
    config = ServiceConfig.from_env()
    db = Database(config)
    try:
        release = db.release_info()
        started = time.perf_counter()
        profiles = read_ranking(db, db.occupation_ratings())
        built = time.perf_counter() - started
    except (DatabaseUnavailable, MartsUnavailable) as exc:
        print(f"the marts are not published in {config.database!r} ({exc}); run `make run` first", file=sys.stderr)
        return 2
    truth, primary = answer_key(config, set(profiles.codes))
    split = read_split()
    judged = [code for code in profiles.codes if truth[code] and code in split]
    halves = {half: [code for code in judged if split[code] == half] for half in ("tune", "score")}
    if args.tune:
        tune(profiles, truth, primary, halves["tune"])
        return 0

    skills = profiles.domain_of == "skills"
    baseline = cosine(profiles.level[:, skills].astype(float))
    rows = []
    for code in judged:
        i = profiles.index[code]
        ours = figures(profiles.codes, np.array(profiles.ranked(code)), truth[code], primary[code])
        theirs = figures(profiles.codes, ranked_by(baseline, i), truth[code], primary[code])
        rows.append(
            {
                "onetsoc_code": code,
                "title": profiles.occupations[code]["title"],
                "half": split[code],
                "truth_count": len(truth[code]),
                "primary_short_count": len(primary[code]),
                **ours,
                **{f"baseline_{name}": value for name, value in theirs.items()},
                "onet_release": release["onet_release"],
            }
        )
    table = write_table(config, rows)
    scored = [row for row in rows if row["half"] == "score"]
    ours, theirs = summary(scored), summary(scored, "baseline_")

    code = profiles.codes[0]
    started = time.perf_counter()
    for _ in range(QUERY_REPEATS):
        profiles.transitions(code, limit=10)
    per_query = (time.perf_counter() - started) / QUERY_REPEATS

    unsplit = len([code for code in profiles.codes if code not in split])
    print(
        f"O*NET {release['onet_release']}: {len(profiles.codes)} rated occupations, {len(judged)} with related"
        f" occupations to judge by; scoring half: {len(scored)}"
        + (f" ({unsplit} rated codes are not in the committed split and are left out)" if unsplit else "")
    )
    print(f"{'figure':<26}{'service measure':>16}{'skill-LV cosine':>17}{'target':>9}")
    targets = {"recall@10": TARGET_RECALL_10, "MRR": TARGET_MRR}
    for name in ours:
        target = f">= {targets[name]:.2f}" if name in targets else ""
        print(f"{name:<26}{ours[name]:>16.4f}{theirs[name]:>17.4f}{target:>9}")
    n = len(profiles.codes)
    print(f"similarity of {n} x {n} pairs built in {built:.2f} s (marts read included)")
    print(f"one ranked answer (top 10 with gaps): {per_query * 1e6:.0f} us")
    print(f"per-occupation figures: {table} ({len(rows)} rows)")

    missed = [f"{name} {ours[name]:.4f} < {target}" for name, target in targets.items() if ours[name] < target]
    if missed:
        print(f"MISSED: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
