"""Fixtures for loader tests: a tiny synthetic release, and a database already holding it."""

from __future__ import annotations

import pytest

from loader.pipeline import run
from tests.conftest import query
from tests.loader.tiny_release import write_release

DATA_CHECKSUM = (
    "SELECT table_name, data_checksum, row_count FROM load_files "
    "WHERE load_id = (SELECT MAX(load_id) FROM load_history WHERE status = 'loaded') ORDER BY table_name"
)


@pytest.fixture
def tiny_release(tmp_path):
    return write_release(tmp_path / "db_99_1_text")


@pytest.fixture
def loaded_tiny(settings, tiny_release):
    """`settings` with the tiny release loaded; returns a snapshot function of what is served."""
    run(str(tiny_release), quiet=True, settings=settings)

    def served():
        tables = query(settings, "SHOW TABLES")
        skills = query(settings, "SELECT onetsoc_code, element_id, scale_id, data_value, `_load_id` FROM skills")
        return sorted(tables), sorted(skills), query(settings, DATA_CHECKSUM)

    return served
