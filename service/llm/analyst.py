"""Skill assessments and gap analyses by the language model, for the service and the batch command:
answered from the store when the same request was answered before, else asked of Gemini, checked,
and stored whatever the outcome."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from service import gap_rule
from service.config import ServiceConfig
from service.db import Database, Row
from service.llm.gemini import GeminiClient, ModelCallError, ModelRequest, request_key
from service.llm.profile_assessment import (
    AssessedLevel,
    Element,
    PersonText,
    check_profile,
    profile_request,
    redacted,
)
from service.llm.prompts import (
    InvalidAnswer,
    Skill,
    analysis_request,
    answer_data,
    assessment_request,
    check_analysis,
    check_assessment,
)
from service.llm.store import CallSubject, LLMStore, Outcome, ProfileSubject

log = logging.getLogger("service.api.analysis")


@dataclass(frozen=True)
class Prepared:
    """A request ready to be answered, with the check its answer must pass. `check` returns the
    answer as the API shows it, and the levels to store (assessments only)."""

    request: ModelRequest
    subject: CallSubject
    check: Callable[[dict], tuple[Any, list | None]]


@dataclass(frozen=True)
class ProfileResult:
    """A profile assessment: the levels with their quotes' offsets, and the call behind them."""

    levels: list[AssessedLevel]
    call_id: int
    cached: bool
    prompt_version: str


@dataclass(frozen=True)
class Result:
    kind: str
    call_id: int
    cached: bool
    answer: Any


class Busy(Exception):
    """Every model call slot of this process is taken."""


def skill_pair(source: list[Row], target: list[Row]) -> list[dict[str, Any]]:
    """Each skill both occupations are rated in, in the target's order: its name, the target's
    importance and both O*NET effective levels."""
    source_levels = {r["element_id"]: r["effective_level"] for r in source}
    return [
        {
            "element_id": r["element_id"],
            "name": r["name"],
            "importance": r["importance"],
            "from_level": source_levels[r["element_id"]],
            "to_level": r["effective_level"],
        }
        for r in target
        if r["element_id"] in source_levels
    ]


def compared_gaps(pair: list[dict[str, Any]], source_levels: list[dict], target_levels: list[dict]) -> list[dict]:
    """The pair's skills with the model's levels (and why) next to O*NET's, and both differences,
    in the LLM answer's order (gap_rule.in_llm_order)."""
    llm_from = {level["element_id"]: level for level in source_levels}
    llm_to = {level["element_id"]: level for level in target_levels}
    gaps = []
    for row in pair:
        assessed_from, assessed_to = llm_from[row["element_id"]], llm_to[row["element_id"]]
        gaps.append(
            {
                **row,
                "difference": gap_rule.level_difference(row["from_level"], row["to_level"]),
                "llm_from_level": assessed_from["level"],
                "llm_to_level": assessed_to["level"],
                "llm_difference": gap_rule.level_difference(assessed_from["level"], assessed_to["level"]),
                "llm_from_justification": assessed_from["justification"],
                "llm_to_justification": assessed_to["justification"],
            }
        )
    return gap_rule.in_llm_order(gaps)


