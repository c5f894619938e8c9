"""Test releases in O*NET's current (30.3 and later, 31.0) text layout, written from the shared 29.3 release.

What this module writes is **O*NET 29.3's data in the 31.0 layout, never 31.0's values**: the 29.3 files are
split and renamed as 30.3 did (`Skills.txt` into `Essential Skills.txt` and `Transferable Skills.txt`,
`Alternate Titles.txt` into `Job Titles.txt`), the content-model groups are renamed as 31.0 names them, and only
`Scales Reference.txt` and `Job Zones.txt` are the real 31.0 files (copied from the 31.0 samples). The Abilities
and Work Activities written by `write_abilities_and_work_activities` are the real 31.0 rows of one occupation
(11-1011.00) followed by made-up, deterministic ratings for other occupations. No O*NET file is kept in the
repository: everything is written at test or bench time from the shared folders.

- `convert_to_current_layout(release, target)`: the 29.3 release in the 31.0 layout (with a `Technology
  Skills.txt`, tests/technology_release.py, also written as `Software Skills.txt`).
- `write_abilities_and_work_activities(folder, occupations)`: `Abilities.txt` and `Work Activities.txt` shaped
  like the real 31.0 rows, for a release folder of either layout.
- `write_sampled_ratings(path, sample, codes, seed)`: the same for one ratings file and a list of codes.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "onet"
RELEASE_29_3 = Path(os.environ.get("ONET_TEST_RELEASE", SHARED / "db_29_3_text"))
SAMPLES = Path(os.environ.get("ONET_TEST_SAMPLES", SHARED / "samples" / "release_31_0_partial"))

CRLF = b"\r\n"
SKILLS = "Skills.txt"
ESSENTIAL_SKILLS = "Essential Skills.txt"
TRANSFERABLE_SKILLS = "Transferable Skills.txt"
ALTERNATE_TITLES = "Alternate Titles.txt"
JOB_TITLES = "Job Titles.txt"
CONTENT_MODEL = "Content Model Reference.txt"
JOB_ZONE_REFERENCE = "Job Zone Reference.txt"
README = "Read Me.txt"
FROM_SAMPLES = ("Scales Reference.txt", "Job Zones.txt")  # the real 31.0 files, complete in the samples
ABILITIES = "Abilities.txt"
WORK_ACTIVITIES = "Work Activities.txt"

# 31.0's names of the skills groups (descriptions unchanged).
RENAMED_GROUPS = {
    "2.A": "Essential Skills",
    "2.A.1": "Foundational Areas",
    "2.A.2": "Ways of Working",
    "2.B": "Transferable Skills",
}
# Element ID prefix -> the 30.3+ file that holds those rows of 29.3's Skills.txt.
SKILLS_SPLIT = {"2.A.": ESSENTIAL_SKILLS, "2.B.": TRANSFERABLE_SKILLS}

LATEST_DATE = (2026, 8)  # no generated rating is dated after 08/2026 (31.0's release)
SEEDS = {ABILITIES: 3101, WORK_ACTIVITIES: 3102}
SCALE_RANGES = {"IM": (1.0, 5.0), "LV": (0.0, 7.0)}


def read_lines(path: Path) -> list[bytes]:
    """The lines of an O*NET text file without their terminators (CRLF or LF), header first."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def write_lines(path: Path, lines: Sequence[bytes]) -> None:
    """Write `lines` as O*NET does: every line, the last one included, ends with CRLF."""
    path.write_bytes(b"".join(line + CRLF for line in lines))


def _split_skills(source: Path, target: Path) -> None:
    header, *rows = read_lines(source)
    parts: dict[str, list[bytes]] = {name: [header] for name in SKILLS_SPLIT.values()}
    for number, row in enumerate(rows, start=2):
        element = row.split(b"\t", 2)[1].decode()
        name = next((n for prefix, n in SKILLS_SPLIT.items() if element.startswith(prefix)), None)
        if name is None:
            raise ValueError(f"{source.name} line {number}: element {element} is neither 2.A.* nor 2.B.*")
        parts[name].append(row)
    for name, lines in parts.items():
        write_lines(target / name, lines)


