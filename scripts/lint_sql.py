"""Reject MariaDB-only SQL in the project's files, so what passes here also runs on MySQL 8."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("dbt_project/**/*.sql", "loader/**/*.py", "service/**/*.py", "scripts/**/*.sql")
MARIADB_ONLY = {
    r"create\s+or\s+replace\s+table": "CREATE OR REPLACE TABLE (MySQL has only CREATE OR REPLACE VIEW)",
    r"create\s+(unique\s+)?index\s+if\s+not\s+exists": "CREATE INDEX IF NOT EXISTS",
    r"drop\s+index\s+if\s+exists": "DROP INDEX IF EXISTS",
    r"rename\s+table\s+if\s+exists": "RENAME TABLE IF EXISTS",
    r"add\s+(column\s+)?if\s+not\s+exists": "ADD COLUMN IF NOT EXISTS",
    r"\breturning\b\s+[`\w*]": "RETURNING",
    r"\bcreate\s+sequence\b": "sequences",
    r"\bnextval\s*\(": "NEXTVAL()",
    r"\bmedian\s*\(": "MEDIAN()",
}


def problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    for pattern, name in MARIADB_ONLY.items():
        for match in re.finditer(pattern, text, re.IGNORECASE):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{path.relative_to(ROOT)}:{line}: MariaDB-only syntax: {name}")
    return found


def main() -> int:
    found = [
        p for glob in SCANNED for path in sorted(ROOT.glob(glob)) if path.name != "lint_sql.py" for p in problems(path)
    ]
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
