"""A small real release for the tests that load or build it many times: the session's release
(29.3 with 28.2's technology, tests/technology_release.py) cut to about 40 occupations. Every row
kept is the release's own; only the rows of other occupations are left out, so every dbt test still
holds, and the database does a tenth of the work of a whole build (dbt's own time is the same).

- `write_small_release(release, folder)`: `folder/<release's name>` (the name tells the loader the
  release), with the occupations in `KEPT` and every `EVERY`th one of `Occupation Data.txt`.
"""

from __future__ import annotations

from pathlib import Path

from tests.current_layout import read_lines, write_lines

# The occupations the tests on this release ask for by code.
KEPT = frozenset(
    {
        "11-1011.00",  # Chief Executives
        "11-1031.00",  # Legislators (not rated in 29.3)
        "15-1211.00",  # Computer Systems Analysts
        "15-1251.00",  # Computer Programmers
        "15-1252.00",  # Software Developers (not rated in 29.3)
        "29-1141.00",  # Registered Nurses
        "35-2021.00",  # Food Preparation Workers
        "41-9012.00",  # Models
    }
)
EVERY = 30
CODE_COLUMNS = (b"O*NET-SOC Code", b"Related O*NET-SOC Code")
OCCUPATION_DATA = "Occupation Data.txt"


def kept_codes(release: Path) -> frozenset[bytes]:
    """The codes of `KEPT` and of every `EVERY`th occupation of the release's Occupation Data."""
    _header, *rows = read_lines(release / OCCUPATION_DATA)
    return frozenset({code.encode() for code in KEPT} | {row.split(b"\t", 1)[0] for row in rows[::EVERY]})


def write_small_release(release: Path, folder: Path) -> Path:
    """The release with only the rows of `kept_codes`' occupations in each file that names one
    (both codes, in Related Occupations); the other files are links to the release's."""
    codes = kept_codes(release)
    target = folder / release.name
    target.mkdir(parents=True)
    for path in sorted(p for p in release.iterdir() if p.is_file()):
        header, *rows = read_lines(path)
        columns = [i for i, name in enumerate(header.split(b"\t")) if name in CODE_COLUMNS]
        if not columns:
            (target / path.name).symlink_to(path.resolve())
            continue
        kept = [row for row in rows if all(row.split(b"\t")[i] in codes for i in columns)]
        write_lines(target / path.name, [header, *kept])
    return target
