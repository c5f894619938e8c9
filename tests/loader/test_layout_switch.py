"""Loads that switch layouts: 29.3 (up to 30.2), the same data in the 31.0 layout, then 29.3 again, into one
database. After each, every landing table holds that load's rows alone, as its files have them.

The first load is the session's (`loaded_settings`), copied with its load record: a load of 29.3 costs about
8 s, and the two loads that switch layouts are the ones under test."""

from __future__ import annotations

from loader.pipeline import run
from tests.conftest import copy_landing_tables, query
from tests.current_layout import read_lines

LINEAGE = ("_source_file", "_line", "_onet_release", "_load_id")


def _data_columns(settings, table: str) -> list[str]:
    rows = query(
        settings,
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position",
        (settings.raw_database, table),
    )
    return [name for (name,) in rows if name not in LINEAGE]


def _checksum(settings, table: str, file_name: str) -> int:
    """An order-free checksum over the data columns of `table`'s rows from `file_name`."""
    fields = ", ".join(f"coalesce(`{c}`, '\\\\N')" for c in _data_columns(settings, table))
    sql = f"select coalesce(bit_xor(crc32(concat_ws('\\t', {fields}))), 0) from `{table}` where `_source_file` = %s"
    return int(query(settings, sql, (file_name,))[0][0])


def _served(settings, folder, release: str) -> dict[str, int]:
    """Check that the landing tables hold exactly the last load's rows; its {file: data checksum}."""
    ((load_id, loaded_release),) = query(
        settings, "select load_id, onet_release from load_history where status = 'loaded' order by load_id desc limit 1"
    )
    assert loaded_release == release
    files = query(
        settings,
        "select file_name, table_name, present, row_count, data_checksum from load_files where load_id = %s",
        (load_id,),
    )
    by_table: dict[str, dict[str, int]] = {}
    for file_name, table, present, row_count, _ in files:
        by_table.setdefault(table, {})
        if present:
            assert row_count == len(read_lines(folder / file_name)) - 1, file_name
            by_table[table][file_name] = row_count
        else:
            assert not (folder / file_name).exists(), file_name
    for table, expected in by_table.items():
        rows = query(
            settings,
            f"select `_source_file`, count(*), min(`_load_id`), max(`_load_id`), min(`_onet_release`),"
            f" max(`_onet_release`) from `{table}` group by `_source_file`",
        )
        assert {f: n for f, n, *_ in rows} == expected, table
        assert all(tuple(lineage) == (load_id, load_id, release, release) for _, _, *lineage in rows), (table, rows)
    recorded = {f: checksum for f, _, present, _, checksum in files if present}
    computed = {f: _checksum(settings, table, f) for f, table, present, _, _ in files if present}
    assert computed == recorded
    leftovers = query(
        settings,
        "select table_name from information_schema.tables where table_schema = %s"
        " and (table_name like '%%\\_\\_new\\_%%' or table_name like '%%\\_\\_old\\_%%')",
        (settings.raw_database,),
    )
    assert leftovers == []
    return recorded


def test_loads_switch_layouts_and_back(settings, loaded_settings, release_dir, current_layout_release):
    copy_landing_tables(loaded_settings, settings)
    ((first,),) = query(settings, "select max(load_id) from load_history where status = 'loaded'")
    old = _served(settings, release_dir, "29.3")
    assert query(settings, "select count(*) from abilities") == [(0,)]

    outcome = run(str(current_layout_release), quiet=True, settings=settings)
    assert (outcome.release, outcome.layout) == ("31.0", "30.3 and later")
    new = _served(settings, current_layout_release, "31.0")
    assert "Skills.txt" not in new and "Alternate Titles.txt" not in new
    # The same rows in other files: the two skills files together are 29.3's Skills.txt, Job Titles its
    # Alternate Titles; the files 31.0 replaced differ.
    assert new["Essential Skills.txt"] ^ new["Transferable Skills.txt"] == old["Skills.txt"]
    assert new["Job Titles.txt"] == old["Alternate Titles.txt"]
    assert new["Knowledge.txt"] == old["Knowledge.txt"]
    for changed in ("Scales Reference.txt", "Job Zones.txt", "Job Zone Reference.txt", "Content Model Reference.txt"):
        assert new[changed] != old[changed], changed
    assert query(settings, "select count(*) from abilities") == [
        (len(read_lines(current_layout_release / "Abilities.txt")) - 1,)
    ]

    run(str(release_dir), quiet=True, settings=settings)
    assert _served(settings, release_dir, "29.3") == old
    assert query(settings, "select count(*) from abilities") == [(0,)]
    # The copied record holds the session's loads (other tests reload it too); then the two loads here.
    assert query(settings, "select onet_release, status from load_history where load_id >= %s", (first,)) == [
        ("29.3", "loaded"),
        ("31.0", "loaded"),
        ("29.3", "loaded"),
    ]
