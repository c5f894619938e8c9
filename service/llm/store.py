"""The LLM store, `<db>_llm`: every call to the model (request, answer, model, prompt version,
tokens, latency, status) and the levels of each valid assessment, which dbt compares with O*NET's.
A person's profile assessments have tables of their own, redacted: no text (unless
LLM_STORE_PROFILE_TEXT is set), no quote, no occupation; the LLM marts never read them.

A valid answer is kept with its checked result, so an identical request is answered from here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from service.config import ServiceConfig
from service.db import create_pool, store_cursor
from service.llm.gemini import Attempt, ModelReply
from service.store_schema import Column, CreatedOnce, Key, Table

# status: valid | invalid (answered, but failed the checks) | rate_limited | server_error |
# client_error | timeout | unreachable (no answer; see error_message).
TABLES = (
    Table(
        "model_calls",
        (
            Column("call_id", "bigint unsigned", auto_increment=True),
            Column("request_key", "char(64)"),
            Column("kind", "varchar(20)"),
            Column("onetsoc_code", "char(10)"),
            Column("target_code", "char(10)", nullable=True),
            Column("onet_release", "varchar(10)"),
            Column("model", "varchar(100)"),
            Column("prompt_version", "varchar(20)"),
            Column("attempt", "smallint unsigned"),
            Column("status", "varchar(20)"),
            Column("http_status", "smallint unsigned", nullable=True),
            Column("finish_reason", "varchar(40)", nullable=True),
            Column("error_code", "varchar(40)", nullable=True),
            Column("error_message", "text", nullable=True),
            Column("request", "longtext"),
            Column("response", "longtext", nullable=True),
            Column("answer", "longtext", nullable=True),
            Column("prompt_tokens", "int unsigned", nullable=True),
            Column("output_tokens", "int unsigned", nullable=True),
            Column("total_tokens", "int unsigned", nullable=True),
            Column("latency_ms", "int unsigned"),
            Column("created_at", "datetime(3)"),
        ),
        primary_key=("call_id",),
        keys=(Key("by_request", ("request_key", "status")), Key("by_subject", ("kind", "onetsoc_code"))),
    ),
    Table(
        "skill_assessments",
        (
            Column("call_id", "bigint unsigned"),
            Column("onetsoc_code", "char(10)"),
            Column("element_id", "varchar(20)"),
            Column("level", "decimal(4, 2)"),
            Column("justification", "text"),
        ),
        primary_key=("call_id", "element_id"),
    ),
    # status as model_calls'; error_message only for calls that got no answer (an invalid answer's
    # message could quote the text: its error_code says what was wrong).
    Table(
        "profile_assessment_calls",
        (
            Column("call_id", "bigint unsigned", auto_increment=True),
            Column("request_key", "char(64)"),
            Column("text_sha256", "char(64)"),
            Column("text_characters", "int unsigned"),
            Column("domains", "varchar(100)"),
            Column("onet_release", "varchar(10)"),
            Column("model", "varchar(100)"),
            Column("prompt_version", "varchar(20)"),
            Column("attempt", "smallint unsigned"),
            Column("status", "varchar(20)"),
            Column("http_status", "smallint unsigned", nullable=True),
            Column("finish_reason", "varchar(40)", nullable=True),
            Column("error_code", "varchar(40)", nullable=True),
            Column("error_message", "text", nullable=True),
            Column("prompt_tokens", "int unsigned", nullable=True),
            Column("output_tokens", "int unsigned", nullable=True),
            Column("total_tokens", "int unsigned", nullable=True),
            Column("latency_ms", "int unsigned"),
            Column("created_at", "datetime(3)"),
            Column("profile_text", "longtext", nullable=True),
        ),
        primary_key=("call_id",),
        keys=(Key("by_request", ("request_key", "status")),),
    ),
    Table(
        "profile_assessments",
        (
            Column("call_id", "bigint unsigned"),
            Column("position", "smallint unsigned"),
            Column("element_id", "varchar(20)", nullable=True),
            Column("level", "decimal(6, 2)", nullable=True),
            Column("quote_start", "int unsigned", nullable=True),
            Column("quote_end", "int unsigned", nullable=True),
        ),
        primary_key=("call_id", "position"),
    ),
)


@dataclass(frozen=True)
class CallSubject:
    """What a call is about, stored with each of its attempts."""

    request_key: str
    kind: str
    onetsoc_code: str
    target_code: str | None
    onet_release: str
    model: str
    prompt_version: str
    request: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """How the answered attempt ended: `valid` with its checked `answer`, or `invalid`."""

    status: str
    answer: Any = None
    error_code: str | None = None
    error_message: str | None = None
    levels: list | None = None


@dataclass(frozen=True)
class ProfileSubject:
    """What a profile assessment call is about: the text by its hash (the text itself only with
    LLM_STORE_PROFILE_TEXT)."""

    request_key: str
    text_sha256: str
    text_characters: int
    domains: tuple[str, ...]
    onet_release: str
    model: str
    prompt_version: str
    text: str | None


class LLMStore:
    def __init__(self, config: ServiceConfig):
        self.database = f"{config.database}_llm"
        self.engine = create_pool(config, None, 2)
        self._created = CreatedOnce(self.database, TABLES, self._cursor)

    def _cursor(self):
        return store_cursor(self.engine, "the LLM store")

    def ensure(self) -> None:
        """Create the database and its tables if they are missing (once per process)."""
        self._created.ensure()

    def answers(self, keys: list[str]) -> dict[str, dict]:
        """The latest valid call of each request key that has one: its call_id and checked answer."""
        if not keys:
            return {}
        self.ensure()
        with self._cursor() as cur:
            cur.execute(
                f"select request_key, call_id, answer from `{self.database}`.model_calls"
                f" where status = 'valid' and request_key in ({', '.join(['%s'] * len(keys))})"
                " order by call_id",
                tuple(keys),
            )
            rows = cur.fetchall()
        return {row["request_key"]: {"call_id": row["call_id"], "answer": json.loads(row["answer"])} for row in rows}

    def record(
        self, subject: CallSubject, attempts: list[Attempt], reply: ModelReply | None, outcome: Outcome | None
    ) -> int:
        """Store every attempt of one call, the answered one with the `reply` and its `outcome`.
        Returns the call_id of the last attempt."""
        self.ensure()
        request = json.dumps(subject.request, ensure_ascii=False)
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = []
        for attempt in attempts:
            row = {
                "status": attempt.status,
                "finish_reason": None,
                "error_code": None,
                "error_message": attempt.error,
                "answer": None,
                "prompt_tokens": None,
                "output_tokens": None,
                "total_tokens": None,
            }
            if attempt.status == "answered" and reply and outcome:
                row.update(
                    status=outcome.status,
                    finish_reason=reply.finish_reason,
                    error_code=outcome.error_code,
                    error_message=outcome.error_message,
                    answer=json.dumps(outcome.answer, ensure_ascii=False) if outcome.answer is not None else None,
                    prompt_tokens=reply.prompt_tokens,
                    output_tokens=reply.output_tokens,
                    total_tokens=reply.total_tokens,
                )
            rows.append(
                (
                    subject.request_key,
                    subject.kind,
                    subject.onetsoc_code,
                    subject.target_code,
                    subject.onet_release,
                    subject.model,
                    subject.prompt_version,
                    attempt.number,
                    row["status"],
                    attempt.http_status,
                    row["finish_reason"],
                    row["error_code"],
                    row["error_message"],
                    request,
                    attempt.response,
                    row["answer"],
                    row["prompt_tokens"],
                    row["output_tokens"],
                    row["total_tokens"],
                    attempt.latency_ms,
                    now,
                )
            )
        with self._cursor() as cur:
            cur.connection.begin()
            for values in rows:
                cur.execute(
                    f"insert into `{self.database}`.model_calls (request_key, kind, onetsoc_code, target_code,"
                    " onet_release, model, prompt_version, attempt, status, http_status, finish_reason, error_code,"
                    " error_message, request, response, answer, prompt_tokens, output_tokens, total_tokens,"
                    f" latency_ms, created_at) values ({', '.join(['%s'] * len(values))})",
                    values,
                )
            call_id = cur.lastrowid
            if outcome and outcome.levels:
                cur.executemany(
                    f"insert into `{self.database}`.skill_assessments"
                    " (call_id, onetsoc_code, element_id, level, justification) values (%s, %s, %s, %s, %s)",
                    [(call_id, subject.onetsoc_code, s.element_id, s.level, s.justification) for s in outcome.levels],
                )
            cur.connection.commit()
        return call_id

    def profile_answer(self, request_key: str) -> dict | None:
        """The latest valid profile assessment of a request: its call_id and levels (element id,
        level, quote offsets) in the answer's order."""
        self.ensure()
        with self._cursor() as cur:
            cur.execute(
                f"select max(call_id) as call_id from `{self.database}`.profile_assessment_calls"
                " where request_key = %s and status = 'valid'",
                (request_key,),
            )
            call_id = cur.fetchone()["call_id"]
            if call_id is None:
                return None
            cur.execute(
                f"select element_id, level, quote_start, quote_end from `{self.database}`.profile_assessments"
                " where call_id = %s order by position",
                (call_id,),
            )
            return {"call_id": call_id, "levels": cur.fetchall()}

    def record_profile(
        self,
        subject: ProfileSubject,
        attempts: list[Attempt],
        reply: ModelReply | None,
        outcome: Outcome | None,
    ) -> int:
        """Store every attempt of one profile assessment call, redacted: the answered one with its
        `outcome`, whose `levels` are the answer's entries as `profile_assessment.redacted` gives
        them. Returns the call_id of the last attempt."""
        self.ensure()
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = []
        for attempt in attempts:
            answered = attempt.status == "answered" and reply is not None and outcome is not None
            rows.append(
                (
                    subject.request_key,
                    subject.text_sha256,
                    subject.text_characters,
                    ",".join(subject.domains),
                    subject.onet_release,
                    subject.model,
                    subject.prompt_version,
                    attempt.number,
                    outcome.status if answered else attempt.status,
                    attempt.http_status,
                    reply.finish_reason if answered else None,
                    outcome.error_code if answered else None,
                    None if answered else attempt.error,
                    reply.prompt_tokens if answered else None,
                    reply.output_tokens if answered else None,
                    reply.total_tokens if answered else None,
                    attempt.latency_ms,
                    now,
                    subject.text,
                )
            )
        with self._cursor() as cur:
            cur.connection.begin()
            for values in rows:
                cur.execute(
                    f"insert into `{self.database}`.profile_assessment_calls (request_key, text_sha256,"
                    " text_characters, domains, onet_release, model, prompt_version, attempt, status, http_status,"
                    " finish_reason, error_code, error_message, prompt_tokens, output_tokens, total_tokens,"
                    f" latency_ms, created_at, profile_text) values ({', '.join(['%s'] * len(values))})",
                    values,
                )
            call_id = cur.lastrowid
            if outcome and outcome.levels:
                cur.executemany(
                    f"insert into `{self.database}`.profile_assessments"
                    " (call_id, position, element_id, level, quote_start, quote_end) values (%s, %s, %s, %s, %s, %s)",
                    [
                        (call_id, i, e["element_id"], e["level"], e["quote_start"], e["quote_end"])
                        for i, e in enumerate(outcome.levels)
                    ],
                )
            cur.connection.commit()
        return call_id
