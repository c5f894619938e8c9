"""The loader's file specs, the layout told from a folder's files and the release number told from
SOURCE: files in tmp_path, no database."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from loader.config import Settings
from loader.errors import LoadError
from loader.layout import detect_layout
from loader.source import find_local_copy, open_release, release_from_name, release_from_readme
from loader.specs import (
    CODE_PATTERN,
    COMMODITY_PATTERN,
    ELEMENT_PATTERN,
    FROM_30_3,
    LAYOUTS,
    REFERENCED_TABLES,
    UP_TO_30_2,
    Column,
)

EXPECTED = (
    "expected Occupation Data.txt with either Skills.txt (up to 30.2) "
    "or Essential Skills.txt and Transferable Skills.txt (30.3 and later)"
)
RATINGS_HEADERS = [
    "O*NET-SOC Code",
    "Element ID",
    "Element Name",
    "Scale ID",
    "Data Value",
    "N",
    "Standard Error",
    "Lower CI Bound",
    "Upper CI Bound",
    "Recommend Suppress",
    "Not Relevant",
    "Date",
    "Domain Source",
]
TABLES = [
    "occupation_data",
    "scales_reference",
    "content_model_reference",
    "skills",
    "knowledge",
    "abilities",
    "work_activities",
    "level_scale_anchors",
    "job_zone_reference",
    "job_zones",
    "related_occupations",
    "alternate_titles",
    "technology_skills",
]
OLD = ["Occupation Data.txt", "Scales Reference.txt", "Content Model Reference.txt", "Skills.txt"]
NEW = ["Occupation Data.txt", "Essential Skills.txt", "Transferable Skills.txt"]
SPECS = list({spec.file_name: spec for layout in LAYOUTS for spec in layout.specs}.values())


@pytest.mark.parametrize("spec", SPECS, ids=[f"{s.file_name} ({s.table})" for s in SPECS])
def test_every_spec_names_its_columns_once_and_keys_and_checks_only_its_columns(spec):
    names = [c.name for c in spec.columns]
    constants = [name for name, _value in spec.constants]
    assert len(set(names + constants)) == len(names + constants) and len(set(spec.headers)) == len(spec.headers)
    assert all(re.fullmatch(r"[a-z_]+", name) for name in names)
    assert set(spec.key) <= set(names)
    assert not any(spec.column(name).nullable for name in spec.key if name != "short_title")
    tables = {s.table: s for s in SPECS}
    for reference in spec.references:
        assert reference.column in names and reference.table in REFERENCED_TABLES
        assert reference.target in [c.name for c in tables[reference.table].columns]
    if spec.scaled_value:
        assert spec.column(spec.scaled_value).kind in ("int", "decimal")
        assert "scale_id" in names


def test_the_ratings_files_share_one_layout():
    ratings = [s for s in SPECS if s.table in ("skills", "knowledge", "abilities", "work_activities")]
    assert len(ratings) == 6 and {s.headers == RATINGS_HEADERS for s in ratings} == {True}
    assert {s.key for s in ratings} == {("onetsoc_code", "element_id", "scale_id")}
    assert {s.scaled_value for s in ratings} == {"data_value"}
    assert {tuple(r.table for r in s.references) for s in ratings} == {
        ("occupation_data", "content_model_reference", "scales_reference")
    }


@pytest.mark.parametrize(
    ("sql_type", "kind"),
    [
        ("INT", "int"),
        ("SMALLINT", "int"),
        ("TINYINT", "int"),
        ("DECIMAL(5,2)", "decimal"),
        ("VARCHAR(10)", "text"),
        ("CHAR(1)", "text"),
        ("TEXT", "text"),
    ],
)
def test_a_columns_kind_is_how_its_field_must_parse(sql_type, kind):
    assert Column("Header", "name", sql_type).kind == kind


def test_code_and_element_patterns():
    assert re.match(CODE_PATTERN, "11-1011.00") and not re.match(CODE_PATTERN, "11-1011")
    assert not re.match(CODE_PATTERN, "11-1011.00 ")
    assert re.match(ELEMENT_PATTERN, "2.A.1.a") and re.match(ELEMENT_PATTERN, "2")
    assert not re.match(ELEMENT_PATTERN, "2..A") and not re.match(ELEMENT_PATTERN, "A.1")
    assert re.match(COMMODITY_PATTERN, "43232202") and not re.match(COMMODITY_PATTERN, "4323220")
    assert not re.match(COMMODITY_PATTERN, "2.E.5.b")


def test_both_layouts_land_in_the_same_tables_from_their_own_files():
    assert list(UP_TO_30_2.tables) == list(FROM_30_3.tables) == TABLES
    assert [s.file_name for s in UP_TO_30_2.tables["skills"]] == ["Skills.txt"]
    assert [s.file_name for s in FROM_30_3.tables["skills"]] == ["Essential Skills.txt", "Transferable Skills.txt"]
    old_titles, new_titles = UP_TO_30_2.tables["alternate_titles"][0], FROM_30_3.tables["alternate_titles"][0]
    assert (old_titles.file_name, old_titles.column("alternate_title").header) == (
        "Alternate Titles.txt",
        "Alternate Title",
    )
    assert (new_titles.file_name, new_titles.column("alternate_title").header) == ("Job Titles.txt", "Job Title")
    assert old_titles.key == new_titles.key == ("onetsoc_code", "alternate_title", "short_title")
    assert UP_TO_30_2.only_here == ("Skills.txt", "Alternate Titles.txt", "Technology Skills.txt")
    assert FROM_30_3.only_here == (
        "Essential Skills.txt",
        "Transferable Skills.txt",
        "Job Titles.txt",
        "Software Skills.txt",
    )
    assert [s.file_name for s in UP_TO_30_2.specs if s.required] == OLD
    assert [s.file_name for s in FROM_30_3.specs if s.required] == [*OLD[:3], *NEW[1:]]
    assert sorted(REFERENCED_TABLES) == ["content_model_reference", "occupation_data", "scales_reference"]


def test_both_technology_files_land_in_one_table_with_their_categories_and_layout():
    (old,), (new,) = UP_TO_30_2.tables["technology_skills"], FROM_30_3.tables["technology_skills"]
    assert old.headers == [
        "O*NET-SOC Code",
        "Example",
        "Commodity Code",
        "Commodity Title",
        "Hot Technology",
        "In Demand",
    ]
    assert new.headers == [
        "O*NET-SOC Code",
        "Workplace Example",
        "Element ID",
        "Element Name",
        "Hot Technology",
        "In Demand",
    ]
    names = ["onetsoc_code", "example", "category_id", "category_name", "hot_technology", "in_demand"]
    assert [c.name for c in old.columns] == [c.name for c in new.columns] == names
    assert old.key == new.key == ("onetsoc_code", "example", "category_id")
    assert (old.column("category_id").pattern, new.column("category_id").pattern) == (
        COMMODITY_PATTERN,
        ELEMENT_PATTERN,
    )
    assert old.constants == (("layout", UP_TO_30_2.name),) and new.constants == (("layout", FROM_30_3.name),)
    assert [(r.column, r.table) for r in old.references] == [("onetsoc_code", "occupation_data")]
    assert [(r.column, r.table, r.target) for r in new.references] == [
        ("onetsoc_code", "occupation_data", "onetsoc_code"),
        ("category_id", "content_model_reference", "element_id"),
    ]
    assert {s.column(f).values for s in (old, new) for f in ("hot_technology", "in_demand")} == {("Y", "N")}
    assert not old.required and not new.required


def folder(path: Path, names: list[str], header_only: bool = False) -> Path:
    """A folder holding `names`, empty or with their spec's header line."""
    headers = {s.file_name: "\t".join(s.headers) + "\r\n" for s in SPECS}
    path.mkdir(parents=True)
    for name in names:
        (path / name).write_text(headers.get(name, "") if header_only else "")
    return path


