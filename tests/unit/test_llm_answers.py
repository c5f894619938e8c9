"""What the model is asked and how its answers are checked: each unusable answer names its problem."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest
from google.genai import errors, types

from service.llm.gemini import ModelReply, _reply, _retry_delay, request_key
from service.llm.prompts import (
    ANALYSIS_SYSTEM,
    ASSESSMENT_SYSTEM,
    PROMPT_VERSION,
    Analysis,
    AssessedSkill,
    Assessment,
    InvalidAnswer,
    Skill,
    SkillLevel,
    analysis_request,
    answer_data,
    assessment_request,
    check_analysis,
    check_assessment,
)

CEO = {"onetsoc_code": "11-1011.00", "title": "Chief Executives", "description": "Plan and direct."}
PROGRAMMERS = {"onetsoc_code": "15-1251.00", "title": "Computer Programmers"}
SKILLS = [
    Skill("2.A.1.a", "Reading Comprehension", "Understanding written sentences."),
    Skill("2.A.1.b", "Active Listening", "Giving full attention to what other people are saying."),
]


def reply(text: str | None = None, parsed=None, finish_reason: str | None = "STOP", block_reason=None) -> ModelReply:
    return ModelReply(
        text, parsed, finish_reason, block_reason, prompt_tokens=900, output_tokens=700, total_tokens=1600
    )


def levels(*entries: tuple) -> dict:
    return {"skills": [{"element_id": e, "level": level, "justification": why} for e, level, why in entries]}


VALID = levels(("2.A.1.b", 3, " Listens. "), ("2.A.1.a", 4.456, "Reads."))


def rejected(check, *args) -> InvalidAnswer:
    with pytest.raises(InvalidAnswer) as raised:
        check(*args)
    assert str(raised.value) == raised.value.message
    return raised.value


def test_the_assessment_prompt_lists_every_skill_of_the_occupation():
    request = assessment_request(CEO, SKILLS)
    assert (request.kind, request.prompt_version, request.response_schema) == ("assessment", "1", Assessment)
    assert request.system_instruction == ASSESSMENT_SYSTEM and "from 0 to 7" in ASSESSMENT_SYSTEM
    assert request.prompt == (
        "Occupation: 11-1011.00 Chief Executives\n"
        "Description: Plan and direct.\n\n"
        "Rate the level this occupation requires in each of these 2 skills:\n"
        "- 2.A.1.a Reading Comprehension: Understanding written sentences.\n"
        "- 2.A.1.b Active Listening: Giving full attention to what other people are saying."
    )


def test_the_analysis_prompt_gives_both_levels_and_the_targets_importance_with_two_decimals():
    ratings = [
        {
            "element_id": "2.A.1.a",
            "name": "Reading Comprehension",
            "from_level": Decimal("3.00"),
            "to_level": Decimal("4.5"),
            "importance": 3.875,
        }
    ]
    request = analysis_request(PROGRAMMERS, CEO, ratings)
    assert (request.kind, request.response_schema, request.system_instruction) == (
        "analysis",
        Analysis,
        ANALYSIS_SYSTEM,
    )
    assert request.prompt == (
        "The person holds: 15-1251.00 Computer Programmers\n"
        "The person wants: 11-1011.00 Chief Executives\n\n"
        "O*NET's skill levels in both occupations and each skill's importance to the target:\n"
        "- 2.A.1.a Reading Comprehension: holds 3.00, target 4.50, importance 3.88"
    )


def test_the_stored_request_holds_everything_that_decides_the_answer():
    request = assessment_request(CEO, SKILLS)
    body = request.body("gemini-2.5-flash")
    assert body == {
        "model": "gemini-2.5-flash",
        "kind": "assessment",
        "prompt_version": PROMPT_VERSION,
        "system_instruction": ASSESSMENT_SYSTEM,
        "prompt": request.prompt,
        "response_mime_type": "application/json",
        "response_schema": Assessment.model_json_schema(),
    }
    assert body["response_schema"]["properties"]["skills"]["type"] == "array"


def test_the_request_key_is_the_sha256_of_the_canonical_json():
    assert request_key({"b": 1, "a": "é"}) == hashlib.sha256('{"a":"é","b":1}'.encode()).hexdigest()
    body = assessment_request(CEO, SKILLS).body("gemini-2.5-flash")
    assert request_key(body) == request_key(dict(reversed(body.items())))
    assert request_key(body) != request_key({**body, "model": "gemini-2.5-pro"})
    assert request_key(body) != request_key(assessment_request(CEO, SKILLS[:1]).body("gemini-2.5-flash"))


def test_a_valid_assessment_gives_one_level_per_skill_in_the_occupations_order():
    assert check_assessment(answer_data(reply(json.dumps(VALID))), SKILLS) == [
        AssessedSkill("2.A.1.a", 4.46, "Reads."),
        AssessedSkill("2.A.1.b", 3.0, "Listens."),
    ]


def test_the_sdks_parsed_answer_is_used_when_there_is_one():
    parsed = Assessment(skills=[SkillLevel(element_id="2.A.1.a", level=7, justification="Reads.")])
    data = answer_data(reply("not read", parsed=parsed))
    assert data == {"skills": [{"element_id": "2.A.1.a", "level": 7.0, "justification": "Reads."}]}


@pytest.mark.parametrize(
    ("answer", "problem", "message", "details"),
    [
        (
            levels(("2.A.1.a", 4, "Reads."), ("2.A.1.b", 3, "Listens."), ("2.C.1.a", 3, "Administration.")),
            "unknown_skill",
            "The model rated a skill the occupation does not have: element_id '2.C.1.a' (skills[2]).",
            {"element_id": "2.C.1.a"},
        ),
        (
            levels(
                ("2.A.1.a", 4, "Reads."),
            ),
            "missing_skill",
            "The model left out 1 of the occupation's 2 skills: Active Listening (2.A.1.b).",
            {"element_ids": ["2.A.1.b"]},
        ),
        (
            levels(("2.A.1.a", 4, "Reads."), ("2.A.1.b", 3, "Listens."), ("2.A.1.a", 5, "Again.")),
            "duplicate_skill",
            "The model rated Reading Comprehension (2.A.1.a) twice.",
            {"element_id": "2.A.1.a"},
        ),
        (
            levels(("2.A.1.a", 7.5, "Reads."), ("2.A.1.b", 3, "Listens.")),
            "level_out_of_range",
            "The model gave Reading Comprehension (2.A.1.a) level 7.5, outside O*NET's 0-7 scale.",
            {"element_id": "2.A.1.a", "level": 7.5},
        ),
        (
            levels(("2.A.1.a", 4, "Reads."), ("2.A.1.b", -1, "Listens.")),
            "level_out_of_range",
            "The model gave Active Listening (2.A.1.b) level -1, outside O*NET's 0-7 scale.",
            {"element_id": "2.A.1.b", "level": -1.0},
        ),
        (
            levels(("2.A.1.a", float("inf"), "Reads."), ("2.A.1.b", 3, "Listens.")),
            "level_out_of_range",
            "The model gave Reading Comprehension (2.A.1.a) level inf, outside O*NET's 0-7 scale.",
            {"element_id": "2.A.1.a", "level": "inf"},
        ),
        (
            levels(("2.A.1.a", "high", "Reads.")),
            "schema_mismatch",
            'The model\'s skills[0].level is "high", not a number.',
            {"field": "skills[0].level"},
        ),
        (
            levels(("2.A.1.a", True, "Reads.")),
            "schema_mismatch",
            "The model's skills[0].level is true, not a number.",
            {"field": "skills[0].level"},
        ),
        (
            {"skills": [{"element_id": "2.A.1.a", "level": 4}]},
            "schema_mismatch",
            "The model's skills[0] has no 'justification'.",
            {"field": "skills[0].justification"},
        ),
        (
            {"skills": ["2.A.1.a"]},
            "schema_mismatch",
            "The model's skills[0] is not a JSON object.",
            {"field": "skills[0]"},
        ),
        (
            {"skills": {"2.A.1.a": 4}},
            "schema_mismatch",
            'The model\'s answer.skills is {"2.A.1.a": 4}, not a list.',
            {"field": "answer.skills"},
        ),
        ({"levels": []}, "schema_mismatch", "The model's answer has no 'skills'.", {"field": "answer.skills"}),
    ],
    ids=[
        "unknown_skill",
        "missing_skill",
        "duplicate_skill",
        "level_above_7",
        "level_below_0",
        "level_not_finite",
        "level_not_a_number",
        "level_a_boolean",
        "missing_field",
        "entry_not_an_object",
        "skills_not_a_list",
        "no_skills",
    ],
)
def test_a_bad_assessment_names_its_problem(answer, problem, message, details):
    error = rejected(check_assessment, answer, SKILLS)
    assert (error.problem, error.message, error.details) == (problem, message, details)


def test_more_than_five_missing_skills_are_cut_short():
    many = [Skill(f"2.B.{i}.a", f"Skill {i}", "") for i in range(1, 8)]
    error = rejected(check_assessment, levels(("2.B.1.a", 1, "Yes.")), many)
    assert error.message == (
        "The model left out 6 of the occupation's 7 skills: Skill 2 (2.B.2.a), Skill 3 (2.B.3.a), Skill 4 (2.B.4.a),"
        " Skill 5 (2.B.5.a), Skill 6 (2.B.6.a), ...."
    )
    assert error.details == {"element_ids": [f"2.B.{i}.a" for i in range(2, 8)]}


@pytest.mark.parametrize(
    ("answer", "problem", "message"),
    [
        (
            reply(json.dumps(VALID)[:40], finish_reason="MAX_TOKENS"),
            "truncated_answer",
            "The model's answer was cut off at its output limit (finishReason MAX_TOKENS, 700 output tokens).",
        ),
        (
            reply(json.dumps(VALID), finish_reason="SAFETY"),
            "incomplete_answer",
            "The model stopped before finishing its answer (finishReason SAFETY).",
        ),
        (reply(None, finish_reason=None), "empty_answer", "The model gave no answer."),
        (
            reply("", finish_reason=None, block_reason="PROHIBITED_CONTENT"),
            "empty_answer",
            "The model gave no answer (the prompt was blocked: PROHIBITED_CONTENT).",
        ),
        (
            reply(json.dumps(VALID).replace('"skills":', "skills:")),
            "invalid_json",
            "The model's answer is not valid JSON: Expecting property name enclosed in double quotes:"
            " line 1 column 2 (char 1).",
        ),
        (
            reply("I cannot rate these skills."),
            "invalid_json",
            "The model's answer is not valid JSON: Expecting value: line 1 column 1 (char 0).",
        ),
        (reply("[1, 2]"), "schema_mismatch", "The model's answer is a JSON list, not an object."),
    ],
    ids=["truncated_answer", "incomplete_answer", "no_text", "blocked", "invalid_json", "prose", "not_an_object"],
)
def test_an_answer_that_is_no_json_object_names_its_problem(answer, problem, message):
    error = rejected(answer_data, answer)
    assert (error.problem, error.message) == (problem, message)


def test_invalid_json_keeps_the_start_of_the_answer():
    error = rejected(answer_data, reply("x" * 300))
    assert error.details == {"answer_start": "x" * 200}


ANALYSIS = {
    "summary": " The move asks for more reading. ",
    "gaps": [{"element_id": "2.A.1.a", "how_to_close": "Read reports."}],
    "transferable_strengths": [{"element_id": "2.A.1.b", "why": "It carries over."}],
}


def test_a_valid_analysis_names_the_skills():
    assert check_analysis(ANALYSIS, SKILLS) == {
        "summary": "The move asks for more reading.",
        "gaps": [{"element_id": "2.A.1.a", "name": "Reading Comprehension", "how_to_close": "Read reports."}],
        "transferable_strengths": [{"element_id": "2.A.1.b", "name": "Active Listening", "why": "It carries over."}],
    }


@pytest.mark.parametrize(
    ("change", "problem", "message"),
    [
        ({"summary": "  "}, "schema_mismatch", "The model's summary is empty."),
        (
            {"gaps": [{"element_id": "9.Z.9", "how_to_close": "?"}]},
            "unknown_skill",
            "The model named a skill neither occupation has: element_id '9.Z.9' (gaps[0]).",
        ),
        (
            {"transferable_strengths": [ANALYSIS["transferable_strengths"][0], {"element_id": "2.C.1.a", "why": "?"}]},
            "unknown_skill",
            "The model named a skill neither occupation has: element_id '2.C.1.a' (transferable_strengths[1]).",
        ),
        (
            {"gaps": [{"element_id": "2.A.1.a"}]},
            "schema_mismatch",
            "The model's gaps[0] has no 'how_to_close'.",
        ),
        (
            {"transferable_strengths": None},
            "schema_mismatch",
            "The model's answer.transferable_strengths is null, not a list.",
        ),
    ],
    ids=["empty_summary", "unknown_gap", "unknown_strength", "missing_field", "strengths_not_a_list"],
)
def test_a_bad_analysis_names_its_problem(change, problem, message):
    error = rejected(check_analysis, {**ANALYSIS, **change}, SKILLS)
    assert (error.problem, error.message) == (problem, message)


def test_the_reply_is_the_text_of_the_answer_without_its_thoughts_and_with_the_usage():
    response = types.GenerateContentResponse.model_validate(
        {
            "candidates": [
                {
                    "content": {
                        "parts": [{"text": "Rating...", "thought": True}, {"text": '{"skills"'}, {"text": ": []}"}]
                    },
                    "finishReason": "MAX_TOKENS",
                }
            ],
            "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 7, "totalTokenCount": 16},
        }
    )
    got = _reply(response, [])
    assert (got.text, got.finish_reason, got.block_reason) == ('{"skills": []}', "MAX_TOKENS", None)
    assert (got.prompt_tokens, got.output_tokens, got.total_tokens) == (9, 7, 16)
    blocked = _reply(types.GenerateContentResponse.model_validate({"promptFeedback": {"blockReason": "SAFETY"}}), [])
    assert (blocked.text, blocked.finish_reason, blocked.block_reason, blocked.total_tokens) == (
        None,
        None,
        "SAFETY",
        None,
    )


def test_a_retry_waits_as_long_as_the_server_says_at_most_30_seconds():
    def rate_limited(delay: str) -> errors.APIError:
        retry = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
        return errors.APIError(429, {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [retry]}})

    assert _retry_delay(rate_limited("0.3s"), 1) == 0.3
    assert _retry_delay(rate_limited("75s"), 1) == 30.0
    # Without a usable hint: 1 s doubled per attempt, up to 30 s, times a jitter in [0.5, 1].
    assert 2.0 <= _retry_delay(rate_limited("soon"), 3) <= 4.0
    assert 15.0 <= _retry_delay(errors.APIError(503, {"error": {"code": 503}}), 9) <= 30.0
