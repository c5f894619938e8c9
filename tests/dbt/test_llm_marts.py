"""The LLM marts: a whole `dbt build` over a copy of the small test release's landing tables and an LLM store
filled by the real service code from a fake Gemini; the marts against the same figures computed here."""

from __future__ import annotations

import statistics
from dataclasses import replace
from decimal import Decimal

import pytest
from pytest_httpserver import HTTPServer

from service.config import LLMConfig
from service.db import Database
from service.llm.analyst import Analyst
from service.llm.prompts import InvalidAnswer
from service.llm.store import LLMStore
from tests.conftest import copy_landing_tables, drop_databases, make_settings, query, run_dbt
from tests.service.app_config import service_config
from tests.service.fake_gemini import FakeGemini, answer

CODES = ("11-1011.00", "15-1251.00", "29-1141.00")


@pytest.fixture(scope="module")
def gemini():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield FakeGemini(server)
    server.clear()
    server.stop()


def onet_levels(settings) -> dict[tuple[str, str], Decimal]:
    rows = query(
        settings,
        "select onetsoc_code, element_id, effective_level from fct_occupation_ratings where domain = 'skills'",
        database=settings.database,
    )
    return {(code, element_id): level for code, element_id, level in rows}


def noisy(onet: dict, code: str, element_id: str) -> float:
    """O*NET's level, moved by a fixed amount per skill, kept on the 0-7 scale."""
    shift = (sum(map(ord, element_id)) % 9 - 4) / 4
    return round(min(7.0, max(0.0, float(onet[(code, element_id)]) + shift)), 2)


@pytest.fixture(scope="module")
def llm_built(built_settings, small_loaded, gemini, tmp_path_factory):
    """Own databases: the small test release's landing tables (its ratings of CODES are the
    session's; tests/small_release.py), an LLM store with assessments by two models
    (plus an older, an invalid and an earlier release's one, none of which count), then `dbt build`."""
    mine = make_settings()
    copy_landing_tables(small_loaded, mine)
    onet = onet_levels(built_settings)

    def analyst(model: str) -> Analyst:
        settings = LLMConfig(api_key="test-key", model=model, base_url=gemini.base_url, timeout_seconds=10)
        served = service_config(built_settings, llm=settings)
        return Analyst(served, Database(served), LLMStore(replace(served, database=mine.database)))

    def assess(a: Analyst, code: str, release: str = "29.3"):
        ratings = a.skill_ratings(code)
        return a.ask(a.assessment(a.db.occupation(code), ratings, release))

    close, flat = analyst("fake-close"), analyst("fake-flat")
    gemini.levels = lambda code, element_id: 6.5  # an older assessment, replaced below
    assess(close, CODES[0])
    gemini.levels = lambda code, element_id: noisy(onet, code, element_id)
    for code in CODES:
        assess(close, code)
    gemini.levels = lambda code, element_id: 1.0  # made on another release: not compared
    assess(close, CODES[1], release="28.0")
    gemini.queue(answer(lambda data, call: {"skills": data["skills"][1:]}))  # a skill missing: invalid
    with pytest.raises(InvalidAnswer):
        assess(close, CODES[2])
    gemini.levels = lambda code, element_id: 3.5  # a constant: no correlation
    for code in CODES[:2]:
        assess(flat, code)

    result = run_dbt(mine, "build", out_dir=tmp_path_factory.mktemp("llm_dbt"))
    assert result.returncode == 0, result.stdout[-5000:]
    yield mine, onet
    drop_databases(mine)


def test_each_skill_level_is_next_to_onets_with_the_difference(llm_built):
    settings, onet = llm_built
    rows = query(
        settings,
        "select model, prompt_version, onetsoc_code, element_id, name, llm_level, onet_level, difference,"
        " absolute_difference, justification from llm_skill_levels",
        database=settings.database,
    )
    by_model = {}
    for model, version, code, element_id, name, llm, level, difference, absolute, justification in rows:
        assert version == "1" and name and justification == f"Needed for {element_id}."
        assert level == onet[(code, element_id)]
        expected = Decimal(str(noisy(onet, code, element_id))) if model == "fake-close" else Decimal("3.50")
        assert llm == expected, (model, code, element_id)
        assert difference == llm - level and absolute == abs(llm - level)
        by_model.setdefault(model, set()).add(code)
    assert by_model == {"fake-close": set(CODES), "fake-flat": set(CODES[:2])}
    assert len(rows) == 5 * 35


def test_agreement_per_model_is_the_mean_absolute_difference_and_pearsons_r(llm_built):
    settings, onet = llm_built
    rows = query(
        settings,
        "select model, prompt_version, occupation_count, rating_count, mean_absolute_difference, pearson_r"
        " from llm_level_agreement order by model",
        database=settings.database,
    )
    pairs = [(noisy(onet, code, e), float(onet[(code, e)])) for code, e in onet if code in CODES]
    llm, levels = zip(*pairs, strict=True)
    close, flat = rows
    assert close[:4] == ("fake-close", "1", 3, 105)
    assert float(close[4]) == pytest.approx(statistics.fmean(abs(x - y) for x, y in pairs), abs=1e-4)
    assert float(close[5]) == pytest.approx(statistics.correlation(llm, levels), abs=1e-4)
    assert 0.5 < float(close[5]) < 1
    assert flat[:4] == ("fake-flat", "1", 2, 70)
    assert flat[5] is None, "a constant side has no correlation"
