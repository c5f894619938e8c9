"""The LLM endpoint with the real google-genai client against a local fake Gemini server, over the
session's built marts and a real LLM store."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import secrets
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal

import pytest
import redis
import requests
from pytest_httpserver import HTTPServer

from service import create_app
from service.api.context import EXTENSION
from service.config import LLMConfig
from service.llm import batch
from service.llm.analyst import Analyst
from tests.conftest import REPO, query
from tests.service.app_config import service_config
from tests.service.checked_client import checked_client
from tests.service.fake_gemini import FakeGemini, answer, error, slow
from tests.service.gunicorn_server import GUNICORN, Server, free_port

CEO = "11-1011.00"
PROGRAMMER = "15-1251.00"
SOFTWARE_DEVELOPER = "15-1252.00"  # no ratings at all in 29.3
PATH = "/api/v1/skill-gap-llm"
PAIR = {"from": PROGRAMMER, "to": CEO}
GEMINI_KEY = "AIzaTest-" + secrets.token_hex(12)
REDIS_URI = os.environ.get("TEST_REDIS_URI", "redis://127.0.0.1:6379/0")
_models = itertools.count(1)


@pytest.fixture(scope="module")
def gemini_server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def gemini(gemini_server) -> FakeGemini:
    gemini_server.clear()
    return FakeGemini(gemini_server)


def llm_settings(gemini: FakeGemini, **overrides) -> LLMConfig:
    """Settings reaching the fake; a model name of its own, so no other test's answers are stored for it."""
    config = LLMConfig(
        api_key=GEMINI_KEY,
        model=f"fake-flash-{os.getpid()}-{next(_models)}",
        base_url=gemini.base_url,
        timeout_seconds=5,
    )
    return replace(config, **overrides)


