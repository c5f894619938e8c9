"""A release in O*NET's current layout (31.0), from download to the served API: `current_release_served` is
`make run`'s pipeline with no SOURCE, which downloads release 31.0 from a local server (tests/current_release.py).

Its skills and knowledge are 29.3's data in the 31.0 layout (tests/current_layout.py), so its gap rows and
ratings must be exactly those of the session's 29.3 build; its Abilities and Work Activities (40 occupations)
must go through to the API and the compare page.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from tests.conftest import query, server_connection
from tests.current_layout import ABILITIES, ESSENTIAL_SKILLS, TRANSFERABLE_SKILLS, WORK_ACTIVITIES, read_lines
from tests.current_release import DOWNLOAD_PATH, FOLDER, RATED_IN_NEW_DOMAINS
from tests.dbt.test_gaps_match_release import COLUMNS, expected_gaps, read_anchors, read_domain, read_tsv
from tests.technology_release import SOFTWARE_SKILLS, expected_gap, read_technology

PAIRS_PER_DOMAIN = 300
TECHNOLOGY_GAP = "/api/v1/technology-gap"
GAP_PATHS = {"skill_gap": "/api/v1/skill-gap", "skill_gap_by_level": "/api/v1/skill-gap-by-lvl"}
NEW_DOMAINS = {"abilities": ABILITIES, "work_activities": WORK_ACTIVITIES}
# fct_occupation_ratings' data columns; the nullable ones are told apart from '' by a marker.
RATING_COLUMNS = (
    "onetsoc_code, domain, element_id, element_name, importance, importance_n, importance_se, level, level_n,"
    " level_se, recommend_suppress, not_relevant, effective_level, level_anchor"
)


def served(settings, sql: str, args=None) -> list[tuple]:
    return query(settings, sql, args, database=settings.database)


def data_lines(path) -> int:
    return len(read_lines(path)) - 1


@pytest.fixture(scope="module")
def new_domains(current_release_served):
    """{domain: {occupation: {element: rating}}} of the release's Abilities and Work Activities files."""
    return {domain: read_domain(current_release_served.folder / name) for domain, name in NEW_DOMAINS.items()}


@pytest.fixture(scope="module")
def rated_pair(current_release_served):
    """Two occupations with Abilities and Work Activities ratings, and one with skills ratings only."""
    with_new = list(dict.fromkeys(row["O*NET-SOC Code"] for row in read_tsv(current_release_served.folder / ABILITIES)))
    skills_only = sorted(row["O*NET-SOC Code"] for row in read_tsv(current_release_served.folder / ESSENTIAL_SKILLS))[
        -1
    ]
    assert len(with_new) == RATED_IN_NEW_DOMAINS and skills_only not in with_new
    return with_new[0], with_new[1], skills_only


def test_the_pipeline_downloaded_loaded_built_and_serves_31_0(current_release_served):
    # Downloaded once from the local server into the private cache, and loaded from there.
    asked = [request.path for request, _ in current_release_served.download_server.log]
    assert asked == [DOWNLOAD_PATH]
    cached = current_release_served.cache_dir / f"{FOLDER}.zip"
    assert cached.read_bytes() == current_release_served.archive
    settings = current_release_served.settings
    assert query(settings, "select onet_release, status, source from load_history") == [("31.0", "loaded", str(cached))]
    (load_id,) = query(settings, "select load_id from load_history")[0]

    meta = current_release_served.get("/api/v1/meta").json()
    assert (meta["onet_release"], meta["load_id"]) == ("31.0", load_id)
    assert current_release_served.get("/health/ready").json()["onet_release"] == "31.0"

    # The landing `skills` table holds both new files, each row from the file of its element's group.
    folder = current_release_served.folder
    skills = query(
        settings,
        "select `_source_file`, count(*), sum(element_id like '2.A.%%'), sum(element_id like '2.B.%%'),"
        " min(`_onet_release`), max(`_load_id`) from skills group by `_source_file` order by 1",
    )
    essential, transferable = data_lines(folder / ESSENTIAL_SKILLS), data_lines(folder / TRANSFERABLE_SKILLS)
    assert skills == [
        (ESSENTIAL_SKILLS, essential, essential, 0, "31.0", load_id),
        (TRANSFERABLE_SKILLS, transferable, 0, transferable, "31.0", load_id),
    ]
    assert query(settings, "select distinct `_source_file` from alternate_titles") == [("Job Titles.txt",)]


