"""A full-size release in O*NET's current (31.0) layout, at 31.0's row counts, written from the shared 29.3 release.

Not O*NET's 31.0 values: 29.3's files converted to the 31.0 layout (tests/current_layout.py), then grown to
31.0's row counts (the shared README, "Newer releases"):

- the 910 rated occupations (911 for Work Activities) are 29.3's 879 plus further codes of Occupation Data
  (15-1252.00 Software Developers first, as 30.3 rated it, then the others in file order);
- Essential Skills, Transferable Skills and Knowledge keep 29.3's rows for its 879 occupations; each further
  occupation takes, element by element, the IM and LV rows of a randomly drawn 29.3 occupation (so every value
  is a real 29.3 rating, within its scale, and (code, element, scale) stays unique);
- Abilities and Work Activities: the real 31.0 rows of 11-1011.00, then deterministic made-up ratings for
  the other occupations (52 and 41 elements, IM and LV);
- Content Model Reference: 29.3's 627 elements (groups renamed as 31.0 names them) plus 2,379 made-up
  elements under a branch 29.3 does not use (`2.E`, `2.E.<n>`, `2.E.<n>.<letter>`), before the `3` branch;
- Job Titles: 54,269 of 29.3's 56,560 Alternate Titles rows, spread evenly over the file;
- Scales Reference and Job Zones are the real 31.0 files; Job Zone Reference has 4 rows (no zone 1);
  Occupation Data, Level Scale Anchors and Related Occupations are 29.3's.

Written in about a second. `python bench/_current_release.py FOLDER` writes one (into FOLDER/db_31_0_text).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.current_layout import (  # noqa: E402
    ABILITIES,
    CONTENT_MODEL,
    ESSENTIAL_SKILLS,
    JOB_TITLES,
    RELEASE_29_3,
    SAMPLES,
    SEEDS,
    TRANSFERABLE_SKILLS,
    WORK_ACTIVITIES,
    convert_to_current_layout,
    rated_codes,
    read_lines,
    write_lines,
    write_sampled_ratings,
)

RELEASE = "31.0"
FOLDER_NAME = "db_31_0_text"
ROWS = {
    "Occupation Data.txt": 1_016,
    "Scales Reference.txt": 33,
    "Job Zones.txt": 923,
    "Job Zone Reference.txt": 4,
    CONTENT_MODEL: 3_006,
    ESSENTIAL_SKILLS: 18_200,
    TRANSFERABLE_SKILLS: 45_500,
    "Knowledge.txt": 60_060,
    ABILITIES: 94_640,
    WORK_ACTIVITIES: 74_702,
    "Level Scale Anchors.txt": 483,
    "Related Occupations.txt": 18_460,
    JOB_TITLES: 54_269,
}
RATED = 910  # rated occupations in 31.0 (skills, knowledge, abilities)
RATED_WORK_ACTIVITIES = 911
FIRST_NEW = "15-1252.00"  # Software Developers: rated from 30.3 on
SEED = 310
NEW_BRANCH = "2.E"


def _codes_in_order(folder: Path) -> list[str]:
    return [row.split(b"\t", 1)[0].decode() for row in read_lines(folder / "Occupation Data.txt")[1:]]


def _grow_ratings(path: Path, order: list[str], new_codes: list[str], rng: random.Random) -> None:
    """Add `new_codes` to the ratings file `path`, each element's rows drawn from a random rated occupation."""
    header, *rows = read_lines(path)
    by_code: dict[str, dict[bytes, list[bytes]]] = {}
    for row in rows:
        code, element, _rest = row.split(b"\t", 2)
        by_code.setdefault(code.decode(), {}).setdefault(element, []).append(row)
    donors = list(by_code)
    elements = list(by_code[donors[0]])
    for code in new_codes:
        if code in by_code:
            raise ValueError(f"{code} is already rated in {path.name}")
        drawn: dict[bytes, list[bytes]] = {}
        for element in elements:
            donor = by_code[rng.choice(donors)]
            drawn[element] = [code.encode() + row[row.index(b"\t") :] for row in donor[element]]
        by_code[code] = drawn
    position = {code: n for n, code in enumerate(order)}
    ordered = sorted(by_code, key=position.__getitem__)
    write_lines(path, [header, *(row for code in ordered for rows in by_code[code].values() for row in rows)])