@pytest.fixture(scope="module")
def llm_app(built_settings, gemini_server):
    """One app for the module (each app builds the transitions ranking at start: seconds of CPU)."""
    settings = LLMConfig(api_key=GEMINI_KEY, base_url=gemini_server.url_for("").rstrip("/"), rate_limit="1000/minute")
    app = create_app(service_config(built_settings, llm=settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture
def llm_client(llm_app, checker, built_settings, gemini):
    """A checked client of the module's app, whose analyst gets this test's settings (a model of its
    own, and any `overrides`); the app's rate limit stays as it was built."""

    def make(**overrides):
        config = service_config(built_settings, llm=llm_settings(gemini, **overrides))
        services = llm_app.extensions[EXTENSION]
        services.analyst = Analyst(config, services.db, services.analyst.store)
        return checked_client(llm_app, checker)

    return make


def store(settings, sql: str, args=None) -> list[tuple]:
    return query(settings, sql, args, database=f"{settings.database}_llm")


def calls_of(settings, model: str) -> list[dict]:
    names = ("call_id", "kind", "onetsoc_code", "target_code", "attempt", "status", "error_code", "total_tokens")
    rows = store(settings, f"select {', '.join(names)} from model_calls where model = %s order by call_id", (model,))
    return [dict(zip(names, row, strict=True)) for row in rows]


def onet_levels(settings, code: str) -> dict[str, tuple[Decimal, Decimal]]:
    rows = query(
        settings,
        "select element_id, effective_level, importance from fct_occupation_ratings"
        " where onetsoc_code = %s and domain = 'skills'",
        (code,),
        database=settings.database,
    )
    return {element_id: (level, importance) for element_id, level, importance in rows}


def test_gap_puts_the_models_levels_next_to_onets(llm_client, gemini, built_settings):
    client = llm_client()
    model = client.application.extensions[EXTENSION].analyst.model
    response = client.get(PATH, query_string=PAIR)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["from"] == {"code": PROGRAMMER, "title": "Computer Programmers"}
    assert body["to"] == {"code": CEO, "title": "Chief Executives"}
    assert (body["onet_release"], body["model"], body["prompt_version"]) == ("29.3", model, "1")

    source, target = onet_levels(built_settings, PROGRAMMER), onet_levels(built_settings, CEO)
    assert len(body["gaps"]) == len(target) == 35
    for gap in body["gaps"]:
        element_id = gap["element_id"]
        assert Decimal(str(gap["from_level"])) == source[element_id][0]
        assert Decimal(str(gap["to_level"])) == target[element_id][0]
        assert Decimal(str(gap["importance"])) == target[element_id][1]
        assert gap["llm_from_level"] == gemini.levels(PROGRAMMER, element_id)
        assert gap["llm_to_level"] == gemini.levels(CEO, element_id)
        assert gap["llm_difference"] == round(gap["llm_to_level"] - gap["llm_from_level"], 2)
        assert gap["llm_from_justification"] == f"Needed for {element_id}."
    differences = [g["llm_difference"] for g in body["gaps"]]
    assert differences == sorted(differences, reverse=True)

    analysis = body["analysis"]
    assert analysis["summary"].startswith("The move asks")
    assert [g["element_id"] for g in analysis["gaps"]] == ["2.A.1.a", "2.A.1.b"]
    assert analysis["gaps"][0]["name"] == "Reading Comprehension"
    assert analysis["transferable_strengths"][0]["why"] == "It carries over."

    # Three calls to Gemini's API, as the SDK makes them, each stored once.
    assert sorted((c.kind, c.code) for c in gemini.calls) == [
        ("analysis", PROGRAMMER),
        ("assessment", CEO),
        ("assessment", PROGRAMMER),
    ]
    for call in gemini.calls:
        assert call.model == model
        assert call.headers["X-Goog-Api-Key"] == GEMINI_KEY
        assert call.body["generationConfig"]["responseMimeType"] == "application/json"
        assert call.body["generationConfig"]["responseSchema"]["type"] == "OBJECT"
    assessed = next(c for c in gemini.calls if c.kind == "assessment" and c.code == CEO)
    assert len(assessed.element_ids) == 35 and "Chief Executives" in assessed.prompt
    stored = calls_of(built_settings, model)
    assert sorted(c["kind"] for c in stored) == ["analysis", "assessment", "assessment"]
    assert all((c["status"], c["attempt"], c["total_tokens"]) == ("valid", 1, 1600) for c in stored)
    assert {c["call_id"] for c in stored} == {c["call_id"] for c in body["calls"]}
    assert not any(c["cached"] for c in body["calls"])
    (row,) = store(
        built_settings,
        "select prompt_version, latency_ms, request, response, answer from model_calls"
        " where model = %s and kind = 'analysis'",
        (model,),
    )
    prompt_version, latency_ms, request, response_body, answer_json = row
    assert prompt_version == "1" and latency_ms >= 0
    assert json.loads(request)["model"] == model and "Chief Executives" in json.loads(request)["prompt"]
    assert json.loads(response_body)["candidates"][0]["finish_reason"] == "STOP"
    assert json.loads(answer_json) == analysis
    levels = store(
        built_settings,
        "select s.onetsoc_code, s.element_id, s.level from skill_assessments s"
        " join model_calls c on c.call_id = s.call_id where c.model = %s",
        (model,),
    )
    assert len(levels) == 70
    assert all(float(level) == gemini.levels(code, element_id) for code, element_id, level in levels)


def test_an_identical_request_is_answered_from_the_store(llm_client, gemini, built_settings):
    client = llm_client()
    first = client.get(PATH, query_string=PAIR).get_json()
    assert len(gemini.calls) == 3
    again = llm_client(model=client.application.extensions[EXTENSION].analyst.model)  # another process, say
    second = again.get(PATH, query_string=PAIR)
    assert second.status_code == 200
    assert len(gemini.calls) == 3, "the model was asked again"
    body = second.get_json()
    assert body["gaps"] == first["gaps"] and body["analysis"] == first["analysis"]
    assert [c["call_id"] for c in body["calls"]] == [c["call_id"] for c in first["calls"]]
    assert all(c["cached"] for c in body["calls"])
    # The reverse pair shares the two assessments, not the analysis.
    reverse = client.get(PATH, query_string={"from": CEO, "to": PROGRAMMER}).get_json()
    assert [(c["kind"], c["cached"]) for c in reverse["calls"]] == [
        ("assessment", True),
        ("assessment", True),
        ("analysis", False),
    ]
    assert len(gemini.calls) == 4


def drop_skill(data, call):
    data["skills"] = [s for s in data["skills"] if s["element_id"] != "2.B.1.a"]


def add_skill(data, call):
    data["skills"].append({"element_id": "2.C.1.a", "level": 3, "justification": "Administration."})


def set_level(value):
    def change(data, call):
        data["skills"][0]["level"] = value

    return change


def repeat_skill(data, call):
    data["skills"][-1] = dict(data["skills"][0])


def drop_field(data, call):
    del data["skills"][3]["justification"]


BAD_ANSWERS = {
    "missing_skill": (answer(drop_skill), "left out 1 of the occupation's 35 skills: Social Perceptiveness (2.B.1.a)"),
    "unknown_skill": (answer(add_skill), "does not have: element_id '2.C.1.a'"),
    "level_above_7": (answer(set_level(7.5)), "Reading Comprehension (2.A.1.a) level 7.5, outside O*NET's 0-7 scale"),
    "level_below_0": (answer(set_level(-1)), "Reading Comprehension (2.A.1.a) level -1, outside O*NET's 0-7 scale"),
    "level_not_a_number": (answer(set_level("high")), 'skills[0].level is "high", not a number'),
    "duplicate_skill": (answer(repeat_skill), "rated Reading Comprehension (2.A.1.a) twice"),
    "missing_field": (answer(drop_field), "skills[3] has no 'justification'"),
    "invalid_json": (answer(text=lambda t: t.replace('"skills":', "skills:")), "is not valid JSON: Expecting"),
    "truncated_answer": (
        answer(text=lambda t: t[: len(t) // 2], finish_reason="MAX_TOKENS"),
        "cut off at its output limit (finishReason MAX_TOKENS, 700 output tokens)",
    ),
    "prose_instead_of_json": (answer(text=lambda t: "I cannot rate these skills."), "is not valid JSON"),
}
PROBLEMS = {
    "level_above_7": "level_out_of_range",
    "level_below_0": "level_out_of_range",
    "level_not_a_number": "schema_mismatch",
    "missing_field": "schema_mismatch",
    "prose_instead_of_json": "invalid_json",
}


@pytest.mark.parametrize("case", BAD_ANSWERS)
def test_a_bad_answer_is_a_502_naming_what_was_wrong_and_is_never_stored_as_valid(
    llm_client, gemini, built_settings, case
):
    client = llm_client()
    model = client.application.extensions[EXTENSION].analyst.model
    reply, expected = BAD_ANSWERS[case]
    gemini.queue(reply, kind="assessment", code=CEO)
    response = client.get(PATH, query_string=PAIR)
    assert response.status_code == 502
    body = response.get_json()
    problem = PROBLEMS.get(case, case)
    assert body["code"] == "invalid_model_answer"
    assert body["details"]["problem"] == problem
    assert expected in body["message"], body["message"]
    assert "Traceback" not in response.get_data(as_text=True)

    stored = calls_of(built_settings, model)
    (bad,) = [c for c in stored if c["onetsoc_code"] == CEO and c["kind"] == "assessment"]
    assert (bad["status"], bad["error_code"], bad["call_id"]) == ("invalid", problem, body["details"]["call_id"])
    assert not store(built_settings, "select 1 from skill_assessments where call_id = %s", (bad["call_id"],))
    # Nothing valid was stored for it: the same request asks the model again, and now succeeds.
    retried = client.get(PATH, query_string=PAIR)
    assert retried.status_code == 200
    assert [(c["kind"], c["cached"]) for c in retried.get_json()["calls"]] == [
        ("assessment", True),
        ("assessment", False),
        ("analysis", True),
    ]


def test_an_analysis_naming_an_unknown_skill_is_a_502(llm_client, gemini):
    def wrong(data, call):
        data["gaps"][0]["element_id"] = "9.Z.9"

    gemini.queue(answer(wrong), kind="analysis")
    body = llm_client().get(PATH, query_string=PAIR).get_json()
    assert (body["status"], body["details"]["problem"]) == (502, "unknown_skill")
    assert "'9.Z.9' (gaps[0])" in body["message"]


def test_a_429_is_retried_after_the_servers_delay(llm_client, gemini, built_settings):
    client = llm_client()
    gemini.queue(error(429, "Resource has been exhausted", retry_delay="0.3s"), kind="analysis")
    started = time.monotonic()
    response = client.get(PATH, query_string=PAIR)
    assert response.status_code == 200, response.get_json()
    assert time.monotonic() - started >= 0.3
    analysis = [c for c in calls_of(built_settings, client.application.extensions[EXTENSION].analyst.model)]
    analysis = [c for c in analysis if c["kind"] == "analysis"]
    assert [(c["attempt"], c["status"]) for c in analysis] == [(1, "rate_limited"), (2, "valid")]
    assert len(gemini.calls) == 4


def test_a_5xx_is_retried_with_backoff(llm_client, gemini, built_settings):
    client = llm_client()
    gemini.queue(error(503, "The model is overloaded"), kind="assessment", code=PROGRAMMER)
    response = client.get(PATH, query_string=PAIR)
    assert response.status_code == 200
    calls = calls_of(built_settings, client.application.extensions[EXTENSION].analyst.model)
    assert [
        (c["attempt"], c["status"]) for c in calls if c["onetsoc_code"] == PROGRAMMER and c["kind"] == "assessment"
    ] == [
        (1, "server_error"),
        (2, "valid"),
    ]


def test_429_on_every_attempt_is_a_503(llm_client, gemini, built_settings):
    client = llm_client(max_attempts=2)
    gemini.queue(*[error(429, "Quota exceeded", retry_delay="0.1s")] * 2, kind="analysis")
    body = client.get(PATH, query_string=PAIR).get_json()
    assert (body["status"], body["code"], body["details"]["attempts"]) == (503, "model_rate_limited", 2)
    assert "kept answering 429" in body["message"] and "Quota exceeded" in body["message"]
    statuses = [c["status"] for c in calls_of(built_settings, client.application.extensions[EXTENSION].analyst.model)]
    assert sorted(statuses) == ["rate_limited", "rate_limited", "valid", "valid"]


def test_a_4xx_is_not_retried(llm_client, gemini):
    gemini.queue(error(400, "Request contains an invalid argument."), kind="analysis")
    body = llm_client().get(PATH, query_string=PAIR).get_json()
    assert (body["status"], body["code"], body["details"]["attempts"]) == (502, "model_error", 1)
    assert "400 INVALID_ARGUMENT: Request contains an invalid argument." in body["message"]


def test_no_answer_in_time_is_a_504(llm_client, gemini, built_settings):
    client = llm_client(timeout_seconds=1.5)
    gemini.queue(slow(4), kind="analysis")
    started = time.monotonic()
    response = client.get(PATH, query_string=PAIR)
    elapsed = time.monotonic() - started
    body = response.get_json()
    assert (response.status_code, body["code"]) == (504, "model_timeout")
    assert "GEMINI_TIMEOUT_SECONDS=1.5" in body["message"]
    assert elapsed < 3, f"the request waited {elapsed:.1f} s"
    calls = calls_of(built_settings, client.application.extensions[EXTENSION].analyst.model)
    assert [c["status"] for c in calls if c["kind"] == "analysis"] == ["timeout"]


def test_without_a_gemini_key_the_endpoint_says_how_to_configure_one(make_client, built_settings):
    client = make_client(service_config(built_settings))
    response = client.get(PATH, query_string=PAIR)
    body = response.get_json()
    assert (response.status_code, body["code"]) == (503, "llm_not_configured")
    assert "GEMINI_API_KEY" in body["message"] and body["details"] == {"variable": "GEMINI_API_KEY"}
    assessed = client.post("/api/v1/profiles/assess", json={"text": "Ten years of bookkeeping."}).get_json()
    assert (assessed["status"], assessed["code"]) == (503, "llm_not_configured")
    assert client.get("/api/v1/skill-gap", query_string=PAIR).status_code == 200
    assert client.get("/health/ready").status_code == 200


def test_unknown_and_unrated_occupations_are_404s(llm_client, gemini):
    client = llm_client()
    unknown = client.get(PATH, query_string={"from": "99-9999.00", "to": CEO}).get_json()
    assert (unknown["status"], unknown["code"], unknown["details"]) == (
        404,
        "unknown_occupation",
        {"parameter": "from", "value": "99-9999.00"},
    )
    unrated = client.get(PATH, query_string={"from": PROGRAMMER, "to": SOFTWARE_DEVELOPER}).get_json()
    assert (unrated["status"], unrated["code"]) == (404, "no_ratings")
    invalid = client.get(PATH, query_string={"from": "15-1251", "to": CEO}).get_json()
    assert (invalid["status"], invalid["code"]) == (422, "invalid_parameter")
    assert not gemini.calls


def test_the_gemini_key_is_never_in_logs_errors_or_the_store(llm_client, gemini, built_settings, caplog):
    client = llm_client()
    gemini.queue(error(400, f"API key not valid: {GEMINI_KEY}. Please pass a valid API key."), kind="analysis")
    with caplog.at_level(logging.DEBUG):
        failed = client.get(PATH, query_string=PAIR)
        succeeded = client.get(PATH, query_string=PAIR)
    assert failed.status_code == 502 and succeeded.status_code == 200
    assert "API key not valid: [GEMINI_API_KEY]" in failed.get_json()["message"]
    for text in (failed.get_data(as_text=True), succeeded.get_data(as_text=True), caplog.text):
        assert GEMINI_KEY not in text
    assert "llm analysis" in caplog.text  # the calls were logged
    model = client.application.extensions[EXTENSION].analyst.model
    assert not store(
        built_settings,
        "select call_id from model_calls where model = %s"
        " and concat_ws(' ', error_message, response, request, answer) like %s",
        (model, f"%{GEMINI_KEY}%"),
    )
    assert GEMINI_KEY not in repr(client.application.extensions[EXTENSION].analyst.config)


def test_the_service_key_guards_the_endpoint_when_set(llm_client, gemini):
    client = llm_client(service_api_keys=("first-key", "second-key"))
    missing = client.get(PATH, query_string=PAIR).get_json()
    assert (missing["status"], missing["code"]) == (401, "missing_api_key")
    assert "X-API-Key" in missing["message"]
    wrong = client.get(PATH, query_string=PAIR, headers={"X-API-Key": "third-key"}).get_json()
    assert (wrong["status"], wrong["code"]) == (401, "invalid_api_key")
    assert "third-key" not in json.dumps(wrong)
    assert not gemini.calls
    assert client.get(PATH, query_string=PAIR, headers={"X-API-Key": "second-key"}).status_code == 200
    # Only the LLM endpoint asks for it.
    assert client.get("/api/v1/skill-gap", query_string=PAIR).status_code == 200


def test_each_client_is_rate_limited_and_the_other_endpoints_are_not(make_client, built_settings, gemini):
    settings = llm_settings(gemini, rate_limit="2 per minute", service_api_keys=("alice-key", "bob-key"))
    client = make_client(service_config(built_settings, llm=settings))
    alice, bob = {"X-API-Key": "alice-key"}, {"X-API-Key": "bob-key"}
    statuses = [client.get(PATH, query_string=PAIR, headers=alice).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get(PATH, query_string=PAIR, headers=alice)
    body = limited.get_json()
    assert (body["status"], body["code"], body["details"]) == (429, "rate_limited", {"limit": "2 per 1 minute"})
    assert int(limited.headers["Retry-After"]) > 0 and limited.headers["X-RateLimit-Limit"] == "2"
    assert client.get(PATH, query_string=PAIR, headers=bob).status_code == 200
    assert all(client.get("/api/v1/skill-gap", query_string=PAIR).status_code == 200 for _ in range(5))


def test_guessing_keys_is_rate_limited_by_address_and_no_answer_echoes_a_key(make_client, built_settings, gemini):
    settings = llm_settings(gemini, rate_limit="3 per minute", service_api_keys=("right-key",))
    client = make_client(service_config(built_settings, llm=settings))
    guesses = [client.get(PATH, query_string=PAIR, headers={"X-API-Key": f"guess-{i}"}) for i in range(5)]
    assert [r.status_code for r in guesses] == [401, 401, 401, 429, 429]
    assert [r.get_json()["code"] for r in guesses[3:]] == ["rate_limited"] * 2
    for i, response in enumerate(guesses):
        assert f"guess-{i}" not in response.get_data(as_text=True) + str(response.headers)
    # A key in the URL is no key: the request counts for the address, which is over its limit.
    in_url = client.get(PATH, query_string={**PAIR, "X-API-Key": "right-key", "api_key": "right-key"})
    assert in_url.status_code == 429
    # The known key in its header counts apart: the guesses did not use up its limit.
    assert client.get(PATH, query_string=PAIR, headers={"X-API-Key": "right-key"}).status_code == 200


def test_the_key_is_declared_for_the_llm_endpoints_alone(spec):
    scheme = spec["components"]["securitySchemes"]["ServiceApiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-API-Key"}
    secured = [
        (path, method)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and op.get("security")
    ]
    assert sorted(secured) == [("/api/v1/profiles/assess", "post"), (PATH, "get")]


def test_with_redis_unreachable_each_process_counts_in_memory(make_client, built_settings, gemini):
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    settings = llm_settings(gemini, rate_limit="2 per minute", rate_limit_storage_uri=unreachable)
    client = make_client(service_config(built_settings, llm=settings))
    assert [client.get(PATH, query_string=PAIR).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/v1/skill-gap", query_string=PAIR).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rate_limit": "lots"}, "LLM_RATE_LIMIT='lots' is not a rate limit"),
        ({"timeout_seconds": 0}, "GEMINI_TIMEOUT_SECONDS must be > 0"),
        ({"max_concurrent": 0}, "LLM_MAX_CONCURRENT >= 1"),
    ],
)
def test_bad_settings_stop_the_app_from_starting(make_client, built_settings, gemini, overrides, message):
    with pytest.raises(ValueError, match=message):
        make_client(service_config(built_settings, llm=llm_settings(gemini, **overrides)))


def test_the_batch_command_assesses_with_a_concurrency_limit_retries_and_resumes(llm_client, gemini, built_settings):
    client = llm_client()
    model = client.application.extensions[EXTENSION].analyst.model
    runner = client.application.test_cli_runner()
    codes = [CEO, PROGRAMMER, "29-1141.00", "35-2021.00"]
    gemini.queue(answer(drop_skill), kind="assessment", code=CEO)
    gemini.queue(error(429, "Resource has been exhausted", retry_delay="0.1s"), kind="assessment", code=PROGRAMMER)
    gemini.queue(slow(0.5), slow(0.5), slow(0.5), kind="assessment")
    first = runner.invoke(args=["llm-assess", "--occupations", ",".join(codes), "--concurrency", "2"])
    assert first.exit_code == 1, first.output
    assert f"4 occupations with {model}; 0 already stored, skipped" in first.output
    assert "FAILED 11-1011.00: missing_skill: The model left out 1 of the occupation's 35 skills" in first.output
    assert "3 assessed, 1 failed, 0 skipped" in first.output
    assert gemini.most_in_flight == 2
    assert len(gemini.calls) == 5  # a retry after the 429
    statuses = {(c["onetsoc_code"], c["attempt"]): c["status"] for c in calls_of(built_settings, model)}
    assert statuses[(PROGRAMMER, 1)] == "rate_limited" and statuses[(PROGRAMMER, 2)] == "valid"
    assert statuses[(CEO, 1)] == "invalid"

    resumed = runner.invoke(args=["llm-assess", "--occupations", ",".join(codes)])
    assert resumed.exit_code == 0, resumed.output
    assert "3 already stored, skipped" in resumed.output and "1 assessed, 0 failed, 3 skipped" in resumed.output
    assert [c.code for c in gemini.calls[5:]] == [CEO]
    done = runner.invoke(args=["llm-assess", "--occupations", ",".join(codes)])
    assert "0 assessed, 0 failed, 4 skipped" in done.output and len(gemini.calls) == 6
    # The endpoint uses what the batch stored.
    body = client.get(PATH, query_string=PAIR).get_json()
    assert [c["cached"] for c in body["calls"]] == [True, True, False]


@pytest.mark.parametrize(
    ("occupations", "message"),
    [
        ("99-9999.00", "no occupation has the code '99-9999.00'"),
        (SOFTWARE_DEVELOPER, "15-1252.00 (Software Developers) has no skills ratings"),
        (" , ", "name occupation codes, comma-separated, or 'all'"),
    ],
)
def test_the_batch_command_names_a_bad_code(llm_client, gemini, occupations, message):
    result = llm_client().application.test_cli_runner().invoke(args=["llm-assess", "--occupations", occupations])
    assert result.exit_code == 2 and message in result.output
    assert not gemini.calls


def test_all_is_every_occupation_with_skills_ratings(llm_client, built_settings):
    app = llm_client().application
    with app.app_context():
        codes = batch.occupation_codes(app.extensions[EXTENSION].reference.get(), "all")
    rated = query(
        built_settings,
        "select onetsoc_code from dim_occupations where has_skills = 1 order by 1",
        database=built_settings.database,
    )
    assert codes == [code for (code,) in rated] and len(codes) > 800


def test_the_batch_command_needs_a_gemini_key(make_client, built_settings):
    app = make_client(service_config(built_settings)).application
    result = app.test_cli_runner().invoke(args=["llm-assess", "--occupations", CEO])
    assert result.exit_code == 2 and "GEMINI_API_KEY is not set" in result.output


@pytest.fixture
def gunicorn(built_settings, gemini, tmp_path):
    """`gunicorn(**env)`: the service under gunicorn with the committed gunicorn.conf.py, its Gemini the fake."""
    started = []

    def start(wait: bool = True, **env: str) -> Server:
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        environment = {
            **os.environ,
            "MYSQL_HOST": built_settings.host,
            "MYSQL_PORT": str(built_settings.port),
            "MYSQL_USER": built_settings.user,
            "MYSQL_PASSWORD": built_settings.password,
            "MYSQL_DATABASE": built_settings.database,
            "SERVICE_PORT": str(port),
            "GEMINI_API_KEY": GEMINI_KEY,
            "GEMINI_BASE_URL": gemini.base_url,
            "GEMINI_MODEL": f"fake-flash-{os.getpid()}-{next(_models)}",
            **env,
        }
        with log.open("w") as out:
            process = subprocess.Popen(GUNICORN, cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT)
        server = Server(f"http://127.0.0.1:{port}", log, process)
        started.append(server)
        deadline = time.monotonic() + 60
        while wait:
            with contextlib.suppress(requests.RequestException):  # refused, or a worker still booting
                if requests.get(server.url + "/health/ready", timeout=2).ok:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        return server

    yield start
    for server in started:
        server.process.terminate()
        server.process.wait(timeout=15)
        assert GEMINI_KEY not in server.log.read_text(), "the Gemini key is in gunicorn's log"


def test_the_rate_limit_is_shared_by_every_worker_through_redis(gunicorn):
    """Two servers of two workers each, one Redis: a client gets the limit once, not once per process."""
    client_key = "client-" + secrets.token_hex(8)
    env = {
        "SERVICE_WORKERS": "2",
        "RATELIMIT_STORAGE_URI": REDIS_URI,
        "LLM_RATE_LIMIT": "4 per minute",
        "SERVICE_API_KEYS": f"other-key,{client_key}",
    }
    servers = [gunicorn(**env), gunicorn(**env)]
    statuses = []
    for i in range(10):  # a new connection each time: any worker of either server may answer
        response = servers[i % 2].get(PATH, params=PAIR, headers={"X-API-Key": client_key})
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.json()["code"] == "rate_limited"
    assert statuses.count(200) == 4 and statuses.count(429) == 6, statuses
    # The counts are in Redis, under a hash of the client's key, never the key itself.
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URI).scan_iter("*onet-skillgap*")]
    digest = hashlib.sha256(client_key.encode()).hexdigest()[:16]
    assert any(digest in key for key in keys) and not any(client_key in key for key in keys)
    # Other endpoints are not limited.
    assert all(servers[0].get("/api/v1/skill-gap", params=PAIR).status_code == 200 for _ in range(6))


