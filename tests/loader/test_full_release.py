"""The whole shared O*NET 29.3 release (with 28.2's Technology Skills.txt), loaded once for the session."""

from __future__ import annotations

from decimal import Decimal

import pytest

from loader.pipeline import run
from tests.conftest import copy_landing_tables, query

EXPECTED_ROWS = {
    "occupation_data": 1016,
    "scales_reference": 29,
    "content_model_reference": 627,
    "skills": 61530,
    "knowledge": 58014,
    "abilities": 0,
    "work_activities": 0,
    "level_scale_anchors": 483,
    "job_zone_reference": 5,
    "job_zones": 923,
    "related_occupations": 18460,
    "alternate_titles": 56560,
    "technology_skills": 32435,
}


@pytest.mark.parametrize(("table", "rows"), EXPECTED_ROWS.items())
def test_every_file_lands_with_all_its_rows(loaded_settings, table, rows):
    assert query(loaded_settings, f"SELECT COUNT(*) FROM `{table}`") == [(rows,)]


def test_known_ratings_keep_their_values_and_lines(loaded_settings):
    rows = query(
        loaded_settings,
        "SELECT scale_id, data_value, n, not_relevant, `_line`, `_onet_release` FROM skills "
        "WHERE onetsoc_code = '11-1011.00' AND element_id = '2.A.1.a' ORDER BY scale_id",
    )
    assert rows == [("IM", Decimal("4.12"), 8, None, 2, "29.3"), ("LV", Decimal("4.62"), 8, "N", 3, "29.3")]


def test_na_is_null_never_zero(loaded_settings):
    # 1,386 Knowledge rows of Domain Source `Analyst - Transition` have N = n/a.
    assert query(loaded_settings, "SELECT COUNT(*) FROM knowledge WHERE n IS NULL") == [(1386,)]
    assert query(loaded_settings, "SELECT COUNT(*) FROM knowledge WHERE n = 0") == [(0,)]
    assert query(loaded_settings, "SELECT COUNT(*) FROM skills WHERE scale_id = 'IM' AND not_relevant IS NOT NULL") == [
        (0,)
    ]


def test_raw_quotes_and_leading_zeros_survive(loaded_settings):
    (description,) = query(loaded_settings, "SELECT description FROM content_model_reference WHERE element_id = '5.E'")[
        0
    ]
    assert '"' in description
    assert query(loaded_settings, "SELECT COUNT(*) FROM alternate_titles WHERE sources = '04,06'")[0][0] > 0


def test_load_record_names_release_files_and_absent_files(loaded_settings):
    (load_id, release, status) = query(
        loaded_settings, "SELECT load_id, onet_release, status FROM load_history ORDER BY load_id DESC LIMIT 1"
    )[0]
    assert (release, status) == ("29.3", "loaded")
    files = {
        name: (present, sha, count)
        for name, present, sha, count in query(
            loaded_settings,
            "SELECT file_name, present, sha256, row_count FROM load_files WHERE load_id = %s",
            (load_id,),
        )
    }
    assert files["Skills.txt"] == (1, "52e042e9cfc3352a2da28a39a164cfd8244267e9fd3d0ee027c2d4228919e23d", 61530)
    assert files["Abilities.txt"] == (0, None, 0)
    assert len(files) == len(EXPECTED_ROWS)


def test_same_release_is_skipped_then_forced_reload_gives_the_same_data(settings, loaded_settings, release_dir):
    """On a copy of the session's landing tables and load record (the session's are shared: read only)."""
    copy_landing_tables(loaded_settings, settings)
    checksum_sql = (
        "SELECT BIT_XOR(CRC32(CONCAT_WS('|', onetsoc_code, element_id, scale_id, data_value, "
        "COALESCE(n, 'null'), COALESCE(not_relevant, 'null')))) FROM skills"
    )
    before = query(settings, checksum_sql)
    served_load = query(settings, "SELECT MAX(`_load_id`) FROM skills")

    skipped = run(str(release_dir), quiet=True, settings=settings)
    assert skipped.load_id is None
    assert query(settings, "SELECT MAX(`_load_id`) FROM skills") == served_load

    forced = run(str(release_dir), force=True, quiet=True, settings=settings)
    assert forced.load_id != served_load[0][0]
    assert query(settings, checksum_sql) == before
    recorded = query(
        settings,
        "SELECT load_id, table_name, data_checksum FROM load_files WHERE load_id IN (%s, %s) ORDER BY table_name",
        (served_load[0][0], forced.load_id),
    )
    by_table: dict[str, set] = {}
    for _load, table, checksum in recorded:
        by_table.setdefault(table, set()).add(checksum)
    assert all(len(checksums) == 1 for checksums in by_table.values()), by_table
