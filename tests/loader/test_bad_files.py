"""Each kind of bad file: a clear error naming file, line and column, and the served load untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from loader.errors import LoadError
from loader.pipeline import run
from tests.conftest import query


def _edit(folder: Path, file: str, line: int, transform) -> None:
    path = folder / file
    lines = path.read_bytes().split(b"\r\n")
    lines[line - 1] = transform(lines[line - 1])
    path.write_bytes(b"\r\n".join(lines))


def _field(line: int, index: int, value: bytes, file: str = "Skills.txt"):
    def transform(text: bytes) -> bytes:
        fields = text.split(b"\t")
        fields[index] = value
        return b"\t".join(fields)

    return lambda folder: _edit(folder, file, line, transform)


def _drop_column(index: int):
    def apply(folder: Path) -> None:
        path = folder / "Skills.txt"
        rows = [line.split(b"\t") for line in path.read_bytes().split(b"\r\n") if line]
        path.write_bytes(b"".join(b"\t".join(r[:index] + r[index + 1 :]) + b"\r\n" for r in rows))

    return apply


def _duplicate_line(line: int, file: str = "Skills.txt"):
    def apply(folder: Path) -> None:
        path = folder / file
        lines = path.read_bytes().split(b"\r\n")
        lines.insert(line, lines[line - 1])
        path.write_bytes(b"\r\n".join(lines))

    return apply


TECHNOLOGY = "Technology Skills.txt"
CASES = {
    "wrong header": (
        lambda f: _edit(f, "Skills.txt", 1, lambda t: t.replace(b"Data Value", b"Value")),
        ("Skills.txt", 1, "Data Value", "missing column 'Data Value'"),
    ),
    "missing column": (_drop_column(5), ("Skills.txt", 1, "N", "missing column 'N'")),
    "non-numeric value": (_field(3, 4, b"high"), ("Skills.txt", 3, "Data Value", "'high' is not a number")),
    "required value missing": (_field(4, 4, b"n/a"), ("Skills.txt", 4, "Data Value", "where a value is required")),
    "bad code": (_field(5, 0, b"11-101.00"), ("Skills.txt", 5, "O*NET-SOC Code", "does not match the pattern")),
    "value outside its scale": (
        _field(3, 4, b"7.50"),
        ("Skills.txt", 3, "Data Value", "outside the range of scale LV (0 to 7)"),
    ),
    "duplicate key": (_duplicate_line(3), ("Skills.txt", 4, "Scale ID", "duplicate key")),
    "orphan code": (
        _field(6, 0, b"99-9999.00"),
        ("Skills.txt", 6, "O*NET-SOC Code", "'99-9999.00' is not in occupation_data"),
    ),
    "unknown element": (
        _field(2, 1, b"2.A.9.z"),
        ("Skills.txt", 2, "Element ID", "'2.A.9.z' is not in content_model_reference"),
    ),
    "bad flag": (_field(3, 10, b"X"), ("Skills.txt", 3, "Not Relevant", "'X' is not one of Y, N")),
    "truncated line": (
        lambda f: _edit(f, "Skills.txt", 7, lambda t: b"\t".join(t.split(b"\t")[:5])),
        ("Skills.txt", 7, "N", "truncated line"),
    ),
    "latin-1 bytes": (
        lambda f: _edit(f, "Occupation Data.txt", 3, lambda t: t.replace(b"Software", b"Softw\xe4re")),
        ("Occupation Data.txt", 3, "Title", "not UTF-8"),
    ),
    "empty file": (lambda f: (f / "Skills.txt").write_bytes(b""), ("Skills.txt", 1, None, "file is empty")),
    "required file missing": (
        lambda f: (f / "Scales Reference.txt").unlink(),
        ("Scales Reference.txt", None, None, "required file is missing"),
    ),
    "value too long": (_field(2, 3, b"IMPORTANCE"), ("Skills.txt", 2, "Scale ID", "longer than the column's 3")),
    "technology: bad flag": (
        _field(3, 4, b"X", TECHNOLOGY),
        (TECHNOLOGY, 3, "Hot Technology", "'X' is not one of Y, N"),
    ),
    "technology: orphan code": (
        _field(4, 0, b"99-9999.00", TECHNOLOGY),
        (TECHNOLOGY, 4, "O*NET-SOC Code", "'99-9999.00' is not in occupation_data"),
    ),
    "technology: bad commodity code": (
        _field(2, 2, b"4323220", TECHNOLOGY),
        (TECHNOLOGY, 2, "Commodity Code", "does not match the pattern ^[0-9]{8}$"),
    ),
    "technology: duplicate example": (
        _duplicate_line(2, TECHNOLOGY),
        (TECHNOLOGY, 3, "Commodity Code", "duplicate key (onetsoc_code, example, category_id)"),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_file_is_named_and_served_load_untouched(case, settings, tiny_release, loaded_tiny):
    before = loaded_tiny()
    damage, (file, line, column, message) = CASES[case]
    damage(tiny_release)

    with pytest.raises(LoadError) as caught:
        run(str(tiny_release), force=True, quiet=True, settings=settings)

    error = caught.value
    assert (error.file, error.line, error.column) == (file, line, column), str(error)
    assert message in str(error)
    assert loaded_tiny() == before
    statuses = query(settings, "SELECT status FROM load_history ORDER BY load_id")
    assert statuses[0] == ("loaded",)
    assert all(s == ("failed",) for s in statuses[1:])


def test_every_problem_is_listed_first_line_first(settings, tiny_release):
    _field(3, 0, b"99-9999.00")(tiny_release)
    _field(6, 4, b"7.50")(tiny_release)
    with pytest.raises(LoadError) as caught:
        run(str(tiny_release), quiet=True, settings=settings)
    assert (caught.value.line, caught.value.column) == (3, "O*NET-SOC Code")
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert any(line.startswith("Skills.txt, line 6, column 'Data Value'") for line in lines)
    assert query(settings, "SELECT status FROM load_history") == [("failed",)]