class Analyst:
    def __init__(self, config: ServiceConfig, db: Database, store: LLMStore):
        self.config = config.llm
        self.model = config.llm.model
        self.client = GeminiClient(config.llm) if config.llm.api_key else None
        self.db = db
        self.store = store
        # Requests waiting on the model hold at most this many of the worker's threads; the
        # others stay free for every other endpoint.
        self._slots = threading.BoundedSemaphore(config.llm.max_concurrent)
        self._pool = ThreadPoolExecutor(max_workers=3 * config.llm.max_concurrent, thread_name_prefix="llm")

    @property
    def configured(self) -> bool:
        return self.client is not None

    def skill_ratings(self, code: str) -> list[Row]:
        """The occupation's O*NET skills ratings, in element order."""
        return [row for row in self.db.ratings(code) if row["domain"] == "skills"]

    def assessment(self, occupation: Row, ratings: list[Row], release: str) -> Prepared:
        """The request assessing every skill the occupation is rated on."""
        descriptions = {row["element_id"]: row["description"] for row in self.db.elements("skills")}
        skills = [Skill(r["element_id"], r["name"], descriptions.get(r["element_id"]) or "") for r in ratings]

        def check(data: dict) -> tuple[list[dict], list]:
            levels = check_assessment(data, skills)
            return [asdict(level) for level in levels], levels

        request = assessment_request(occupation, skills)
        return Prepared(request, self._subject(request, occupation["onetsoc_code"], None, release), check)

    def analysis(self, source: Row, target: Row, pair: list[dict], release: str) -> Prepared:
        """The request analysing the gap; `pair` has from_level, to_level and importance per skill."""
        skills = [Skill(r["element_id"], r["name"], "") for r in pair]
        request = analysis_request(source, target, pair)
        subject = self._subject(request, source["onetsoc_code"], target["onetsoc_code"], release)
        return Prepared(request, subject, lambda data: (check_analysis(data, skills), None))

    def _subject(self, request: ModelRequest, code: str, target: str | None, release: str) -> CallSubject:
        body = request.body(self.model)
        return CallSubject(
            request_key=request_key(body),
            kind=request.kind,
            onetsoc_code=code,
            target_code=target,
            onet_release=release,
            model=self.model,
            prompt_version=request.prompt_version,
            request=body,
        )

    def skill_gap(self, from_code: str, to_code: str, release: str) -> dict[str, Any]:
        """The LLM endpoint's answer for a move: every skill of the pair with O*NET's levels and the
        model's, the model's analysis, and the calls behind them. Raises as `answer_all` does."""
        source, target = self.db.occupation(from_code), self.db.occupation(to_code)
        source_ratings, target_ratings = self.skill_ratings(from_code), self.skill_ratings(to_code)
        pair = skill_pair(source_ratings, target_ratings)
        prepared = [
            self.assessment(source, source_ratings, release),
            self.assessment(target, target_ratings, release),
            self.analysis(source, target, pair, release),
        ]
        source_levels, target_levels, analysis = self.answer_all(prepared)
        return {
            "from_": source,
            "to": target,
            "onet_release": release,
            "model": self.model,
            "prompt_version": prepared[0].request.prompt_version,
            "gaps": compared_gaps(pair, source_levels.answer, target_levels.answer),
            "analysis": analysis.answer,
            "calls": [
                {"kind": r.kind, "occupation": p.subject.onetsoc_code, "call_id": r.call_id, "cached": r.cached}
                for p, r in zip(prepared, (source_levels, target_levels, analysis), strict=True)
            ],
        }

    def stored(self, prepared: list[Prepared]) -> list[Result | None]:
        """The stored answer of each request, or None where it has none."""
        found = self.store.answers([p.subject.request_key for p in prepared])
        results: list[Result | None] = []
        for p in prepared:
            row = found.get(p.subject.request_key)
            results.append(Result(p.subject.kind, row["call_id"], True, row["answer"]) if row else None)
        return results

    def ask(self, prepared: Prepared, deadline: float | None = None) -> Result:
        """Ask the model, check its answer and store the call. Raises ModelCallError (no answer) or
        InvalidAnswer (an answer that failed the checks: stored as invalid, never as valid)."""
        if self.client is None:
            raise RuntimeError("GEMINI_API_KEY is not set")
        subject = prepared.subject
        try:
            reply = self.client.generate(prepared.request, deadline)
        except ModelCallError as exc:
            call_id = self.store.record(subject, exc.attempts, None, None)
            self._log(subject, exc.attempts, exc.code, call_id)
            raise
        try:
            answer, levels = prepared.check(answer_data(reply))
        except InvalidAnswer as exc:
            outcome = Outcome("invalid", error_code=exc.problem, error_message=exc.message)
            call_id = self.store.record(subject, reply.attempts, reply, outcome)
            self._log(subject, reply.attempts, exc.problem, call_id, reply.total_tokens)
            exc.details["call_id"] = call_id
            raise
        call_id = self.store.record(subject, reply.attempts, reply, Outcome("valid", answer=answer, levels=levels))
        self._log(subject, reply.attempts, "valid", call_id, reply.total_tokens)
        return Result(subject.kind, call_id, False, answer)

    def answer_all(self, prepared: list[Prepared]) -> list[Result]:
        """Each request's answer: stored ones first; the others asked at once, in parallel (an
        identical request once), within GEMINI_TIMEOUT_SECONDS in all. The first failure is raised
        once every call has ended."""
        results = self.stored(prepared)
        pending: dict[str, list[int]] = {}
        for i, result in enumerate(results):
            if result is None:
                pending.setdefault(prepared[i].subject.request_key, []).append(i)
        if not pending:
            return results
        with self._slot():
            deadline = time.monotonic() + self.config.timeout_seconds
            futures = {key: self._pool.submit(self.ask, prepared[i[0]], deadline) for key, i in pending.items()}
            errors = []
            for key, future in futures.items():
                try:
                    result = future.result()
                except (ModelCallError, InvalidAnswer) as exc:
                    errors.append(exc)
                    continue
                for i in pending[key]:
                    results[i] = result
            if errors:
                raise errors[0]
            return results

    @contextlib.contextmanager
    def _slot(self) -> Iterator[None]:
        """One of this process's model call slots, held while the model is asked; Busy when none is free."""
        if not self._slots.acquire(blocking=False):
            raise Busy()
        try:
            yield
        finally:
            self._slots.release()

    def profile_assessment(self, text: str, elements: list[Element], domains: list[str], release: str) -> ProfileResult:
        """The model's levels for the `elements` a person's `text` gives evidence for, from the
        store when the same request was answered before. Raises ModelCallError, InvalidAnswer
        (stored redacted as invalid) or Busy, as `answer_all`."""
        if self.client is None:
            raise RuntimeError("GEMINI_API_KEY is not set")
        request = profile_request(text, elements)
        key = request_key(request.body(self.model))
        stored = self.store.profile_answer(key)
        if stored is not None:
            levels = [
                AssessedLevel(row["element_id"], float(row["level"]), row["quote_start"], row["quote_end"])
                for row in stored["levels"]
            ]
            return ProfileResult(levels, stored["call_id"], True, request.prompt_version)
        subject = ProfileSubject(
            request_key=key,
            text_sha256=hashlib.sha256(text.encode()).hexdigest(),
            text_characters=len(text),
            domains=tuple(domains),
            onet_release=release,
            model=self.model,
            prompt_version=request.prompt_version,
            text=text if self.config.store_profile_text else None,
        )
        with self._slot():
            levels, call_id = self._ask_profile(request, subject, text, {e.element_id: e.name for e in elements})
        return ProfileResult(levels, call_id, False, request.prompt_version)

    def _ask_profile(
        self, request: ModelRequest, subject: ProfileSubject, text: str, names: dict[str, str]
    ) -> tuple[list[AssessedLevel], int]:
        try:
            reply = self.client.generate(request, time.monotonic() + self.config.timeout_seconds)
        except ModelCallError as exc:
            call_id = self.store.record_profile(subject, exc.attempts, None, None)
            self._log_profile(subject, exc.attempts, exc.code, call_id)
            raise
        data, person = None, PersonText(text)
        try:
            data = answer_data(reply)
            levels = check_profile(data, names, person)
        except InvalidAnswer as exc:
            outcome = Outcome("invalid", error_code=exc.problem, levels=redacted(data, person))
            call_id = self.store.record_profile(subject, reply.attempts, reply, outcome)
            self._log_profile(subject, reply.attempts, exc.problem, call_id, reply.total_tokens)
            exc.details["call_id"] = call_id
            raise
        outcome = Outcome("valid", levels=[asdict(level) for level in levels])
        call_id = self.store.record_profile(subject, reply.attempts, reply, outcome)
        self._log_profile(subject, reply.attempts, "valid", call_id, reply.total_tokens)
        return levels, call_id

    def _log_profile(
        self, subject: ProfileSubject, attempts: list, status: str, call_id: int, tokens: int | None = None
    ) -> None:
        """A profile assessment's line: nothing of the text or the levels."""
        self._log_line("profile_assessment", subject.model, subject.prompt_version, status, attempts, call_id, tokens)

    def _log(self, subject: CallSubject, attempts: list, status: str, call_id: int, tokens: int | None = None) -> None:
        target = f">{subject.target_code}" if subject.target_code else ""
        about = f"{subject.kind} {subject.onetsoc_code}{target}"
        self._log_line(about, subject.model, subject.prompt_version, status, attempts, call_id, tokens)

    @staticmethod
    def _log_line(
        about: str, model: str, prompt: str, status: str, attempts: list, call_id: int, tokens: int | None
    ) -> None:
        log.info(
            "llm %s model=%s prompt=%s status=%s attempts=%d latency=%dms tokens=%s call_id=%d",
            about,
            model,
            prompt,
            status,
            len(attempts),
            sum(a.latency_ms for a in attempts),
            tokens if tokens is not None else "-",
            call_id,
        )