@pytest.mark.parametrize("domain", ["skills", "knowledge"])
@pytest.mark.parametrize("model", ["skill_gap", "skill_gap_by_level"])
def test_gap_rows_are_29_3s_own(current_release_served, built_settings, model, domain):
    """29.3's data in the 31.0 layout gives 29.3's gap rows, pair by pair."""
    codes = [
        code
        for (code,) in served(
            built_settings,
            "select distinct onetsoc_code from fct_occupation_ratings where domain = %s order by 1",
            (domain,),
        )
    ]
    assert len(codes) == 879
    rng = random.Random(f"31.0/{model}/{domain}")
    pairs = [tuple(rng.sample(codes, 2)) for _ in range(PAIRS_PER_DOMAIN)]
    sql = f"select {COLUMNS} from {model} where from_code = %s and to_code = %s and domain = %s order by element_id"
    answers = {}
    for settings in (built_settings, current_release_served.settings):
        with server_connection(settings) as conn, conn.cursor() as cur:
            conn.select_db(settings.database)
            found = []
            for source, target in pairs:
                cur.execute(sql, (source, target, domain))
                found.append(cur.fetchall())
            answers[settings.database] = found
    release_29_3, release_31_0 = answers[built_settings.database], answers[current_release_served.settings.database]
    for pair, old, new in zip(pairs, release_29_3, release_31_0, strict=True):
        assert new == old, pair
    # Equal empty answers would prove nothing: most sampled pairs have gaps.
    assert sum(bool(rows) for rows in release_29_3) > PAIRS_PER_DOMAIN // 2


def test_skills_and_knowledge_ratings_are_29_3s_own(current_release_served, built_settings):
    sql = (
        "select domain, count(*), bit_xor(crc32(concat_ws('|', {columns}))), sum(crc32(concat_ws('|', {columns})))"
        " from fct_occupation_ratings where domain in ('skills', 'knowledge') group by domain order by domain"
    )
    # NULLs as a marker, so a NULL and a missing column are not the same text.
    columns = ", ".join(f"coalesce({c.strip()}, '\\\\N')" for c in RATING_COLUMNS.split(","))
    old = served(built_settings, sql.format(columns=columns))
    assert [(domain, count) for domain, count, *_ in old] == [("knowledge", 879 * 33), ("skills", 879 * 35)]
    assert served(current_release_served.settings, sql.format(columns=columns)) == old


def test_search_finds_an_occupation_by_a_title_only_in_job_titles(current_release_served):
    folder = current_release_served.folder
    titles = {row["O*NET-SOC Code"]: row["Title"] for row in read_tsv(folder / "Occupation Data.txt")}
    job_titles: dict[str, list[str]] = {}
    for row in read_tsv(folder / "Job Titles.txt"):
        names = [row["Job Title"]] + ([row["Short Title"]] if row["Short Title"] != "n/a" else [])
        job_titles.setdefault(row["O*NET-SOC Code"], []).extend(names)

    def matches(words: list[str], texts: list[str]) -> bool:
        return all(any(word.lower() in text.lower() for text in texts) for word in words)

    # A job title of two or more plain words that no occupation's own title matches.
    rng = random.Random(31)
    candidates = sorted(
        {t for names in job_titles.values() for t in names if re.fullmatch(r"[A-Za-z]+( [A-Za-z]+)+", t)}
    )
    rng.shuffle(candidates)
    title = next(t for t in candidates if not any(matches(t.split(), [name]) for name in titles.values()))
    expected = sorted(code for code in titles if matches(title.split(), [titles[code], *job_titles.get(code, [])]))
    assert 0 < len(expected) <= 100

    response = current_release_served.get("/api/v1/occupations", params={"q": title, "page_size": 100})
    assert response.status_code == 200
    assert sorted(o["code"] for o in response.json()) == expected, title