def test_slow_model_calls_never_block_the_other_endpoints(gunicorn, gemini):
    """One worker of four threads, two model call slots: while two requests wait on a slow model,
    a third LLM request is turned away at once and the other endpoints answer as usual."""
    server = gunicorn(SERVICE_WORKERS="1", SERVICE_THREADS="4", LLM_MAX_CONCURRENT="2", GEMINI_TIMEOUT_SECONDS="3")
    # The worker reads the published ratings once, as it starts: done before the clock runs.
    assert server.get("/api/v1/skill-gap", params=PAIR).status_code == 200
    gemini.queue(*[slow(6)] * 6)
    with ThreadPoolExecutor(max_workers=2) as pool:
        waiting = [
            pool.submit(server.get, PATH, params={"from": code, "to": CEO}) for code in (PROGRAMMER, "29-1141.00")
        ]
        deadline = time.monotonic() + 10
        while gemini.most_in_flight < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        busy = server.get(PATH, params={"from": "35-2021.00", "to": CEO})
        assert (busy.status_code, busy.json()["code"]) == (503, "llm_busy")
        assert server.get("/health").status_code == 200
        assert server.get("/api/v1/skill-gap", params=PAIR).status_code == 200
        assert time.monotonic() - started < 2, "the other requests waited on the model"
        assert not any(f.done() for f in waiting)
        timed_out = [f.result() for f in waiting]
    assert [(r.status_code, r.json()["code"]) for r in timed_out] == [(504, "model_timeout")] * 2


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GEMINI_TIMEOUT_SECONDS": "30"}, "GEMINI_TIMEOUT_SECONDS=30 must stay below gunicorn's worker timeout"),
        ({"LLM_MAX_CONCURRENT": "4", "SERVICE_THREADS": "4"}, "LLM_MAX_CONCURRENT=4 must stay below SERVICE_THREADS=4"),
    ],
)
def test_gunicorn_refuses_llm_settings_that_could_stall_a_worker(gunicorn, env, message):
    server = gunicorn(wait=False, SERVICE_WORKERS="1", **env)
    assert server.process.wait(timeout=60) != 0
    assert message in server.log.read_text()


