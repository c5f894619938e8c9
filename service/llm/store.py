"""The LLM store, `<db>_llm`: every call to the model (request, answer, model, prompt version,
tokens, latency, status) and the levels of each valid assessment, which dbt compares with O*NET's.
A person's profile assessments have tables of their own, redacted: no text (unless
LLM_STORE_PROFILE_TEXT is set), no quote, no occupation; the LLM marts never read them.

A valid answer is kept with its checked result, so an identical request is answered from here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
        request = json.dumps(subject.request, ensure_ascii=False)
        about = {
            "request_key": subject.request_key,
            "kind": subject.kind,
            "onetsoc_code": subject.onetsoc_code,
            "target_code": subject.target_code,
            "onet_release": subject.onet_release,
            "model": subject.model,
            "prompt_version": subject.prompt_version,
            "request": request,
        }
        now, calls = _now(), []
        for attempt in attempts:
            answer = outcome.answer if _answered(attempt, reply, outcome) else None
            calls.append(
                {
                    **about,
                    **_attempt_row(attempt, reply, outcome, now),
                    "response": attempt.response,
                    "answer": json.dumps(answer, ensure_ascii=False) if answer is not None else None,
                }
            )

        def levels(call_id: int) -> list[dict]:
            return [
                {
                    "call_id": call_id,
                    "onetsoc_code": subject.onetsoc_code,
                    "element_id": s.element_id,
                    "level": s.level,
                    "justification": s.justification,
                }
                for s in (outcome.levels if outcome and outcome.levels else [])
            ]

        return self._write("model_calls", calls, "skill_assessments", levels)

    def _write(
        self, calls_table: str, calls: list[dict], levels_table: str, levels: Callable[[int], list[dict]]
    ) -> int:
        """In one transaction: the `calls` rows one by one, then the `levels` rows of the last one's
        call_id. Returns that call_id."""
        self.ensure()
        with self._cursor() as cur:
            cur.connection.begin()
            sql, values = self._insert(calls_table, calls)
            for row in values:
                cur.execute(sql, row)
            call_id = cur.lastrowid
            rows = levels(call_id)
            if rows:
                cur.executemany(*self._insert(levels_table, rows))
            cur.connection.commit()
        return call_id

    def _insert(self, table: str, rows: list[dict]) -> tuple[str, list[tuple]]:
        """An insert of `rows` into `table` (every declared column but the auto-increment one) and
        its values."""
        columns = [c.name for c in _TABLES[table].columns if not c.auto_increment]
        sql = (
            f"insert into `{self.database}`.`{table}` ({', '.join(f'`{c}`' for c in columns)})"
            f" values ({', '.join(['%s'] * len(columns))})"
        )
        return sql, [tuple(row[c] for c in columns) for row in rows]

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
        about = {
            "request_key": subject.request_key,
            "text_sha256": subject.text_sha256,
            "text_characters": subject.text_characters,
            "domains": ",".join(subject.domains),
            "onet_release": subject.onet_release,
            "model": subject.model,
            "prompt_version": subject.prompt_version,
            "profile_text": subject.text,
        }
        now = _now()
        calls = [{**about, **_attempt_row(attempt, reply, outcome, now)} for attempt in attempts]

        def levels(call_id: int) -> list[dict]:
            entries = outcome.levels if outcome and outcome.levels else []
            return [{"call_id": call_id, "position": i, **entry} for i, entry in enumerate(entries)]

        return self._write("profile_assessment_calls", calls, "profile_assessments", levels)


_TABLES = {table.name: table for table in TABLES}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _answered(attempt: Attempt, reply: ModelReply | None, outcome: Outcome | None) -> bool:
    return attempt.status == "answered" and reply is not None and outcome is not None


def _attempt_row(attempt: Attempt, reply: ModelReply | None, outcome: Outcome | None, now: datetime) -> dict[str, Any]:
    """How one attempt ended, as both call tables store it: the answered one with the reply's
    usage and the outcome's status, code and message."""
    answered = _answered(attempt, reply, outcome)
    return {
        "attempt": attempt.number,
        "status": outcome.status if answered else attempt.status,
        "http_status": attempt.http_status,
        "finish_reason": reply.finish_reason if answered else None,
        "error_code": outcome.error_code if answered else None,
        "error_message": outcome.error_message if answered else attempt.error,
        "prompt_tokens": reply.prompt_tokens if answered else None,
        "output_tokens": reply.output_tokens if answered else None,
        "total_tokens": reply.total_tokens if answered else None,
        "latency_ms": attempt.latency_ms,
        "created_at": now,
    }