@pytest.mark.parametrize("header_only", [False, True], ids=["empty", "header-only"])
def test_the_layout_comes_from_the_files_not_the_name(tmp_path, header_only):
    assert detect_layout(folder(tmp_path / "db_31_0_text", [*OLD, "Tasks.txt"], header_only)) is UP_TO_30_2
    assert detect_layout(folder(tmp_path / "db_29_3_text", NEW, header_only)) is FROM_30_3
    assert (
        detect_layout(folder(tmp_path / "plain", [*NEW, "Job Titles.txt", "Knowledge.txt"], header_only)) is FROM_30_3
    )


BAD_FOLDERS = {
    "no occupation data": (
        ["Skills.txt", "Content Model Reference.txt"],
        "no Occupation Data.txt; found: Content Model Reference.txt, Skills.txt (and 1 other file);",
    ),
    "no skills file": (
        ["Occupation Data.txt", "Knowledge.txt"],
        "no skills file of either layout; found: Knowledge.txt, Occupation Data.txt (and 1 other file);",
    ),
    "only essential skills": (
        ["Occupation Data.txt", "Essential Skills.txt"],
        "Essential Skills.txt without Transferable Skills.txt (30.3 and later ships both)",
    ),
    "only transferable skills": (
        ["Occupation Data.txt", "Transferable Skills.txt"],
        "Transferable Skills.txt without Essential Skills.txt (30.3 and later ships both)",
    ),
    "old skills beside new skills": (
        [*NEW, "Skills.txt", "Job Titles.txt"],
        "Skills.txt (up to 30.2) beside Essential Skills.txt, Transferable Skills.txt, Job Titles.txt "
        "(30.3 and later): files of two layouts in one folder",
    ),
    "old titles beside new skills": (
        [*NEW, "Alternate Titles.txt"],
        "Alternate Titles.txt (up to 30.2) beside Essential Skills.txt, Transferable Skills.txt (30.3 and later)",
    ),
    "new titles beside old skills": (
        [*OLD, "Job Titles.txt"],
        "Skills.txt (up to 30.2) beside Job Titles.txt (30.3 and later)",
    ),
    "old technology beside new skills": (
        [*NEW, "Technology Skills.txt"],
        "Technology Skills.txt (up to 30.2) beside Essential Skills.txt, Transferable Skills.txt (30.3 and later)",
    ),
    "new technology beside old skills": (
        [*OLD, "Software Skills.txt"],
        "Skills.txt (up to 30.2) beside Software Skills.txt (30.3 and later)",
    ),
}


