"""What the model is asked (prompts and response schemas) and the checks every answer must pass.

Change PROMPT_VERSION with any change to a prompt or a schema: the store keeps answers per version,
and the dbt mart compares versions.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from service import gap_rule
from service.llm.gemini import ModelReply, ModelRequest

PROMPT_VERSION = "1"
LEVEL_MIN, LEVEL_MAX = float(gap_rule.LOWEST_LEVEL), float(gap_rule.HIGHEST_LEVEL)
MOST_ITEMS = 5


class SkillLevel(BaseModel):
    element_id: str = Field(description="The skill's O*NET element id, exactly as listed.")
    level: float = Field(ge=LEVEL_MIN, le=LEVEL_MAX, description="The level required, 0-7, at most two decimals.")
    justification: str = Field(description="One sentence on why.")


class Assessment(BaseModel):
    skills: list[SkillLevel] = Field(description="One entry per listed skill.")


class GapAdvice(BaseModel):
    element_id: str = Field(description="The skill's O*NET element id, exactly as listed.")
    how_to_close: str = Field(description="How a person would close this gap.")


class Strength(BaseModel):
    element_id: str = Field(description="The skill's O*NET element id, exactly as listed.")
    why: str = Field(description="Why it carries over to the target occupation.")


class Analysis(BaseModel):
    summary: str = Field(description="A short summary of the gap between the two occupations.")
    gaps: list[GapAdvice] = Field(description=f"The most important gaps, at most {MOST_ITEMS}, most important first.")
    transferable_strengths: list[Strength] = Field(
        description=f"Skills that carry over to the target occupation, at most {MOST_ITEMS}."
    )


ASSESSMENT_SYSTEM = f"""You are an occupational analyst. You rate the level of each skill that an \
occupation requires, on O*NET's Level (LV) scale from {LEVEL_MIN:g} to {LEVEL_MAX:g}: 0 means the skill is \
not needed, 1-2 basic, 3-4 intermediate, 5-6 advanced, 7 expert. Rate every listed skill exactly once, \
using its element id exactly as given, with a level from {LEVEL_MIN:g} to {LEVEL_MAX:g} (at most two \
decimals) and a one-sentence justification. Answer with JSON only."""

ANALYSIS_SYSTEM = f"""You are a career adviser. From O*NET's skill levels (0-7) of the occupation a \
person holds and of the one they want, and the importance (1-5) of each skill to the target, you \
write: a short summary of the gap; the most important gaps, at most {MOST_ITEMS}, each with how to \
close it; and the transferable strengths, at most {MOST_ITEMS}: skills the person already has at or \
near the target's level that the target values. Name skills by their element id exactly as given. \
Answer with JSON only."""


@dataclass(frozen=True)
class Skill:
    element_id: str
    name: str
    description: str


@dataclass(frozen=True)
class AssessedSkill:
    element_id: str
    level: float
    justification: str


class InvalidAnswer(Exception):
    """The model answered, but not usably; `problem` names what was wrong."""

    def __init__(self, problem: str, message: str, **details: Any):
        super().__init__(message)
        self.problem = problem
        self.message = message
        self.details = details


def assessment_request(occupation: dict, skills: list[Skill]) -> ModelRequest:
    listed = "\n".join(f"- {s.element_id} {s.name}: {s.description}" for s in skills)
    prompt = (
        f"Occupation: {occupation['onetsoc_code']} {occupation['title']}\n"
        f"Description: {occupation['description']}\n\n"
        f"Rate the level this occupation requires in each of these {len(skills)} skills:\n{listed}"
    )
    return ModelRequest("assessment", PROMPT_VERSION, ASSESSMENT_SYSTEM, prompt, Assessment)


def analysis_request(source: dict, target: dict, ratings: list[dict]) -> ModelRequest:
    """`ratings`: per skill, element_id, name, from_level, to_level and importance (the target's)."""
    listed = "\n".join(
        f"- {r['element_id']} {r['name']}: holds {float(r['from_level']):.2f}, target {float(r['to_level']):.2f},"
        f" importance {float(r['importance']):.2f}"
        for r in ratings
    )
    prompt = (
        f"The person holds: {source['onetsoc_code']} {source['title']}\n"
        f"The person wants: {target['onetsoc_code']} {target['title']}\n\n"
        f"O*NET's skill levels in both occupations and each skill's importance to the target:\n{listed}"
    )
    return ModelRequest("analysis", PROMPT_VERSION, ANALYSIS_SYSTEM, prompt, Analysis)