def test_meta_and_domains_list_abilities_and_work_activities(current_release_served, new_domains):
    meta = current_release_served.get("/api/v1/meta").json()
    by_domain = {d["domain"]: d for d in meta["domains"]}
    assert list(by_domain) == ["skills", "knowledge", "abilities", "work_activities"]
    counts = {d: (row["element_count"], row["rated_occupation_count"], row["has_data"]) for d, row in by_domain.items()}
    assert counts == {
        "skills": (35, 879, True),
        "knowledge": (33, 879, True),
        "abilities": (52, 40, True),
        "work_activities": (41, 40, True),
    }
    for domain, ratings in new_domains.items():  # the counts are the files' own
        assert (len(next(iter(ratings.values()))), len(ratings)) == counts[domain][:2]
    assert current_release_served.get("/api/v1/domains").json() == meta["domains"]


@pytest.mark.parametrize("domain", sorted(NEW_DOMAINS))
@pytest.mark.parametrize("model", sorted(GAP_PATHS))
def test_gaps_in_abilities_and_work_activities(current_release_served, new_domains, rated_pair, model, domain):
    first, second, skills_only = rated_pair
    anchors = read_anchors(current_release_served.folder / "Level Scale Anchors.txt")
    for source, target in ((first, second), (second, first)):
        response = current_release_served.get(GAP_PATHS[model], params={"from": source, "to": target, "domain": domain})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["domain"], body["onet_release"]) == (domain, "31.0")
        assert {g["domain"] for g in body["gaps"]} <= {domain}
        found = {
            g["element_id"]: (
                g["name"],
                *(Decimal(str(g[k])) for k in ("from_level", "to_level", "difference", "importance")),
                int(g["suppressed"]),
                g["from_anchor"],
                g["to_anchor"],
            )
            for g in body["gaps"]
        }
        by_level = model == "skill_gap_by_level"
        assert found == expected_gaps(new_domains, anchors, domain, source, target, by_level), (source, target)
        if by_level:
            assert found

    # An occupation with skills ratings but none in the domain: 404 no_ratings (no O*NET Web Services for these
    # domains); an unknown code: 404 unknown_occupation.
    response = current_release_served.get(GAP_PATHS[model], params={"from": first, "to": skills_only, "domain": domain})
    assert response.status_code == 404
    body = response.json()
    assert (body["code"], body["details"]["parameter"], body["details"]["domain"]) == ("no_ratings", "to", domain)
    assert f"has no {domain} ratings in O*NET 31.0" in body["message"]
    response = current_release_served.get(
        GAP_PATHS[model], params={"from": "99-9999.00", "to": first, "domain": domain}
    )
    assert (response.status_code, response.json()["code"]) == (404, "unknown_occupation")


def test_an_occupation_lists_its_abilities_and_work_activities(current_release_served, new_domains, rated_pair):
    first, _, skills_only = rated_pair
    body = current_release_served.get(f"/api/v1/occupations/{first}").json()
    assert body["rated_domains"] == ["skills", "knowledge", "abilities", "work_activities"]
    for domain, ratings in new_domains.items():
        listed = {r["element_id"]: r for r in body["ratings"][domain]}
        assert set(listed) == set(ratings[first])
        for element, rating in ratings[first].items():
            assert Decimal(str(listed[element]["effective_level"])) == rating.level, (domain, element)
            assert Decimal(str(listed[element]["importance"])) == rating.importance, (domain, element)
            assert listed[element]["name"] == rating.name
    assert body["ratings"]["abilities"][0]["category"] is not None

    other = current_release_served.get(f"/api/v1/occupations/{skills_only}").json()
    assert other["rated_domains"] == ["skills", "knowledge"]
    assert other["ratings"]["abilities"] == [] and other["ratings"]["work_activities"] == []


