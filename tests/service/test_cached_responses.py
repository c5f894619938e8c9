"""Responses kept per published build: asked again, answered without the work; another build, new responses."""

from __future__ import annotations

import time

import pytest

from service.serving.transition_ranking import TransitionRanking
from tests.conftest import server_connection
from tests.service.app_config import service_config

PROGRAMMERS = "15-1251.00"
CEO = "11-1011.00"
GAP = ("/api/v1/skill-gap-by-lvl", {"from": PROGRAMMERS, "to": CEO})


@pytest.fixture
def ranked(monkeypatch):
    """How often the transition ranking ran."""
    calls = []
    original = TransitionRanking.transitions

    def counted(self, code, **filters):
        calls.append(code)
        return original(self, code, **filters)

    monkeypatch.setattr(TransitionRanking, "transitions", counted)
    return calls


def test_the_same_request_is_answered_from_the_build_answers(make_client, built_settings, ranked):
    client = make_client(service_config(built_settings))
    path = f"/api/v1/occupations/{PROGRAMMERS}/transitions"
    first = client.get(path, query_string={"limit": 5})
    second = client.get(path, query_string={"limit": 5})
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert ranked == [PROGRAMMERS]
    client.get(path, query_string={"limit": 6})
    assert ranked == [PROGRAMMERS, PROGRAMMERS], "other parameters, another answer"


def test_errors_are_not_kept(make_client, built_settings, ranked):
    client = make_client(service_config(built_settings))
    for _ in range(2):
        response = client.get("/api/v1/occupations/99-9999.99/transitions")
        assert response.status_code == 404
        assert response.get_json()["code"] == "unknown_occupation"


def test_size_0_keeps_no_answer(make_client, built_settings, ranked):
    client = make_client(service_config(built_settings, response_cache_size=0))
    path = f"/api/v1/occupations/{PROGRAMMERS}/transitions"
    assert client.get(path).get_data() == client.get(path).get_data()
    assert ranked == [PROGRAMMERS, PROGRAMMERS]


def test_another_build_is_answered_anew(make_client, built_settings, copied_marts):
    client = make_client(service_config(built_settings, database=copied_marts, release_check_seconds=0))
    path, args = GAP
    before = client.get(path, query_string=args).get_json()["gaps"]
    assert before
    largest = before[0]
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(
            f"update `{copied_marts}`.fct_occupation_ratings set effective_level = 0"
            " where onetsoc_code = %s and domain = 'skills' and element_id = %s",
            (CEO, largest["element_id"]),
        )
        assert client.get(path, query_string=args).get_json()["gaps"] == before, "until another build is published"
        cur.execute(f"update `{copied_marts}`.release_info set built_at = built_at + interval 1 second")
    # The new build is read in the background; until it is whole, the previous one answers.
    deadline = time.monotonic() + 30
    while (after := client.get(path, query_string=args).get_json()["gaps"]) == before:
        assert time.monotonic() < deadline, "the new build was never switched to"
        time.sleep(0.05)
    assert largest["element_id"] not in [gap["element_id"] for gap in after]
