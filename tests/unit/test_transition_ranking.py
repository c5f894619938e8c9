"""The transition ranking over a handful of synthetic occupations, against figures worked out by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from service.serving.transition_ranking import TransitionRanking, combine, cosine, text_cosine, tokens

ARCHIVISTS, BAKERS, CARPENTERS, DENTISTS, ECONOMISTS, FARMERS = (
    "11-1011.00",
    "11-2011.00",
    "15-1211.00",
    "15-1251.00",
    "15-2011.00",
    "45-2091.00",
)
KNOWLEDGE = {"2.C.1.a": "Administration", "2.C.4.a": "Mathematics"}
SKILLS = {"2.A.1.a": "Reading Comprehension", "2.A.1.b": "Active Listening"}


def occupation(code: str, title: str, job_zone: int | None, description: str | None = None) -> dict:
    return {
        "onetsoc_code": code,
        "title": title,
        "description": description,
        "major_group_code": code[:2],
        "job_zone": job_zone,
    }


OCCUPATIONS = [
    occupation(ARCHIVISTS, "Archivists", 4, "Appraise historical documents."),
    occupation(BAKERS, "Bakers", 3),
    occupation(CARPENTERS, "Carpenters", 4, "Construct wooden frames."),
    occupation(DENTISTS, "Dentists", None),
    occupation(ECONOMISTS, "Economists", 5),
    occupation(FARMERS, "Farmers", 2),  # no ratings: not ranked
]
# (importance, effective level) per element of ELEMENTS. The importance vectors and their cosines with Archivists':
# skills      A (3, 4), B (3, 4) 1, C (4, 3) 24/25 = 0.96, D (1.5, 2) 1, E none (a zero row) 0;
# knowledge   A (4, 2), B (4, 2) 1, C (3, 3) 18/sqrt(20 * 18) = 0.948683, D (2, 1) 1,
#             E (3, 4) 20/sqrt(20 * 25) = 0.894427.
# No two documents share a word, so the title and description cosines are 0 between occupations.
ELEMENTS = ("2.C.1.a", "2.C.4.a", "2.A.1.a", "2.A.1.b")
RATED = {
    ARCHIVISTS: [("4.00", "2.00"), ("2.00", "1.00"), ("3.00", "3.00"), ("4.00", "3.00")],
    BAKERS: [("4.00", "4.00"), ("2.00", "1.50"), ("3.00", "3.50"), ("4.00", "2.00")],
    CARPENTERS: [("3.00", "3.00"), ("3.00", "1.00"), ("4.00", "2.00"), ("3.00", "4.00")],
    DENTISTS: [("2.00", "2.50"), ("1.00", "1.25"), ("1.50", "4.00"), ("2.00", "3.75")],
    ECONOMISTS: [("3.00", "1.00"), ("4.00", "1.00")],  # knowledge only
}
# Archivists' similarity to each: 0.35 * skills + 0.50 * knowledge, rounded to 4 places.
FROM_ARCHIVISTS = {
    BAKERS: 0.85,
    DENTISTS: 0.85,
    CARPENTERS: 0.8103,  # 0.35 * 0.96 + 0.5 * 0.948683 = 0.810342
    ECONOMISTS: 0.4472,  # 0.5 * 0.894427
}


def ratings() -> list[dict]:
    return [
        {
            "onetsoc_code": code,
            "domain": "knowledge" if element_id in KNOWLEDGE else "skills",
            "element_id": element_id,
            "name": {**KNOWLEDGE, **SKILLS}[element_id],
            "importance": Decimal(importance),
            "effective_level": Decimal(level),
        }
        for code, rated in RATED.items()
        for element_id, (importance, level) in zip(ELEMENTS, rated, strict=False)
    ]


def titles(*extra: tuple[str, str]) -> list[dict]:
    rows = [(FARMERS, "Crop Growers"), (ARCHIVISTS, "Records Curators"), *extra]
    return [{"onetsoc_code": code, "alternate_title": title} for code, title in rows]


@pytest.fixture(scope="module")
def ranking() -> TransitionRanking:
    return TransitionRanking(OCCUPATIONS, ratings(), titles())


def ranked_codes(ranking: TransitionRanking, code: str, **filters) -> list[str]:
    return [ranking.codes[row] for row in ranking.ranked(code, **filters)]


def test_tokens_are_lowercase_words_of_three_letters_or_more_without_stop_words():
    assert tokens("The Chief Executives and ALL other Officers, 2nd-line") == [
        "chief",
        "executives",
        "officers",
        "line",
    ]
    assert tokens("IT & HR") == []


def test_cosine_of_rows_with_zero_rows_similar_to_nothing_and_opposites_clipped_to_zero():
    similarity = cosine(np.array([[3.0, 4.0], [4.0, 3.0], [0.0, 0.0], [-3.0, -4.0]]))
    assert similarity == pytest.approx(
        np.array(
            [
                [1.0, 0.96, 0.0, 0.0],
                [0.96, 1.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 1.0],
            ]
        )
    )
    assert similarity.min() >= 0.0 and similarity.max() <= 1.0


def test_text_cosine_weighs_shared_words_by_smoothed_idf_and_sublinear_counts():
    similarity = text_cosine(["Nurse nurse aides", "Nurses", "Nurse", "Welders"])
    # 4 documents; "nurse" is in 2 of them, "aides", "nurses" and "welders" in 1 each.
    nurse, unique = math.log(5 / 3) + 1, math.log(5 / 2) + 1
    nurse_twice = (1 + math.log(2)) * nurse
    assert similarity[0, 2] == pytest.approx(nurse_twice / math.hypot(nurse_twice, unique))
    assert similarity[0, 2] == pytest.approx(similarity[2, 0])
    # No word in common (plural forms are other words): nothing alike.
    assert similarity[0, 1] == similarity[1, 2] == similarity[0, 3] == similarity[2, 3] == 0.0


def test_combine_is_the_weighted_sum_of_the_parts():
    parts = {"a": np.array([[1.0, 0.5]]), "b": np.array([[1.0, 0.0]])}
    assert combine(parts, {"a": 0.25, "b": 0.75}) == pytest.approx(np.array([[1.0, 0.125]]))


def test_only_occupations_with_ratings_are_ranked(ranking):
    assert ranking.codes == [ARCHIVISTS, BAKERS, CARPENTERS, DENTISTS, ECONOMISTS]
    assert ranking.rated(ECONOMISTS) and not ranking.rated(FARMERS)
    assert ranking.major_groups == ["11", "15", "45"]
    assert [(e.domain, e.element_id) for e in ranking.elements] == [
        ("knowledge", "2.C.1.a"),
        ("knowledge", "2.C.4.a"),
        ("skills", "2.A.1.a"),
        ("skills", "2.A.1.b"),
    ]


def test_similarity_is_the_weighted_cosines_symmetric_and_in_range(ranking):
    source = ranking.index[ARCHIVISTS]
    for code, expected in FROM_ARCHIVISTS.items():
        assert ranking.similarity[source, ranking.index[code]] == pytest.approx(expected, abs=1e-9), code
    assert np.array_equal(ranking.similarity, ranking.similarity.T)
    assert ranking.similarity.min() >= 0.0 and ranking.similarity.max() <= 1.0
    # Economists have no skills ratings: knowledge alone, 0.5 * (3 * 3 + 4 * 3) / (5 * sqrt(18)) = 0.494975.
    assert ranking.similarity[ranking.index[ECONOMISTS], ranking.index[CARPENTERS]] == pytest.approx(0.495, abs=1e-9)


def test_ranked_closest_first_without_itself_and_equal_scores_by_code(ranking):
    assert ranked_codes(ranking, ARCHIVISTS) == [BAKERS, DENTISTS, CARPENTERS, ECONOMISTS]
    # Archivists, Bakers and Dentists are all 0.4472 from Economists.
    assert ranked_codes(ranking, ECONOMISTS) == [CARPENTERS, ARCHIVISTS, BAKERS, DENTISTS]
    assert ranked_codes(ranking, ARCHIVISTS, limit=2) == [BAKERS, DENTISTS]
    assert ranked_codes(ranking, ARCHIVISTS, limit=0) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"min_job_zone": 4}, [CARPENTERS, ECONOMISTS]),
        # Dentists have no job zone: outside any bound.
        ({"max_job_zone": 4}, [BAKERS, CARPENTERS]),
        ({"min_job_zone": 3, "max_job_zone": 3}, [BAKERS]),
        ({"major_group": "15"}, [DENTISTS, CARPENTERS, ECONOMISTS]),
        ({"major_group": "15", "min_job_zone": 5}, [ECONOMISTS]),
        ({"major_group": "15", "limit": 1}, [DENTISTS]),
        # Farmers are in group 45 but not rated.
        ({"major_group": "45"}, []),
    ],
    ids=["min-zone", "max-zone", "one-zone", "group", "group-and-zone", "group-limit", "unrated-group"],
)
def test_filters_keep_the_ranking_order(ranking, filters, expected):
    assert ranked_codes(ranking, ARCHIVISTS, **filters) == expected


def test_a_shared_title_word_lifts_an_occupation_above_its_tie(ranking):
    shared = TransitionRanking(OCCUPATIONS, ratings(), titles((DENTISTS, "Records Curators")))
    assert ranked_codes(shared, ARCHIVISTS) == [DENTISTS, BAKERS, CARPENTERS, ECONOMISTS]
    lifted = shared.similarity[shared.index[ARCHIVISTS], shared.index[DENTISTS]]
    # At most the title weight (0.10) more; the descriptions still share nothing.
    assert 0.85 < lifted <= 0.95


def gap(element_id: str, difference: float, importance: float) -> dict:
    domain = "knowledge" if element_id in KNOWLEDGE else "skills"
    name = {**KNOWLEDGE, **SKILLS}[element_id]
    return {
        "element_id": element_id,
        "name": name,
        "domain": domain,
        "difference": difference,
        "importance": importance,
    }


def test_transitions_carry_the_occupation_its_score_and_its_gaps(ranking):
    found = {row["onetsoc_code"]: row for row in ranking.transitions(ARCHIVISTS)}
    assert list(found) == [BAKERS, DENTISTS, CARPENTERS, ECONOMISTS]
    # Bakers ask 4.00 * 2.00 + 2.00 * 0.50 + 3.00 * 0.50 = 10.50 more; Active Listening is lower there.
    # Equal differences: the more important first.
    assert found[BAKERS] == {
        **OCCUPATIONS[1],
        "similarity": 0.85,
        "gap_score": 10.5,
        "gap_count": 3,
        "top_gaps": [gap("2.C.1.a", 2.0, 4.0), gap("2.A.1.a", 0.5, 3.0), gap("2.C.4.a", 0.5, 2.0)],
    }
    # Four higher levels, the three largest shown: 2 * 0.5 + 1 * 0.25 + 1.5 * 1 + 2 * 0.75 = 4.25.
    assert (found[DENTISTS]["gap_score"], found[DENTISTS]["gap_count"]) == (4.25, 4)
    assert found[DENTISTS]["top_gaps"] == [
        gap("2.A.1.a", 1.0, 1.5),
        gap("2.A.1.b", 0.75, 2.0),
        gap("2.C.1.a", 0.5, 2.0),
    ]
    # Equal difference and importance: by element id, a skill (2.A) before knowledge (2.C).
    assert (found[CARPENTERS]["similarity"], found[CARPENTERS]["gap_score"]) == (0.8103, 6.0)
    assert found[CARPENTERS]["top_gaps"] == [gap("2.A.1.b", 1.0, 3.0), gap("2.C.1.a", 1.0, 3.0)]
    # Every level of Economists is at or below Archivists'.
    assert {key: found[ECONOMISTS][key] for key in ("gap_score", "gap_count", "top_gaps")} == {
        "gap_score": 0.0,
        "gap_count": 0,
        "top_gaps": [],
    }


def test_transitions_take_the_ranking_filters(ranking):
    assert [row["onetsoc_code"] for row in ranking.transitions(ARCHIVISTS, major_group="11")] == [BAKERS]
    assert ranking.transitions(ARCHIVISTS, min_job_zone=6) == []
