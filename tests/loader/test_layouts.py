"""Both layouts of O*NET's text release: up to 30.2 and 30.3 and later (31.0), told from the files alone."""

from __future__ import annotations

import shutil

import pytest

from loader.errors import LoadError
from loader.pipeline import run
from tests.conftest import query
from tests.loader.tiny_release import CURRENT_LAYOUT_FILES, FILES, TITLES, TITLES_HEADER, write_release

EXPECTED = (
    "expected Occupation Data.txt with either Skills.txt (up to 30.2) "
    "or Essential Skills.txt and Transferable Skills.txt (30.3 and later)"
)


@pytest.fixture
def current_release(tmp_path):
    return write_release(tmp_path / "db_99_2_text", CURRENT_LAYOUT_FILES)


def test_the_current_layout_lands_in_the_same_tables(settings, current_release):
    outcome = run(str(current_release), quiet=True, settings=settings)

    assert (outcome.release, outcome.layout) == ("99.2", "30.3 and later")
    skills = query(
        settings,
        "SELECT `_source_file`, `_line`, element_id, scale_id FROM skills ORDER BY `_source_file`, `_line`",
    )
    # Each row keeps its file and its line in that file (the header is line 1).
    assert [(f, line) for f, line, *_ in skills] == [
        *(("Essential Skills.txt", n) for n in range(2, 10)),
        ("Transferable Skills.txt", 2),
        ("Transferable Skills.txt", 3),
    ]
    assert skills[-1][2:] == ("2.B.1.a", "LV")
    titles = query(settings, "SELECT `_source_file`, onetsoc_code, alternate_title, short_title FROM alternate_titles")
    assert sorted(titles) == [
        ("Job Titles.txt", "11-1011.00", "Agency Owner", None),
        ("Job Titles.txt", "29-1141.00", "Registered Nurse (RN)", "RN"),
    ]
    files = dict(query(settings, "SELECT file_name, table_name FROM load_files WHERE load_id = %s", (outcome.load_id,)))
    assert files["Essential Skills.txt"] == files["Transferable Skills.txt"] == "skills"
    assert files["Job Titles.txt"] == "alternate_titles"
    assert "Skills.txt" not in files and "Alternate Titles.txt" not in files
    technology = query(settings, "SELECT `_source_file`, layout, category_id, category_name FROM technology_skills")
    assert sorted(technology) == [
        ("Software Skills.txt", "30.3 and later", "2.E.4.i", "Spreadsheet software"),
        ("Software Skills.txt", "30.3 and later", "2.E.5.b", "Document management software"),
    ]


def test_a_software_category_must_be_a_content_model_element(settings, current_release):
    path = current_release / "Software Skills.txt"
    path.write_bytes(path.read_bytes().replace(b"\t2.E.4.i\t", b"\t2.E.4.z\t"))
    with pytest.raises(LoadError) as caught:
        run(str(current_release), quiet=True, settings=settings)
    error = caught.value
    assert (error.file, error.line, error.column) == ("Software Skills.txt", 3, "Element ID")
    assert "'2.E.4.z' is not in content_model_reference" in str(error)
    assert query(settings, "SELECT status FROM load_history") == [("failed",)]


def test_each_file_of_a_shared_table_has_its_own_checksum(settings, current_release):
    outcome = run(str(current_release), quiet=True, settings=settings)
    checksums = dict(
        query(
            settings,
            "SELECT file_name, data_checksum FROM load_files WHERE load_id = %s AND table_name = 'skills'",
            (outcome.load_id,),
        )
    )
    assert len(set(checksums.values())) == 2 and 0 not in checksums.values()


def test_a_duplicate_across_the_two_skills_files_names_both(settings, current_release):
    essential = current_release / "Essential Skills.txt"
    first_row = essential.read_bytes().split(b"\r\n")[1]
    transferable = current_release / "Transferable Skills.txt"
    transferable.write_bytes(transferable.read_bytes() + first_row + b"\r\n")

    with pytest.raises(LoadError) as caught:
        run(str(current_release), quiet=True, settings=settings)

    assert (caught.value.file, caught.value.line, caught.value.column) == ("Transferable Skills.txt", 4, "Scale ID")
    assert "first on line 2 of Essential Skills.txt" in str(caught.value)


def _write(files: dict[str, list[str]], drop: tuple[str, ...] = (), add: dict[str, list[str]] | None = None):
    return {**{n: lines for n, lines in files.items() if n not in drop}, **(add or {})}