@pytest.mark.parametrize("case", BAD_FOLDERS, ids=list(BAD_FOLDERS))
def test_a_folder_that_fits_no_layout_is_one_error_naming_what_it_found(case, tmp_path):
    names, problem = BAD_FOLDERS[case]
    release = folder(tmp_path / "db_99_3_text", [*names, "Tasks.txt"])
    with pytest.raises(LoadError) as caught:
        detect_layout(release)
    message = str(caught.value)
    assert message.startswith(f"{release} does not fit a layout of O*NET's text release: ")
    assert problem in message
    assert "Tasks.txt" not in message and "(and 1 other file);" in message and message.endswith(EXPECTED)


def test_a_missing_folder_or_one_with_only_folders_fits_no_layout(tmp_path):
    with pytest.raises(LoadError) as caught:
        detect_layout(tmp_path / "absent")
    assert str(caught.value) == (
        f"{tmp_path / 'absent'} does not fit a layout of O*NET's text release: no Occupation Data.txt;"
        f" found: no O*NET file the loader knows; {EXPECTED}"
    )
    release = folder(tmp_path / "db_99_3_text", ["Occupation Data.txt", "a.txt", "b.txt"])
    (release / "Skills.txt").mkdir()
    with pytest.raises(LoadError) as caught:
        detect_layout(release)
    assert str(caught.value) == (
        f"{release} does not fit a layout of O*NET's text release: no skills file of either layout;"
        f" found: Occupation Data.txt (and 2 other files); {EXPECTED}"
    )


@pytest.mark.parametrize(
    ("name", "release"),
    [
        ("db_29_3_text", "29.3"),
        ("db_31_0_text.zip", "31.0"),
        ("onet-db_30_10_text-copy", "30.10"),
        ("db_29_3", None),
        ("onet-files", None),
    ],
)
def test_the_release_from_the_name(name, release):
    assert release_from_name(Path("/releases") / name) == release


def readme(path: Path, text: bytes) -> Path:
    (path / "Read Me.txt").write_bytes(text)
    return path


@pytest.mark.parametrize(
    ("text", "release"),
    [
        (b"O*NET 31.0 Database\nAugust 2026 Release\n", "31.0"),
        (b"O*NET 30.3 Database\r\nMay 2026\r\n", "30.3"),
        (b"O*NET 29.3 Database", "29.3"),
        (b"Read me first\nO*NET 31.0 Database\n", None),
        (b"O*NET Database 31.0\n", None),
        (b"\xff\xfeO*NET 31.0 Database\n", "31.0"),
    ],
    ids=["lf", "crlf", "one-line", "not-the-first-line", "other-wording", "undecodable-bytes"],
)
def test_the_release_from_the_read_mes_first_line(tmp_path, text, release):
    assert release_from_readme(readme(tmp_path, text)) == release