def test_the_compare_page_shows_abilities_and_work_activities(current_release_served, new_domains, rated_pair):
    first, second, skills_only = rated_pair
    response = current_release_served.get("/compare", params={"from": first, "to": second})
    assert response.status_code == 200
    html = response.text
    assert 'id="chart-skills"' in html and 'id="chart-knowledge"' in html
    gaps = {}
    for domain, ratings in new_domains.items():
        chart = re.search(rf'<figure class="chart" id="chart-{domain}".*?</figure>', html, re.S)
        assert chart, f"no chart of {domain}"
        rows = re.findall(
            r'data-element="([^"]+)"\s+data-from-level="([^"]+)"\s+data-to-level="([^"]+)"', chart.group(0)
        )
        assert {element: (Decimal(f), Decimal(t)) for element, f, t in rows} == {
            element: (rating.level, ratings[second][element].level) for element, rating in ratings[first].items()
        }
        answer = current_release_served.get(
            GAP_PATHS["skill_gap_by_level"], params={"from": first, "to": second, "domain": domain}
        )
        gaps.update({g["element_id"]: g for g in answer.json()["gaps"]})
    # The gap table lists every domain's gaps, each with its domain's name.
    table = re.search(r'<table id="gap-table">.*?</table>', html, re.S).group(0)
    assert " elements of skills, knowledge, abilities and work activities where " in table
    listed = dict(re.findall(r'<tr data-element="([^"]+)">\s*<th scope="row">[^<]*</th>\s*<td>([^<]*)</td>', table))
    names = {"abilities": "Abilities", "work_activities": "Work Activities"}
    assert gaps and {e: n for e, n in listed.items() if n in names.values()} == {
        element: names[gap["domain"]] for element, gap in gaps.items()
    }

    # With an occupation rated in skills and knowledge only, the page compares those two.
    response = current_release_served.get("/compare", params={"from": first, "to": skills_only})
    assert response.status_code == 200
    assert 'id="chart-skills"' in response.text and 'id="chart-abilities"' not in response.text
    assert " elements of skills and knowledge where " in response.text

    # The transitions stay on skills and knowledge; the endpoint answers for an occupation rated in every domain.
    transitions = current_release_served.get(f"/api/v1/occupations/{first}/transitions")
    assert transitions.status_code == 200
    assert transitions.json()["basis"] == "similarity" and transitions.json()["transitions"]


def test_job_zone_1_is_empty_in_31_0(current_release_served, rated_pair):
    first, _, _ = rated_pair
    path = f"/api/v1/occupations/{first}/transitions"
    only_1 = current_release_served.get(path, params={"max_job_zone": 1})
    assert only_1.status_code == 200 and only_1.json()["transitions"] == []
    up_to_2 = current_release_served.get(path, params={"max_job_zone": 2}).json()["transitions"]
    assert up_to_2 and {t["job_zone"] for t in up_to_2} == {2}


def test_dbt_names_the_new_files_and_groups(current_release_served):
    settings = current_release_served.settings
    assert served(settings, "select domain, ratings_files from dim_domains order by sort_order") == [
        ("skills", f"{ESSENTIAL_SKILLS}, {TRANSFERABLE_SKILLS}"),
        ("knowledge", "Knowledge.txt"),
        ("abilities", ABILITIES),
        ("work_activities", WORK_ACTIVITIES),
    ]
    # The categories come from the release's Content Model Reference, whose groups 31.0 renamed.
    assert served(
        settings,
        "select category_group, category, count(*) from dim_elements where domain = 'skills'"
        " group by category_group, category order by min(element_id)",
    )[:2] == [("Essential Skills", "Foundational Areas", 6), ("Essential Skills", "Ways of Working", 4)]
    groups = served(settings, "select distinct category_group from dim_elements where domain = 'skills' order by 1")
    assert groups == [("Essential Skills",), ("Transferable Skills",)]


def test_the_current_layout_answers_from_software_skills(current_release_served):
    raw = read_technology(
        current_release_served.folder / SOFTWARE_SKILLS,
        example="Workplace Example",
        category="Element ID",
        name="Element Name",
    )
    for source, target in [("15-1251.00", "11-1011.00"), ("11-1011.00", "15-1251.00"), ("29-1141.00", "11-1011.00")]:
        for hot_only in (False, True):
            params = {"from": source, "to": target, "hot_only": str(hot_only).lower()}
            response = current_release_served.get(TECHNOLOGY_GAP, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            gaps, shared = expected_gap(raw, source, target, hot_only)
            assert body["onet_release"] == "31.0"
            assert (body["gaps"], body["shared_category_count"]) == (gaps, shared)
            assert all(g["category_id"].startswith("2.E.") for g in body["gaps"])
