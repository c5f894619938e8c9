"""Find the first field of a file that does not fit its column, to name its line and column."""

from __future__ import annotations

import re

from .errors import LoadError
from .inspect import FileInfo

NULLS = ("n/a", "")
INTEGER = re.compile(r"^-?\d+$")
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$|^-?\.\d+$")
SIZE = re.compile(r"\((\d+)(?:,(\d+))?\)")


def _problem(sql_type: str, kind: str, nullable: bool, value: str) -> str | None:
    if value in NULLS:
        return None if nullable else f"'{value}' where a value is required"
    if kind == "int" and not INTEGER.match(value):
        return f"'{value}' is not a whole number"
    size = SIZE.search(sql_type)
    if kind == "decimal":
        if not DECIMAL.match(value):
            return f"'{value}' is not a number"
        precision, scale = int(size.group(1)), int(size.group(2))
        whole = value.lstrip("-").split(".")[0].lstrip("0")
        if len(whole) > precision - scale:
            return f"'{value}' is too large for {sql_type}"
    if kind == "text" and size and len(value) > int(size.group(1)):
        return f"value of {len(value)} characters is longer than the column's {size.group(1)}"
    return None


def locate_bad_field(info: FileInfo) -> LoadError | None:
    """The first field that LOAD DATA would reject or change, as a LoadError; None if none is found."""
    spec = info.spec
    text = info.path.read_bytes().decode("utf-8")  # keep CRLF: read_text would turn it into LF
    for number, line in enumerate(text.split(info.line_terminator)[1:], start=2):
        if not line:
            continue
        for column, value in zip(spec.columns, line.split("\t"), strict=True):
            problem = _problem(column.sql_type, column.kind, column.nullable, value)
            if problem:
                return LoadError(problem, spec.file_name, number, column.header)
    return None
