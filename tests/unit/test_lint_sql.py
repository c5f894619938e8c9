"""The SQL portability lint finds MariaDB-only syntax, and the project has none."""

from __future__ import annotations

import importlib.util

from tests.conftest import REPO

spec = importlib.util.spec_from_file_location("lint_sql", REPO / "scripts" / "lint_sql.py")
lint_sql = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lint_sql)


def test_mariadb_only_statements_are_reported_with_their_line(tmp_path, monkeypatch):
    monkeypatch.setattr(lint_sql, "ROOT", tmp_path)
    model = tmp_path / "model.sql"
    model.write_text("select 1;\ncreate or replace table t (a int);\nCREATE INDEX IF NOT EXISTS i ON t (a);\n")
    assert lint_sql.problems(model) == [
        "model.sql:2: MariaDB-only syntax: CREATE OR REPLACE TABLE (MySQL has only CREATE OR REPLACE VIEW)",
        "model.sql:3: MariaDB-only syntax: CREATE INDEX IF NOT EXISTS",
    ]


def test_portable_sql_passes(tmp_path, monkeypatch):
    monkeypatch.setattr(lint_sql, "ROOT", tmp_path)
    view = tmp_path / "view.sql"
    view.write_text("create or replace view v as select a from t;\nrename table a to b, c to d;\n")
    assert lint_sql.problems(view) == []


def test_the_project_passes():
    assert lint_sql.main() == 0
