"""The real headers and rows of O*NET 31.0 (the shared sample of one occupation) load as they are."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from loader.pipeline import run
from tests.conftest import RELEASE_DIR, query
from tests.technology_release import sample_elements

SAMPLE = RELEASE_DIR.parent / "samples" / "release_31_0_partial"
# From 30.2 on zone 1 is merged into zone 2: four zones, written here in the file's layout.
JOB_ZONE_REFERENCE = [
    "Job Zone\tName\tExperience\tEducation\tJob Training\tExamples\tSVP Range",
    *(
        f"{zone}\tJob Zone {name}\tSome experience.\tSome schooling.\tSome training.\tSome occupations.\t({svp})"
        for zone, name, svp in (
            (2, "Two: Some Preparation Needed", "4.0 to < 6.0"),
            (3, "Three: Medium Preparation Needed", "6.0 to < 7.0"),
            (4, "Four: Considerable Preparation Needed", "7.0 to < 8.0"),
            (5, "Five: Extensive Preparation Needed", "8.0 and above"),
        )
    ),
]


@pytest.fixture
def sample_release(tmp_path):
    """The 31.0 sample with the 29.3 files that hold every code and element it names."""
    if not SAMPLE.is_dir():
        pytest.fail(f"the O*NET 31.0 sample is not at {SAMPLE}")
    folder = tmp_path / "onet-31-sample"
    shutil.copytree(SAMPLE, folder)
    for name in ("Occupation Data.txt", "Content Model Reference.txt"):
        shutil.copy(RELEASE_DIR / name, folder / name)
    # 31.0's content model holds the software categories (2.E.*) its Software Skills name; 29.3's does not.
    with (folder / "Content Model Reference.txt").open("ab") as content_model:
        for name, element in sorted(sample_elements(SAMPLE).items()):
            content_model.write(element + b"\t" + name + b"\tA software category of O*NET 31.0.\r\n")
    (folder / "Job Zone Reference.txt").write_bytes("".join(f"{line}\r\n" for line in JOB_ZONE_REFERENCE).encode())
    return folder


def test_the_real_31_0_rows_load(settings, sample_release):
    outcome = run(str(sample_release), quiet=True, settings=settings)

    # The release number comes from the sample's own Read Me ("O*NET 31.0 Database").
    assert (outcome.release, outcome.layout) == ("31.0", "30.3 and later")
    counts = {
        table: query(settings, f"SELECT COUNT(*) FROM `{table}`")[0][0]
        for table in (
            "skills",
            "knowledge",
            "abilities",
            "work_activities",
            "alternate_titles",
            "job_zones",
            "technology_skills",
        )
    }
    assert counts == {
        "skills": 70,
        "knowledge": 66,
        "abilities": 104,
        "work_activities": 82,
        "alternate_titles": 75,
        "job_zones": 923,
        "technology_skills": 48,
    }
    assert query(
        settings,
        "SELECT example, category_id, category_name, hot_technology, in_demand, layout FROM technology_skills"
        " WHERE `_line` = 2",
    ) == [("Adobe Acrobat", "2.E.5.b", "Document management software", "Y", "N", "30.3 and later")]
    assert query(settings, "SELECT `_source_file`, COUNT(*) FROM skills GROUP BY `_source_file` ORDER BY 1") == [
        ("Essential Skills.txt", 20),
        ("Transferable Skills.txt", 50),
    ]
    assert query(settings, "SELECT DISTINCT job_zone FROM job_zones ORDER BY 1") == [(2,), (3,), (4,), (5,)]


def test_scales_with_a_negative_minimum_load_and_bound_nothing_else(settings, sample_release):
    run(str(sample_release), quiet=True, settings=settings)
    assert query(settings, "SELECT COUNT(*) FROM scales_reference") == [(33,)]
    assert query(settings, "SELECT minimum, maximum FROM scales_reference WHERE scale_id = 'WI'") == [(-3, 3)]
    assert query(
        settings,
        "SELECT scale_id, data_value FROM skills WHERE element_id = '2.A.1.a' ORDER BY scale_id",
    ) == [("IM", Decimal("4.12")), ("LV", Decimal("4.62"))]