def test_an_unreachable_gemini_is_a_502(llm_client, gemini, built_settings):
    client = llm_client(base_url=f"http://127.0.0.1:{free_port()}")
    body = client.get(PATH, query_string=PAIR).get_json()
    assert (body["status"], body["code"], body["details"]["attempts"]) == (502, "model_error", 1)
    assert body["message"].startswith("Gemini cannot be reached:")
    statuses = [c["status"] for c in calls_of(built_settings, client.application.extensions[EXTENSION].analyst.model)]
    assert statuses == ["unreachable"] * 3


def test_a_move_within_one_occupation_asks_its_assessment_once(llm_client, gemini):
    body = llm_client().get(PATH, query_string={"from": CEO, "to": CEO}).get_json()
    assert sorted(c.kind for c in gemini.calls) == ["analysis", "assessment"]
    assert body["calls"][0]["call_id"] == body["calls"][1]["call_id"]
    assert all(g["llm_difference"] == 0 and g["difference"] == 0 for g in body["gaps"])


# A person's own text, for the profile assessment: it names some skills and knowledge areas (the
# fake quotes the sentence naming each), with curly quotes, a dash and a line break inside sentences.
ASSESS = "/api/v1/profiles/assess"
CV = (
    "Eight years as a nurse in an intensive care unit.\n"
    "I did “Active Listening” with every family, and Monitoring of\n   patients around the clock.\n"
    "- Writing care plans and handover notes — daily.\n"
    "Some Mathematics for drug doses; no Programming at all? I studied Medicine and Dentistry basics."
)