def answer_data(reply: ModelReply) -> dict:
    """The answer as JSON data. The SDK's `parsed` is empty when the text did not fit the schema
    (or was no JSON at all): then the text is read here, so that the checks can say what is wrong."""
    if reply.finish_reason == "MAX_TOKENS":
        raise InvalidAnswer(
            "truncated_answer",
            f"The model's answer was cut off at its output limit (finishReason MAX_TOKENS,"
            f" {reply.output_tokens} output tokens).",
            finish_reason=reply.finish_reason,
        )
    if reply.finish_reason not in (None, "STOP"):
        raise InvalidAnswer(
            "incomplete_answer",
            f"The model stopped before finishing its answer (finishReason {reply.finish_reason}).",
            finish_reason=reply.finish_reason,
        )
    if reply.parsed is not None:
        return reply.parsed.model_dump()
    if not reply.text:
        blocked = f" (the prompt was blocked: {reply.block_reason})" if reply.block_reason else ""
        raise InvalidAnswer("empty_answer", f"The model gave no answer{blocked}.", block_reason=reply.block_reason)
    try:
        data = json.loads(reply.text)
    except ValueError as exc:
        raise InvalidAnswer(
            "invalid_json",
            f"The model's answer is not valid JSON: {exc}.",
            answer_start=reply.text[:200],
        ) from None
    if not isinstance(data, dict):
        raise InvalidAnswer("schema_mismatch", f"The model's answer is a JSON {type(data).__name__}, not an object.")
    return data


def check_assessment(data: dict, skills: list[Skill]) -> list[AssessedSkill]:
    """One level per skill of the occupation, each within 0-7, and no other skill."""
    names = {s.element_id: s.name for s in skills}
    assessed: dict[str, AssessedSkill] = {}
    for i, entry in enumerate(value_of(data, "skills", list, "answer")):
        where = f"skills[{i}]"
        element_id = value_of(entry, "element_id", str, where)
        level = value_of(entry, "level", float, where)
        justification = value_of(entry, "justification", str, where)
        if element_id not in names:
            raise InvalidAnswer(
                "unknown_skill",
                f"The model rated a skill the occupation does not have: element_id {element_id!r} ({where}).",
                element_id=element_id,
            )
        if element_id in assessed:
            raise InvalidAnswer(
                "duplicate_skill",
                f"The model rated {names[element_id]} ({element_id}) twice.",
                element_id=element_id,
            )
        check_level(f"{names[element_id]} ({element_id})", element_id, level)
        assessed[element_id] = AssessedSkill(element_id, round(level, 2), justification.strip())
    missing = [s.element_id for s in skills if s.element_id not in assessed]
    if missing:
        shown = ", ".join(f"{names[e]} ({e})" for e in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise InvalidAnswer(
            "missing_skill",
            f"The model left out {len(missing)} of the occupation's {len(skills)} skills: {shown}.",
            element_ids=missing,
        )
    return [assessed[s.element_id] for s in skills]


def check_analysis(data: dict, skills: list[Skill]) -> dict:
    """A non-empty summary, and gaps and strengths that name the pair's skills."""
    names = {s.element_id: s.name for s in skills}
    summary = value_of(data, "summary", str, "answer").strip()
    if not summary:
        raise InvalidAnswer("schema_mismatch", "The model's summary is empty.", field="summary")
    analysis: dict[str, Any] = {"summary": summary}
    for key, text in (("gaps", "how_to_close"), ("transferable_strengths", "why")):
        items = []
        for i, entry in enumerate(value_of(data, key, list, "answer")):
            where = f"{key}[{i}]"
            element_id = value_of(entry, "element_id", str, where)
            if element_id not in names:
                raise InvalidAnswer(
                    "unknown_skill",
                    f"The model named a skill neither occupation has: element_id {element_id!r} ({where}).",
                    element_id=element_id,
                )
            items.append({"element_id": element_id, "name": names[element_id], text: value_of(entry, text, str, where)})
        analysis[key] = items
    return analysis


def check_level(name: str, element_id: str, level: float) -> None:
    """An InvalidAnswer unless the model's `level` for `name` is on O*NET's level scale."""
    if not (math.isfinite(level) and LEVEL_MIN <= level <= LEVEL_MAX):
        raise InvalidAnswer(
            "level_out_of_range",
            f"The model gave {name} level {level:g}, outside O*NET's {LEVEL_MIN:g}-{LEVEL_MAX:g} scale.",
            element_id=element_id,
            level=level if math.isfinite(level) else str(level),
        )


def value_of(data: Any, key: str, kind: type, where: str) -> Any:
    """`data[key]` when it is of `kind` (a float may be written as an integer), else InvalidAnswer."""
    if not isinstance(data, dict):
        raise InvalidAnswer("schema_mismatch", f"The model's {where} is not a JSON object.", field=where)
    if key not in data:
        raise InvalidAnswer("schema_mismatch", f"The model's {where} has no {key!r}.", field=f"{where}.{key}")
    value = data[key]
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidAnswer(
            "schema_mismatch",
            f"The model's {where}.{key} is {json.dumps(value)[:80]}, not a {_JSON_NAMES[kind]}.",
            field=f"{where}.{key}",
        )
    return value


_JSON_NAMES = {str: "string", float: "number", list: "list"}
