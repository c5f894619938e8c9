"""First step: read each file once to check its shape and take its checksum."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import LoadError
from .specs import FileSpec


@dataclass(frozen=True)
class FileInfo:
    spec: FileSpec
    path: Path | None  # None: the release does not ship this file
    sha256: str | None = None
    size: int = 0
    rows: int = 0
    line_terminator: str = "\r\n"

    @property
    def present(self) -> bool:
        return self.path is not None


def _field_at(data: bytes, pos: int) -> tuple[int, int]:
    """(line number, field index) of byte offset `pos`."""
    line_start = data.rfind(b"\n", 0, pos) + 1
    return data.count(b"\n", 0, pos) + 1, data.count(b"\t", line_start, pos)


def _check_header(spec: FileSpec, header: list[str]) -> None:
    expected = spec.headers
    if header == expected:
        return
    missing = [h for h in expected if h not in header]
    extra = [h for h in header if h not in expected]
    if missing:
        problem = f"missing column '{missing[0]}' in the header"
        column = missing[0]
    elif extra:
        problem = f"unexpected column '{extra[0]}' in the header"
        column = extra[0]
    else:
        column = next(h for h, e in zip(header, expected, strict=False) if h != e)
        problem = "header columns are out of order"
    raise LoadError(f"{problem}; expected: {' | '.join(expected)}", spec.file_name, 1, column)


def _check_field_counts(spec: FileSpec, data: bytes, terminator: bytes) -> None:
    """Every line has as many fields as the header; cheap when it holds."""
    lines = data.split(terminator)
    if lines and lines[-1] == b"":
        lines.pop()
    width = len(spec.columns)
    for number, line in enumerate(lines, start=1):
        fields = line.count(b"\t") + 1
        if fields < width:
            raise LoadError(
                f"line has {fields} fields, expected {width} (truncated line?)",
                spec.file_name,
                number,
                spec.columns[fields].header,
            )
        if fields > width:
            raise LoadError(f"line has {fields} fields, expected {width}", spec.file_name, number)
        if terminator == b"\r\n" and b"\n" in line:
            raise LoadError("line ends with LF where the file uses CRLF", spec.file_name, number)


def inspect_file(spec: FileSpec, folder: Path) -> FileInfo:
    """Check encoding, header and field counts of one file, and take its checksum."""
    path = folder / spec.file_name
    if not path.is_file():
        if spec.required:
            raise LoadError("required file is missing from the release", spec.file_name)
        return FileInfo(spec, None)
    data = path.read_bytes()
    if not data.strip():
        raise LoadError("file is empty: expected a header row and data rows", spec.file_name, 1)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, field = _field_at(data, exc.start)
        raise LoadError(
            f"byte 0x{data[exc.start]:02X} is not UTF-8 (is the file latin-1?)",
            spec.file_name,
            line,
            spec.columns[min(field, len(spec.columns) - 1)].header,
        ) from None
    header_end = data.find(b"\n")
    terminator = b"\r\n" if header_end > 0 and data[header_end - 1 : header_end] == b"\r" else b"\n"
    header_line = data[: header_end if header_end >= 0 else len(data)].rstrip(b"\r")
    _check_header(spec, header_line.decode("utf-8").split("\t"))
    body_start = header_end + 1 if header_end >= 0 else len(data)
    rows = data.count(b"\n", body_start) + (0 if data.endswith(b"\n") else 1) if body_start < len(data) else 0
    expected_tabs = rows * (len(spec.columns) - 1)
    crlf_ok = terminator == b"\n" or data.count(b"\r\n") == data.count(b"\n")
    if data.count(b"\t", body_start) != expected_tabs or not crlf_ok:
        _check_field_counts(spec, data, terminator)
    if rows == 0 and spec.required:
        raise LoadError("file has a header but no data rows", spec.file_name, 2)
    return FileInfo(
        spec,
        path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        rows=rows,
        line_terminator=terminator.decode(),
    )