def _rename_title_column(source: Path, target: Path) -> None:
    header, *rows = read_lines(source)
    columns = header.split(b"\t")
    if b"Alternate Title" not in columns:
        raise ValueError(f"{source.name} has no 'Alternate Title' column: {header.decode()}")
    columns[columns.index(b"Alternate Title")] = b"Job Title"
    write_lines(target / JOB_TITLES, [b"\t".join(columns), *rows])


def _without_zone_1(source: Path, target: Path) -> None:
    header, *rows = read_lines(source)
    write_lines(target / JOB_ZONE_REFERENCE, [header, *(r for r in rows if r.split(b"\t", 1)[0] != b"1")])


def _rename_groups(source: Path, target: Path) -> None:
    header, *rows = read_lines(source)
    renamed = []
    for row in rows:
        element, name, rest = row.split(b"\t", 2)
        new_name = RENAMED_GROUPS.get(element.decode())
        renamed.append(b"\t".join((element, new_name.encode() if new_name else name, rest)))
    write_lines(target / CONTENT_MODEL, [header, *renamed])


def _to_software_skills(source: Path, target: Path) -> None:
    """`Technology Skills.txt` as `Software Skills.txt`, its categories added to the converted content
    model (written before: the files are converted in name order)."""
    from tests.technology_release import software_skills

    elements = software_skills(source, target)
    header, *rows = read_lines(target / CONTENT_MODEL)
    added = [
        b"\t".join((element, name, b"Software category (test release: O*NET 28.2's Technology Skills, 31.0's layout)."))
        for element, name in elements.items()
    ]
    write_lines(target / CONTENT_MODEL, [header, *rows, *added])


CONVERTERS = {
    SKILLS: _split_skills,
    ALTERNATE_TITLES: _rename_title_column,
    JOB_ZONE_REFERENCE: _without_zone_1,
    CONTENT_MODEL: _rename_groups,
    "Technology Skills.txt": _to_software_skills,
}