def _element_ids(count: int) -> list[str]:
    """`count` ids of a made-up branch: 2.E, 2.E.1, 2.E.1.a ... 2.E.1.z, 2.E.2, ..."""
    ids = [NEW_BRANCH]
    group = 0
    while len(ids) < count:
        group += 1
        ids.append(f"{NEW_BRANCH}.{group}")
        ids.extend(f"{NEW_BRANCH}.{group}.{chr(ord('a') + n)}" for n in range(26))
    return ids[:count]


def _grow_content_model(path: Path, count: int) -> None:
    header, *rows = read_lines(path)
    known = {row.split(b"\t", 1)[0] for row in rows}
    added = []
    for element in _element_ids(count - len(rows)):
        if element.encode() in known:
            raise ValueError(f"generated element {element} is already in {path.name}")
        depth = element.count(".")
        kind = ("Software Skills", "Software category", "Software example")[min(depth, 3) - 1]
        name = kind if element == NEW_BRANCH else f"{kind} {element[len(NEW_BRANCH) + 1 :]}"
        description = f"Made-up element {element} for the benchmark release (not an O*NET element)"
        added.append(f"{element}\t{name}\t{description}".encode())
    before = next((n for n, row in enumerate(rows) if row.split(b"\t", 1)[0] == b"3"), len(rows))
    write_lines(path, [header, *rows[:before], *added, *rows[before:]])


def _fewer_titles(path: Path, count: int) -> None:
    """Keep `count` of the rows, spread evenly; the key (code, title, short title) stays unique."""
    header, *rows = read_lines(path)
    total = len(rows)
    kept = [row for n, row in enumerate(rows) if (n + 1) * count // total > n * count // total]
    keys = {tuple(field.decode().casefold() for field in row.split(b"\t")[:3]) for row in kept}
    if len(keys) != len(kept):
        raise ValueError(f"{path.name}: the kept rows repeat a key")
    write_lines(path, [header, *kept])


def write_full_size_release(target: Path) -> Path:
    """Write the full-size 31.0-layout release into `target` (created); returns `target`.

    Name `target` `db_31_0_text` or rely on its `Read Me.txt` ("O*NET 31.0 Database") for the release number.
    """
    convert_to_current_layout(RELEASE_29_3, target)
    rng = random.Random(SEED)
    order = _codes_in_order(target)
    rated = rated_codes(target)
    unrated = [code for code in order if code not in set(rated)]
    unrated.sort(key=lambda code: code != FIRST_NEW)  # stable: Software Developers first, then file order
    new_codes = unrated[: RATED_WORK_ACTIVITIES - len(rated)]
    for name in (ESSENTIAL_SKILLS, TRANSFERABLE_SKILLS, "Knowledge.txt"):
        _grow_ratings(target / name, order, new_codes[: RATED - len(rated)], rng)
    position = {code: n for n, code in enumerate(order)}
    for name, count in ((ABILITIES, RATED), (WORK_ACTIVITIES, RATED_WORK_ACTIVITIES)):
        sample = SAMPLES / name
        sampled = {row.split(b"\t", 1)[0].decode() for row in read_lines(sample)[1:]}
        codes = sorted(rated + new_codes[: count - len(rated)], key=position.__getitem__)
        write_sampled_ratings(target / name, sample, [c for c in codes if c not in sampled], SEEDS[name])
    _grow_content_model(target / CONTENT_MODEL, ROWS[CONTENT_MODEL])
    _fewer_titles(target / JOB_TITLES, ROWS[JOB_TITLES])
    (target / "Read Me.txt").write_text(
        f"O*NET {RELEASE} Database\n"
        "Benchmark release: O*NET 29.3 data grown to 31.0's row counts, in the 31.0 layout\n"
        "\n"
        "Written by bench/_current_release.py: not O*NET's 31.0 values.\n",
        encoding="utf-8",
    )
    found = {name: (target / name).read_bytes().count(b"\n") - 1 for name in ROWS}
    wrong = {name: (rows, ROWS[name]) for name, rows in found.items() if rows != ROWS[name]}
    if wrong:
        raise AssertionError(f"row counts (written, expected) differ from 31.0's: {wrong}")
    extra = sorted({p.name for p in target.iterdir()} - set(ROWS) - {"Read Me.txt"})
    if extra:
        raise AssertionError(f"files that 31.0's benchmark release should not have: {extra}")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python bench/_current_release.py FOLDER  (writes FOLDER/db_31_0_text)")
    print(write_full_size_release(Path(sys.argv[1]) / FOLDER_NAME))