def test_no_read_me_says_nothing(tmp_path):
    assert release_from_readme(tmp_path) is None
    (tmp_path / "Read Me.txt").mkdir()
    assert release_from_readme(tmp_path) is None


def settings(tmp_path: Path, *local: Path) -> Settings:
    return Settings.from_env(
        {"ONET_CACHE_DIR": str(tmp_path / "cache"), "ONET_LOCAL_DIRS": ":".join(str(p) for p in local)}
    )


def opened(source: Path | str, release: str | None = None) -> str:
    """The release number `open_release` tells for SOURCE."""
    with open_release(str(source), release, settings(Path(source).parent)) as found:
        assert (found.folder / "Occupation Data.txt").is_file()
        return found.number


def test_the_release_number_from_the_name_the_read_me_or_the_option(tmp_path):
    named = folder(tmp_path / "db_99_2_text", NEW)
    assert opened(named) == "99.2"
    plain = readme(folder(tmp_path / "onet-files", NEW), b"O*NET 31.0 Database\n")
    assert opened(plain) == "31.0"
    assert opened(plain, release="31.0") == "31.0"
    assert opened(folder(tmp_path / "other", NEW), release="30.3") == "30.3"
    # A zip of a folder: the release folder one level below the archive's root.
    archive = shutil.make_archive(str(tmp_path / "download"), "zip", plain.parent, plain.name)
    assert opened(archive) == "31.0"
    named_archive = shutil.make_archive(str(tmp_path / "db_29_3_text"), "zip", named.parent, named.name)
    assert opened(named_archive) == "29.3"


def test_sources_that_disagree_are_an_error_naming_both(tmp_path):
    named = readme(folder(tmp_path / "db_99_2_text", NEW), b"O*NET 31.0 Database\n")
    with pytest.raises(LoadError) as caught:
        opened(named)
    assert str(caught.value) == (
        f"SOURCE '{named}' is named for release 99.2 but its Read Me.txt says release 31.0 ('O*NET 31.0 Database')"
    )
    with pytest.raises(
        LoadError, match=r"^--release says 31\.0 but SOURCE '.*db_99_2_text' is named for release 99\.2$"
    ):
        opened(named, release="31.0")
    plain = readme(folder(tmp_path / "onet-files", NEW), b"O*NET 31.0 Database\n")
    with pytest.raises(LoadError) as caught:
        opened(plain, release="30.3")
    assert str(caught.value) == "--release says 30.3 but its Read Me.txt says release 31.0 ('O*NET 31.0 Database')"


def test_a_source_that_names_no_release_is_an_error(tmp_path):
    plain = folder(tmp_path / "onet-files", NEW)
    with pytest.raises(LoadError) as caught:
        opened(plain)
    assert str(caught.value) == (
        f"cannot tell which O*NET release '{plain}' holds: pass --release (e.g. --release 29.3), "
        "use O*NET's name for it (e.g. db_29_3_text) or keep O*NET's Read Me.txt in it"
    )
    with pytest.raises(LoadError, match=r"^release '31' is not a release number such as 29\.3$"):
        opened(plain, release="31")


def test_a_source_that_is_no_folder_or_zip_is_named(tmp_path):
    with pytest.raises(LoadError) as caught:
        opened(tmp_path / "db_1_1_text")
    assert (
        str(caught.value)
        == f"SOURCE '{tmp_path / 'db_1_1_text'}' is not a folder, a .zip or a release number such as 29.3"
    )
    text = tmp_path / "db_29_3_text.zip"
    text.write_text("not a zip")
    with pytest.raises(LoadError) as caught:
        opened(text)
    assert str(caught.value) == f"SOURCE '{text}' is neither a folder nor a valid .zip file"


def test_without_source_the_newest_local_copy_by_release_number(tmp_path):
    local = tmp_path / "local"
    for name in ("db_9_9_text", "db_9_10_text", "notes"):
        folder(local / name, NEW)
    (local / "db_10_1_text.txt").write_text("neither a folder nor a zip")
    shutil.make_archive(str(local / "db_9_2_text"), "zip", local, "db_9_9_text")
    found = find_local_copy(settings(tmp_path, tmp_path / "absent", local))
    assert found == local / "db_9_10_text"
    assert find_local_copy(settings(tmp_path, tmp_path / "absent")) is None
    with open_release(None, None, settings(tmp_path, local)) as release:
        assert (release.number, release.folder) == ("9.10", local / "db_9_10_text")