def convert_to_current_layout(
    release: Path, target: Path, samples: Path = SAMPLES, readme_release: str | None = None
) -> Path:
    """Write `release` (the shared 29.3 folder) into `target` in the 31.0 layout; returns `target`.

    29.3's data, 31.0's file names, headers and group names; Scales Reference and Job Zones are the real 31.0
    files. With `readme_release`, also a `Read Me.txt` naming that release (else none: the loader then needs
    --release or a `db_X_Y_text` folder name).
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in (SKILLS, ALTERNATE_TITLES):
        if not (release / name).is_file():
            raise FileNotFoundError(f"{release / name}: expected a release in the 29.3 layout")
    for name in FROM_SAMPLES:
        if not (samples / name).is_file():
            raise FileNotFoundError(f"{samples / name}: the real 31.0 file is missing from the samples")
    for path in sorted(release.iterdir()):
        if not path.is_file() or path.name == README or path.name in FROM_SAMPLES:
            continue
        convert = CONVERTERS.get(path.name)
        if convert:
            convert(path, target)
        else:
            shutil.copyfile(path, target / path.name)
    for name in FROM_SAMPLES:
        shutil.copyfile(samples / name, target / name)
    if readme_release is not None:
        (target / README).write_text(
            f"O*NET {readme_release} Database\n"
            "Test release: O*NET 29.3 data in the 31.0 layout\n"
            "\n"
            "Written by tests/current_layout.py from the shared 29.3 release: not O*NET's 31.0 values.\n",
            encoding="utf-8",
        )
    return target


def rated_codes(folder: Path) -> list[str]:
    """Occupation codes that have skills rows in `folder` (either layout), in file order."""
    names = [SKILLS] if (folder / SKILLS).is_file() else [ESSENTIAL_SKILLS, TRANSFERABLE_SKILLS]
    codes: dict[str, None] = {}
    for name in names:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no skills file, so no rated occupations to rate")
        for row in read_lines(path)[1:]:
            codes[row.split(b"\t", 1)[0].decode()] = None
    return list(codes)


def _date(rng: random.Random) -> str:
    year = rng.randint(2015, LATEST_DATE[0])
    month = rng.randint(1, LATEST_DATE[1] if year == LATEST_DATE[0] else 12)
    return f"{month:02d}/{year}"


def _rating_rows(rng: random.Random, code: str, elements: Sequence[tuple[str, str]]) -> list[bytes]:
    """One IM and one LV row per element for `code`, like O*NET's: one date, domain and sample size each."""
    domain = rng.choice(("Analyst", "Incumbent"))
    date = _date(rng)
    base_n = 8 if domain == "Analyst" else rng.randint(15, 60)
    rows = []
    for element, name in elements:
        importance = round(rng.uniform(1.0, 5.0), 2)
        # Level follows importance loosely, as real ratings do.
        level = round(min(7.0, max(0.0, (importance - 1.0) * 1.5 + rng.uniform(-1.0, 1.5))), 2)
        irrelevant = "Y" if importance < 1.5 or rng.random() < 0.04 else "N"  # LV rows only
        for scale, value in (("IM", importance), ("LV", level)):
            low, high = SCALE_RANGES[scale]
            n = base_n if domain == "Analyst" else base_n + rng.randint(-2, 2)
            error = rng.uniform(0.05, 0.4)
            lower = max(low, value - 1.96 * error)
            upper = min(high, value + 1.96 * error)
            suppress = "Y" if rng.random() < 0.03 else "N"
            not_relevant = "n/a" if scale == "IM" else irrelevant
            fields = (
                code,
                element,
                name,
                scale,
                f"{value:.2f}",
                str(n),
                f"{error:.4f}",
                f"{lower:.4f}",
                f"{upper:.4f}",
                suppress,
                not_relevant,
                date,
                domain,
            )
            rows.append("\t".join(fields).encode())
    return rows


def write_sampled_ratings(path: Path, sample: Path, codes: Sequence[str], seed: int) -> int:
    """Write the ratings file `path`: the sample's rows verbatim, then generated rows for each of `codes`.

    Same header, element ids and names as `sample` (a real 31.0 ratings file of one occupation); values drawn
    from `random.Random(seed)`. Returns the number of data rows written.
    """
    header, *sample_rows = read_lines(sample)
    elements = list(dict.fromkeys(tuple(f.decode() for f in row.split(b"\t", 3)[1:3]) for row in sample_rows))
    sampled = {row.split(b"\t", 1)[0].decode() for row in sample_rows}
    clash = sampled.intersection(codes)
    if clash:
        raise ValueError(f"{', '.join(sorted(clash))} already has the sample's rows in {sample.name}")
    rng = random.Random(seed)
    lines = [header, *sample_rows]
    for code in codes:
        lines.extend(_rating_rows(rng, code, elements))
    write_lines(path, lines)
    return len(lines) - 1


def write_abilities_and_work_activities(folder: Path, occupations: int, samples: Path = SAMPLES) -> None:
    """Write `Abilities.txt` and `Work Activities.txt` into `folder` for `occupations` occupations.

    The samples' real 31.0 rows of 11-1011.00 first, then made-up ratings (52 abilities, 41 work activities,
    IM and LV each) for the first `occupations - 1` other occupations that have skills rows in `folder`.
    """
    if occupations < 1:
        raise ValueError("occupations must be at least 1 (the sample's 11-1011.00)")
    for name in (ABILITIES, WORK_ACTIVITIES):
        sample = samples / name
        sampled = {row.split(b"\t", 1)[0].decode() for row in read_lines(sample)[1:]}
        others = [code for code in rated_codes(folder) if code not in sampled]
        if len(others) < occupations - 1:
            raise ValueError(f"{folder} has {len(others) + len(sampled)} rated occupations, asked for {occupations}")
        write_sampled_ratings(folder / name, sample, others[: occupations - 1], SEEDS[name])