def assessed_calls(settings, model: str) -> list[dict]:
    names = ("call_id", "status", "error_code", "error_message", "text_sha256", "text_characters", "profile_text")
    rows = store(
        settings,
        f"select {', '.join(names)} from profile_assessment_calls where model = %s order by call_id",
        (model,),
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def assessed_levels(settings, call_id: int) -> list[tuple]:
    return store(
        settings,
        "select element_id, level, quote_start, quote_end from profile_assessments where call_id = %s"
        " order by position",
        (call_id,),
    )


def test_assess_proposes_a_profile_each_level_quoting_the_text(llm_client, gemini, built_settings):
    client = llm_client()
    model = client.application.extensions[EXTENSION].analyst.model
    response = client.post(ASSESS, json={"text": CV})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    (call,) = gemini.calls
    assert call.kind == "profile_assessment" and call.person_text == CV
    assert len(call.element_ids) == 35 + 33  # every skill and knowledge area of the release, offered
    expected = {e["element_id"]: e for e in call.valid["levels"]}
    assert [call.element_names[e] for e in expected] == [
        "Active Listening",
        "Writing",
        "Mathematics",
        "Monitoring",
        "Programming",
        "Mathematics",
        "Medicine and Dentistry",
    ]
    assert body["profile"] == {"levels": [{"element_id": e, "level": v["level"]} for e, v in expected.items()]}
    for evidence in body["evidence"]:
        assert CV[evidence["quote_start"] : evidence["quote_end"]] == evidence["quote"]
        assert evidence["level"] == expected[evidence["element_id"]]["level"]
    quotes = {e["name"]: e["quote"] for e in body["evidence"]}
    assert quotes["Active Listening"] == (
        "I did “Active Listening” with every family, and Monitoring of\n   patients around the clock."
    )
    assert quotes["Writing"] == "- Writing care plans and handover notes — daily."
    assert body["domains"] == ["skills", "knowledge"] and body["cached"] is False
    assert len(body["not_assessed"]) == 35 + 33 - 7
    assert (body["model"], body["prompt_version"], body["onet_release"]) == (model, "1", "29.3")

    (stored,) = assessed_calls(built_settings, model)
    assert stored == {
        "call_id": body["call_id"],
        "status": "valid",
        "error_code": None,
        "error_message": None,
        "text_sha256": hashlib.sha256(CV.encode()).hexdigest(),
        "text_characters": len(CV),
        "profile_text": None,
    }
    assert [
        (e, float(level), start, end) for e, level, start, end in assessed_levels(built_settings, body["call_id"])
    ] == [(e["element_id"], e["level"], e["quote_start"], e["quote_end"]) for e in body["evidence"]]
    # The profile is a body for the other two endpoints as it is.
    assert client.post("/api/v1/profiles/matches", json=body["profile"]).status_code == 200
    assert client.post("/api/v1/profiles/gap", json={**body["profile"], "to": CEO}).status_code == 200


def test_a_quote_is_found_with_whitespace_and_quote_marks_normalized(llm_client, gemini):
    def straightened(data, call):
        for level in data["levels"]:
            level["quote"] = " ".join(level["quote"].replace("“", '"').replace("”", '"').split()) + " "

    gemini.queue(answer(straightened), kind="profile_assessment")
    body = llm_client().post(ASSESS, json={"text": CV}).get_json()
    quotes = {e["name"]: e["quote"] for e in body["evidence"]}
    # The passage as sent is answered, with its own quote marks and line break.
    assert quotes["Active Listening"] == (
        "I did “Active Listening” with every family, and Monitoring of\n   patients around the clock."
    )
    for evidence in body["evidence"]:
        assert CV[evidence["quote_start"] : evidence["quote_end"]] == evidence["quote"]


def test_the_same_text_is_answered_from_the_store_and_a_domain_offers_its_elements_alone(llm_client, gemini):
    client = llm_client()
    first = client.post(ASSESS, json={"text": CV}).get_json()
    again = llm_client(model=client.application.extensions[EXTENSION].analyst.model)
    second = again.post(ASSESS, json={"text": CV}).get_json()
    assert len(gemini.calls) == 1
    assert second == {**first, "cached": True}
    knowledge = client.post(ASSESS, json={"text": CV, "domain": "knowledge"}).get_json()
    assert len(gemini.calls[-1].element_ids) == 33 and knowledge["domains"] == ["knowledge"]
    assert [e["name"] for e in knowledge["evidence"]] == ["Mathematics", "Medicine and Dentistry"]


def test_the_text_is_stored_only_when_the_setting_says_so(llm_client, built_settings):
    client = llm_client(store_profile_text=True)
    model = client.application.extensions[EXTENSION].analyst.model
    assert client.post(ASSESS, json={"text": CV}).status_code == 200
    assert [c["profile_text"] for c in assessed_calls(built_settings, model)] == [CV]


def rate(element_id: str, level, quote: str):
    return answer(
        lambda data, call: {"levels": [*data["levels"], {"element_id": element_id, "level": level, "quote": quote}]}
    )


PROFILE_ANSWERS = {
    "unknown_element": (rate("1.A.1.a.1", 3, "Eight years"), "an element that was not offered (levels[7])"),
    "duplicate_element": (rate("2.A.1.c", 3, "Eight years"), "rated Writing (2.A.1.c) twice"),
    "level_out_of_range": (rate("2.A.1.a", 8, "Eight years"), "Reading Comprehension (2.A.1.a) level 8, outside"),
    "quote_not_found": (
        rate("2.A.1.a", 3, "I read surgical journals"),
        "quote for Reading Comprehension (2.A.1.a) (levels[7]) is not in the text",
    ),
    "blank_quote": (rate("2.A.1.a", 3, "  "), "quote for Reading Comprehension (2.A.1.a) (levels[7]) is not in"),
    "schema_mismatch": (answer(lambda data, call: {"levels": [{"element_id": "2.A.1.a"}]}), "levels[0] has no 'level'"),
    "invalid_json": (answer(text=lambda t: t[:-3]), "is not valid JSON"),
}


@pytest.mark.parametrize("case", PROFILE_ANSWERS)
def test_a_bad_profile_answer_is_a_502_stored_redacted_as_invalid(llm_client, gemini, built_settings, case):
    client = llm_client()
    model = client.application.extensions[EXTENSION].analyst.model
    reply, expected = PROFILE_ANSWERS[case]
    gemini.queue(reply, kind="profile_assessment")
    response = client.post(ASSESS, json={"text": CV})
    body = response.get_json()
    assert response.status_code == 502 and body["code"] == "invalid_model_answer"
    assert body["details"]["problem"] == ("quote_not_found" if case == "blank_quote" else case)
    assert expected in body["message"], body["message"]
    (stored,) = assessed_calls(built_settings, model)
    assert (stored["status"], stored["error_code"], stored["call_id"]) == (
        "invalid",
        body["details"]["problem"],
        body["details"]["call_id"],
    )
    assert stored["error_message"] is None and stored["profile_text"] is None
    levels = assessed_levels(built_settings, stored["call_id"])
    if case not in ("schema_mismatch", "invalid_json"):
        # Every entry of the answer as it came, redacted: ids, levels and where each quote is, if anywhere.
        assert len(levels) == 8 and levels[-1][:2] == (
            "1.A.1.a.1" if case == "unknown_element" else "2.A.1.c" if case == "duplicate_element" else "2.A.1.a",
            Decimal(8 if case == "level_out_of_range" else 3),
        )
        assert levels[-1][2:] == ((None, None) if "quote" in case else (0, 11))
    assert client.post(ASSESS, json={"text": CV}).status_code == 200  # nothing valid stored: asked again


@pytest.mark.parametrize(
    ("body", "status", "code", "where"),
    [
        ({"text": "x" * 20_001}, 413, "text_too_long", None),
        ({"text": "  \n "}, 422, "invalid_parameter", "text"),
        ({}, 422, "invalid_parameter", "text"),
        ({"text": CV, "domain": "tools"}, 422, "invalid_parameter", "domain"),
        ({"text": CV, "domain": "abilities"}, 404, "empty_domain", None),
        ({"text": CV, "to": CEO}, 422, "invalid_parameter", "to"),
    ],
)
def test_bad_assess_bodies_never_reach_the_model(llm_client, gemini, body, status, code, where):
    response = llm_client().post(ASSESS, json=body)
    answer_body = response.get_json()
    assert (response.status_code, answer_body["code"]) == (status, code)
    if where:
        assert list(answer_body["details"]["parameters"]) == [where]
    if code == "text_too_long":
        assert answer_body["details"] == {"limit_characters": 20_000, "characters": 20_001}
        assert answer_body["message"] == (
            "The text has 20,001 characters; the most the service sends to the model is 20,000."
        )
    assert not gemini.calls


def test_assess_is_keyed_and_rate_limited_with_the_llm_gap(make_client, built_settings, gemini):
    settings = llm_settings(gemini, rate_limit="2 per minute", service_api_keys=("alice-key",))
    client = make_client(service_config(built_settings, llm=settings))
    assert client.post(ASSESS, json={"text": CV}).get_json()["code"] == "missing_api_key"
    alice = {"X-API-Key": "alice-key"}
    statuses = [client.post(ASSESS, json={"text": CV}, headers=alice).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Each LLM endpoint counts on its own.
    assert client.get(PATH, query_string=PAIR, headers=alice).status_code == 200


def test_the_text_is_in_no_log_line(llm_client, gemini, caplog):
    client = llm_client()
    with caplog.at_level(logging.DEBUG):
        assert client.post(ASSESS, json={"text": CV}).status_code == 200
        gemini.queue(rate("2.A.1.a", 3, "I read surgical journals"), kind="profile_assessment")
        assert client.post(ASSESS, json={"text": CV + " Again."}).status_code == 502
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "llm profile_assessment" in logged and "status=quote_not_found" in logged
    for sentence in ("Eight years as a nurse", "handover notes", "surgical journals", "Active"):
        assert sentence not in logged


def test_a_model_that_gives_no_answer_is_the_llm_gaps_503_or_504_stored_without_the_text(
    llm_client, gemini, built_settings
):
    client = llm_client(max_attempts=2)
    model = client.application.extensions[EXTENSION].analyst.model
    gemini.queue(*[error(429, "Quota exceeded", retry_delay="0.1s")] * 2, kind="profile_assessment")
    body = client.post(ASSESS, json={"text": CV}).get_json()
    assert (body["status"], body["code"], body["details"]["attempts"]) == (503, "model_rate_limited", 2)
    stored = assessed_calls(built_settings, model)
    assert [(c["status"], c["error_message"]) for c in stored] == [
        ("rate_limited", "429 RESOURCE_EXHAUSTED: Quota exceeded"),
        ("rate_limited", "429 RESOURCE_EXHAUSTED: Quota exceeded"),
    ]
    assert not assessed_levels(built_settings, stored[-1]["call_id"])
    slow_client = llm_client(timeout_seconds=1, max_attempts=1)
    gemini.queue(slow(2), kind="profile_assessment")
    timed_out = slow_client.post(ASSESS, json={"text": CV + " Later."}).get_json()
    assert (timed_out["status"], timed_out["code"]) == (504, "model_timeout")
