"""The published gap views against an independent computation from the raw release files.

The reader below knows nothing of the models: it reads Skills.txt, Knowledge.txt and Level Scale
Anchors.txt with the csv module and applies the definitions (effective level = LV, or 0 where Not
Relevant = Y or no LV row) pair by pair.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import server_connection

PAIRS_PER_DOMAIN = 300
FILES = {"skills": "Skills.txt", "knowledge": "Knowledge.txt"}
COLUMNS = "element_id, name, from_level, to_level, difference, importance, suppressed, from_anchor, to_anchor"


@dataclass(frozen=True)
class Rating:
    name: str
    level: Decimal  # effective
    importance: Decimal | None
    suppressed: bool


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_domain(path: Path) -> dict[str, dict[str, Rating]]:
    """{occupation: {element: rating}} for every occupation the file rates."""
    rows: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
    for row in read_tsv(path):
        rows.setdefault((row["O*NET-SOC Code"], row["Element ID"]), {})[row["Scale ID"]] = row
    elements = {element for _, element in rows}
    names = {element: scales[next(iter(scales))]["Element Name"] for (_, element), scales in rows.items()}
    occupations: dict[str, dict[str, Rating]] = {}
    for code in {code for code, _ in rows}:
        ratings = {}
        for element in elements:
            scales = rows.get((code, element), {})
            lv, im = scales.get("LV"), scales.get("IM")
            effective = Decimal(lv["Data Value"]) if lv and lv["Not Relevant"] != "Y" else Decimal("0")
            ratings[element] = Rating(
                name=names[element],
                level=effective,
                importance=Decimal(im["Data Value"]) if im else None,
                suppressed=any(s["Recommend Suppress"] == "Y" for s in scales.values()),
            )
        occupations[code] = ratings
    return occupations


def read_anchors(path: Path) -> dict[str, list[tuple[int, str]]]:
    anchors: dict[str, list[tuple[int, str]]] = {}
    for row in read_tsv(path):
        if row["Scale ID"] == "LV":
            anchors.setdefault(row["Element ID"], []).append((int(row["Anchor Value"]), row["Anchor Description"]))
    return anchors


def nearest_anchor(anchors: list[tuple[int, str]], level: Decimal) -> str | None:
    """The anchor closest to `level`; of two equally close, the lower one."""
    if not anchors:
        return None
    return min(anchors, key=lambda a: (abs(a[0] - level), a[0]))[1]


@pytest.fixture(scope="module")
def release(release_dir):
    return {domain: read_domain(release_dir / name) for domain, name in FILES.items()}, read_anchors(
        release_dir / "Level Scale Anchors.txt"
    )


def expected_gaps(ratings, anchors, domain, source, target, by_level: bool) -> dict[str, tuple]:
    found = {}
    for element, want in ratings[domain][target].items():
        have = ratings[domain][source][element]
        keep = want.level > have.level if by_level else (want.level > 0 and have.level == 0)
        if keep:
            found[element] = (
                want.name,
                have.level,
                want.level,
                want.level - have.level,
                want.importance,
                int(have.suppressed or want.suppressed),
                nearest_anchor(anchors.get(element, []), have.level),
                nearest_anchor(anchors.get(element, []), want.level),
            )
    return found


@pytest.fixture
def served(built_settings):
    """A cursor on the service's database."""
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        conn.select_db(built_settings.database)
        yield cur


def served_gaps(cur, model: str, domain: str, source: str, target: str) -> dict[str, tuple]:
    cur.execute(
        f"select {COLUMNS} from {model} where from_code = %s and to_code = %s and domain = %s", (source, target, domain)
    )
    return {row[0]: tuple(row[1:]) for row in cur.fetchall()}


def count_rows(cur, model: str, where: str, args: tuple) -> int:
    cur.execute(f"select count(*) from {model} where {where}", args)
    return cur.fetchone()[0]


@pytest.mark.parametrize("domain", sorted(FILES))
@pytest.mark.parametrize("model", ["skill_gap", "skill_gap_by_level"])
def test_random_pairs_match_the_release_files(served, release, model, domain):
    ratings, anchors = release
    codes = sorted(ratings[domain])
    rng = random.Random(f"{model}/{domain}")
    pairs = [tuple(rng.sample(codes, 2)) for _ in range(PAIRS_PER_DOMAIN)]
    nonempty = 0
    for source, target in pairs:
        expected = expected_gaps(ratings, anchors, domain, source, target, model == "skill_gap_by_level")
        assert served_gaps(served, model, domain, source, target) == expected, (source, target)
        nonempty += bool(expected)
    # A comparison of empty answers proves nothing: most sampled pairs must have gaps.
    assert nonempty > PAIRS_PER_DOMAIN // 2


@pytest.mark.parametrize("model", ["skill_gap", "skill_gap_by_level"])
def test_an_occupation_against_itself_has_no_gap(served, release, model):
    ratings, _ = release
    for code in sorted(ratings["skills"])[::25]:
        assert count_rows(served, model, "from_code = %s and to_code = %s", (code, code)) == 0, code


@pytest.mark.parametrize("model", ["skill_gap", "skill_gap_by_level"])
def test_occupations_without_ratings_appear_in_no_gap(served, release_dir, release, model):
    ratings, _ = release
    rated = set(ratings["skills"]) | set(ratings["knowledge"])
    unrated = sorted({row["O*NET-SOC Code"] for row in read_tsv(release_dir / "Occupation Data.txt")} - rated)
    assert len(unrated) == 137 and "15-1252.00" in unrated  # e.g. Software Developers, in 29.3
    for code in unrated:
        for side in ("from_code", "to_code"):
            assert count_rows(served, model, f"{side} = %s", (code,)) == 0, (side, code)
