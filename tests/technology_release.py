"""Test releases with technology data: the shared 29.3 release has no technology file, so tests add
O*NET 28.2's complete `Technology Skills.txt` (../shared/onet/samples/technology_skills_28_2; every
occupation code in it is in 29.3's Occupation Data). Answers over these releases are **29.3's
ratings with 28.2's technology**; nothing here is kept in the repository.

- `with_technology(release, folder)`: the 29.3 release plus 28.2's `Technology Skills.txt` (old layout).
- `read_technology(path)` and `expected_gap(raw, source, target)`: the file as read here, and the
  technology gap of a pair worked out from it, independently of the service and the models.
- `software_skills(technology, target)`: that file in the 30.3+ layout, `Software Skills.txt`, whose
  categories are content-model elements 2.E.*: the real 31.0 id where the category's name is one of
  the 31.0 sample's, a generated one (`2.E.99.<n>`) otherwise; returns the elements it used, for the
  converted `Content Model Reference.txt`.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from tests.current_layout import SAMPLES, SHARED, read_lines, write_lines

TECHNOLOGY_SKILLS = "Technology Skills.txt"
SOFTWARE_SKILLS = "Software Skills.txt"
TECHNOLOGY_28_2 = Path(
    os.environ.get("ONET_TEST_TECHNOLOGY", SHARED / "samples" / "technology_skills_28_2" / TECHNOLOGY_SKILLS)
)
SOFTWARE_HEADER = b"O*NET-SOC Code\tWorkplace Example\tElement ID\tElement Name\tHot Technology\tIn Demand"
GENERATED_GROUP = "2.E.99"


def with_technology(release: Path, folder: Path, technology: Path = TECHNOLOGY_28_2) -> Path:
    """`folder/<release's name>`: links to every file of `release` and to 28.2's technology file."""
    if not technology.is_file():
        raise FileNotFoundError(f"{technology}: O*NET 28.2's Technology Skills.txt is missing from the samples")
    target = folder / release.name
    target.mkdir(parents=True)
    for path in sorted(release.iterdir()):
        if path.is_file():
            (target / path.name).symlink_to(path.resolve())
    (target / TECHNOLOGY_SKILLS).symlink_to(technology.resolve())
    return target


def sample_elements(samples: Path = SAMPLES) -> dict[bytes, bytes]:
    """Category name -> its 2.E element id in the real 31.0 rows of the samples."""
    _header, *rows = read_lines(samples / SOFTWARE_SKILLS)
    return {fields[3]: fields[2] for fields in (row.split(b"\t") for row in rows)}


def software_skills(technology: Path, target: Path, samples: Path = SAMPLES) -> dict[bytes, bytes]:
    """Write `technology` (the old layout) as `target/Software Skills.txt`; returns element id -> name
    of every category it used."""
    known = sample_elements(samples)
    _header, *rows = read_lines(technology)
    ids: dict[bytes, bytes] = {}
    lines = [SOFTWARE_HEADER]
    for row in rows:
        code, example, _commodity, name, hot, in_demand = row.split(b"\t")
        if name not in ids:
            ids[name] = known.get(name) or f"{GENERATED_GROUP}.{len(ids) + 1}".encode()
        lines.append(b"\t".join((code, example, ids[name], name, hot, in_demand)))
    write_lines(target / SOFTWARE_SKILLS, lines)
    return {element: name for name, element in ids.items()}


def read_technology(path, example="Example", category="Commodity Code", name="Commodity Title") -> dict:
    """code -> category id -> (name, {example: (hot, in demand)}), from the raw file."""
    listed: dict[str, dict[str, tuple[str, dict[str, tuple[bool, bool]]]]] = {}
    with path.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
            categories = listed.setdefault(row["O*NET-SOC Code"], {})
            _name, examples = categories.setdefault(row[category], (row[name], {}))
            examples[row[example]] = (row["Hot Technology"] == "Y", row["In Demand"] == "Y")
    return listed


def expected_gap(raw: dict, source: str, target: str, hot_only: bool = False) -> tuple[list[dict], int]:
    """The answer's `gaps` and `shared_category_count`, worked out from the raw file."""
    used = raw.get(source, {})
    gaps, shared = [], 0
    for category_id, (name, examples) in raw[target].items():
        kept = {e: flags for e, flags in examples.items() if flags[0] or not hot_only}
        if not kept:
            continue
        if category_id in used:
            shared += 1
            continue
        ordered = sorted(kept.items(), key=lambda item: (not item[1][0], item[0]))
        gaps.append(
            {
                "category_id": category_id,
                "category": name,
                "hot_count": sum(hot for hot, _ in kept.values()),
                "in_demand_count": sum(demand for _, demand in kept.values()),
                "examples": [{"name": e, "hot": hot, "in_demand": demand} for e, (hot, demand) in ordered],
            }
        )
    gaps.sort(key=lambda g: (-g["hot_count"], g["category"], g["category_id"]))
    return gaps, shared