OLD_TITLES = {"Alternate Titles.txt": [TITLES_HEADER.format(title="Alternate Title"), *TITLES]}
BAD_FOLDERS = {
    "no occupation data": (
        _write(FILES, drop=("Occupation Data.txt",)),
        "no Occupation Data.txt; found: Abilities.txt, Content Model Reference.txt, Scales Reference.txt, "
        "Skills.txt, Technology Skills.txt, Work Activities.txt (and 1 other file);",
    ),
    "no skills file": (
        _write(FILES, drop=("Skills.txt",)),
        "no skills file of either layout; found: Abilities.txt, Content Model Reference.txt, "
        "Occupation Data.txt, Scales Reference.txt, Technology Skills.txt, Work Activities.txt (and 1 other file);",
    ),
    "only essential skills": (
        _write(CURRENT_LAYOUT_FILES, drop=("Transferable Skills.txt",)),
        "Essential Skills.txt without Transferable Skills.txt (30.3 and later ships both)",
    ),
    "only transferable skills": (
        _write(CURRENT_LAYOUT_FILES, drop=("Essential Skills.txt",)),
        "Transferable Skills.txt without Essential Skills.txt",
    ),
    "old skills beside new skills": (
        _write(CURRENT_LAYOUT_FILES, add={"Skills.txt": FILES["Skills.txt"]}),
        "Skills.txt (up to 30.2) beside Essential Skills.txt, Transferable Skills.txt, Job Titles.txt, "
        "Software Skills.txt (30.3 and later): files of two layouts in one folder",
    ),
    "old titles beside new skills": (
        _write(CURRENT_LAYOUT_FILES, add=OLD_TITLES),
        "Alternate Titles.txt (up to 30.2) beside Essential Skills.txt",
    ),
    "new titles beside old skills": (
        _write(FILES, add={"Job Titles.txt": CURRENT_LAYOUT_FILES["Job Titles.txt"]}),
        "Skills.txt (up to 30.2) beside Job Titles.txt (30.3 and later)",
    ),
}


@pytest.mark.parametrize("case", BAD_FOLDERS, ids=list(BAD_FOLDERS))
def test_a_folder_that_fits_no_layout_is_one_clear_error_and_changes_nothing(case, settings, loaded_tiny, tmp_path):
    before = loaded_tiny()
    files, problem = BAD_FOLDERS[case]
    folder = write_release(tmp_path / "db_99_3_text", files)
    (folder / "Tasks.txt").write_text("not a file the loader knows\r\n")

    with pytest.raises(LoadError) as caught:
        run(str(folder), quiet=True, settings=settings)

    message = str(caught.value)
    assert message.startswith(f"{folder} does not fit a layout of O*NET's text release: ")
    assert problem in message
    assert "Tasks.txt" not in message and "(and 1 other file);" in message and message.endswith(EXPECTED)
    assert loaded_tiny() == before
    assert query(settings, "SELECT status FROM load_history") == [("loaded",)]


def test_the_layout_comes_from_the_files_not_the_name(settings, current_release, tmp_path):
    # An old-layout release in a folder named like a current release, and the reverse.
    old = write_release(tmp_path / "db_31_0_text", FILES)
    assert run(str(old), quiet=True, settings=settings).layout == "up to 30.2"
    renamed = current_release.rename(tmp_path / "db_29_3_text")
    assert run(str(renamed), quiet=True, settings=settings).layout == "30.3 and later"


def _readme(folder, release: str) -> None:
    (folder / "Read Me.txt").write_bytes(f"O*NET {release} Database\nAugust 2026 Release\n".encode())


def test_the_release_number_comes_from_the_read_me_when_nothing_else_says(settings, current_release, tmp_path):
    plain = current_release.rename(tmp_path / "onet-files")
    _readme(plain, "31.0")
    assert run(str(plain), quiet=True, settings=settings).release == "31.0"
    archive = shutil.make_archive(str(tmp_path / "download"), "zip", plain.parent, plain.name)
    assert run(archive, force=True, quiet=True, settings=settings).release == "31.0"


def test_a_name_that_disagrees_with_the_read_me_is_an_error_naming_both(settings, current_release):
    _readme(current_release, "31.0")
    with pytest.raises(LoadError) as caught:
        run(str(current_release), quiet=True, settings=settings)
    assert str(caught.value) == (
        f"SOURCE '{current_release}' is named for release 99.2 but its Read Me.txt says release 31.0 "
        "('O*NET 31.0 Database')"
    )
    assert query(settings, "SELECT COUNT(*) FROM load_history") == [(0,)]


def test_a_release_option_that_disagrees_is_an_error_naming_both(settings, current_release, tmp_path):
    with pytest.raises(
        LoadError, match=r"^--release says 31\.0 but SOURCE '.*db_99_2_text' is named for release 99\.2$"
    ):
        run(str(current_release), release="31.0", quiet=True, settings=settings)
    plain = current_release.rename(tmp_path / "onet-files")
    _readme(plain, "31.0")
    with pytest.raises(LoadError, match=r"^--release says 30\.3 but its Read Me\.txt says release 31\.0"):
        run(str(plain), release="30.3", quiet=True, settings=settings)
    assert run(str(plain), release="31.0", quiet=True, settings=settings).release == "31.0"
