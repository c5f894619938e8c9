"""The one Gemini client, over Google's `google-genai` SDK; the service and the batch command both
call the model through it.

This module alone retries (429 and 5xx, with backoff): the SDK's own retry options stay unset, so
no call is retried twice over. Every attempt is reported back, so that the caller can store it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
from google import genai
from google.genai import errors, types
from pydantic import BaseModel

from service.config import LLMConfig

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_INITIAL_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# Below this, an attempt could not get an answer anyway: the request's time is up.
MIN_ATTEMPT_SECONDS = 0.5


@dataclass(frozen=True)
class ModelRequest:
    """What the model is asked: the same request always has the same `key`."""

    kind: str
    prompt_version: str
    system_instruction: str
    prompt: str
    response_schema: type[BaseModel]

    def body(self, model: str) -> dict[str, Any]:
        """The request as stored: everything that decides the answer."""
        return {
            "model": model,
            "kind": self.kind,
            "prompt_version": self.prompt_version,
            "system_instruction": self.system_instruction,
            "prompt": self.prompt,
            "response_mime_type": "application/json",
            "response_schema": self.response_schema.model_json_schema(),
        }


def request_key(body: dict[str, Any]) -> str:
    """The store's key of a request: identical requests share it."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Attempt:
    """One HTTP call to the model and how it ended."""

    number: int
    status: str  # answered, rate_limited, server_error, client_error, timeout, unreachable
    latency_ms: int
    http_status: int | None = None
    error: str | None = None
    response: str | None = None


@dataclass
class ModelReply:
    """The model's answer: its text, what the SDK parsed from it, and the usage."""

    text: str | None
    parsed: Any
    finish_reason: str | None
    block_reason: str | None
    prompt_tokens: int | None
    output_tokens: int | None
    total_tokens: int | None
    attempts: list[Attempt] = field(default_factory=list)


class ModelCallError(Exception):
    """The model gave no answer; `status` and `code` are what the API answers."""

    status = 502
    code = "model_error"

    def __init__(self, message: str, attempts: list[Attempt]):
        super().__init__(message)
        self.message = message
        self.attempts = attempts


class ModelTimeout(ModelCallError):
    status = 504
    code = "model_timeout"


class ModelRateLimited(ModelCallError):
    status = 503
    code = "model_rate_limited"


class GeminiClient:
    def __init__(self, config: LLMConfig):
        if not config.api_key:
            raise ValueError("GEMINI_API_KEY is not set")
        self.model = config.model
        self._key = config.api_key
        self._timeout = config.timeout_seconds
        self._max_attempts = config.max_attempts
        # A base URL (a proxy, or the tests' fake server) speaks the same v1beta API as Google's.
        endpoint = {"base_url": config.base_url, "api_version": "v1beta"} if config.base_url else {}
        # HttpOptions.timeout is in milliseconds.
        options = types.HttpOptions(timeout=int(config.timeout_seconds * 1000), **endpoint)
        self._client = genai.Client(api_key=config.api_key, http_options=options)

    def redact(self, text: str) -> str:
        """The text without the API key, should the SDK or the server ever echo it."""
        return text.replace(self._key, "[GEMINI_API_KEY]")

    def generate(self, request: ModelRequest, deadline: float | None = None) -> ModelReply:
        """Ask the model, retrying 429 and 5xx with backoff until `max_attempts` or the `deadline`
        (a `time.monotonic()` instant) is reached. Raises `ModelCallError` when no answer came."""
        attempts: list[Attempt] = []
        config = types.GenerateContentConfig(
            system_instruction=request.system_instruction,
            response_mime_type="application/json",
            response_schema=request.response_schema,
        )
        number = 0
        while True:
            number += 1
            timeout = self._timeout
            if deadline is not None:
                timeout = min(timeout, deadline - time.monotonic())
                if timeout < MIN_ATTEMPT_SECONDS:
                    raise self._out_of_time(attempts)
            config.http_options = types.HttpOptions(timeout=int(timeout * 1000))
            started = time.monotonic()
            try:
                response = self._client.models.generate_content(
                    model=self.model, contents=request.prompt, config=config
                )
            except errors.APIError as exc:
                attempt = self._failed(number, started, exc)
                attempts.append(attempt)
                if exc.code not in RETRY_STATUSES or number == self._max_attempts:
                    raise self._gave_up(attempt, attempts) from None
                delay = _retry_delay(exc, number)
                if deadline is not None and time.monotonic() + delay + MIN_ATTEMPT_SECONDS > deadline:
                    raise self._gave_up(attempt, attempts) from None
                time.sleep(delay)
                continue
            except httpx2.TimeoutException:
                attempts.append(Attempt(number, "timeout", _ms(started), error=f"no answer within {timeout:.1f} s"))
                raise self._out_of_time(attempts) from None
            except httpx2.TransportError as exc:
                attempts.append(Attempt(number, "unreachable", _ms(started), error=self.redact(str(exc))))
                raise ModelCallError(
                    f"Gemini cannot be reached: {self.redact(str(exc)) or type(exc).__name__}.", attempts
                ) from None
            attempts.append(Attempt(number, "answered", _ms(started), http_status=200, response=_body(response)))
            return _reply(response, attempts)

    def _failed(self, number: int, started: float, exc: errors.APIError) -> Attempt:
        if exc.code == 429:
            status = "rate_limited"
        elif exc.code >= 500:
            status = "server_error"
        else:
            status = "client_error"
        message = self.redact(f"{exc.code} {exc.status or ''}: {exc.message or ''}".strip())
        details = json.dumps(exc.details, ensure_ascii=False) if exc.details is not None else None
        return Attempt(
            number,
            status,
            _ms(started),
            http_status=exc.code,
            error=message,
            response=self.redact(details) if details else None,
        )

    def _gave_up(self, last: Attempt, attempts: list[Attempt]) -> ModelCallError:
        tries = f"after {len(attempts)} attempt{'s' if len(attempts) > 1 else ''}"
        if last.status == "rate_limited":
            reason = (last.error or "").rstrip(".")
            return ModelRateLimited(f"Gemini kept answering 429 (rate limit or quota) {tries}: {reason}.", attempts)
        return ModelCallError(f"Gemini answered {last.error} {tries}.", attempts)

    def _out_of_time(self, attempts: list[Attempt]) -> ModelTimeout:
        return ModelTimeout(
            f"Gemini did not answer within GEMINI_TIMEOUT_SECONDS={self._timeout:g} s"
            f" ({len(attempts)} attempt{'s' if len(attempts) != 1 else ''}).",
            attempts,
        )


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _retry_delay(exc: errors.APIError, number: int) -> float:
    """The server's RetryInfo hint when it gave one, else exponential backoff with jitter."""
    error = exc.details.get("error") if isinstance(exc.details, dict) else None
    for detail in error.get("details") or [] if isinstance(error, dict) else []:
        match = re.fullmatch(r"(\d+(?:\.\d+)?)s", str(detail.get("retryDelay", "")) if isinstance(detail, dict) else "")
        if match:
            return min(float(match.group(1)), BACKOFF_MAX_SECONDS)
    backoff = min(BACKOFF_INITIAL_SECONDS * 2 ** (number - 1), BACKOFF_MAX_SECONDS)
    return backoff * random.uniform(0.5, 1.0)


def _body(response: types.GenerateContentResponse) -> str:
    return response.model_dump_json(exclude_none=True, exclude={"sdk_http_response", "parsed"})


def _reply(response: types.GenerateContentResponse, attempts: list[Attempt]) -> ModelReply:
    candidate = response.candidates[0] if response.candidates else None
    parts = candidate.content.parts if candidate and candidate.content and candidate.content.parts else []
    texts = [part.text for part in parts if part.text and not part.thought]
    usage = response.usage_metadata
    feedback = response.prompt_feedback
    return ModelReply(
        text="".join(texts) if texts else None,
        parsed=response.parsed,
        finish_reason=candidate.finish_reason.value if candidate and candidate.finish_reason else None,
        block_reason=feedback.block_reason.value if feedback and feedback.block_reason else None,
        prompt_tokens=usage.prompt_token_count if usage else None,
        output_tokens=usage.candidates_token_count if usage else None,
        total_tokens=usage.total_token_count if usage else None,
        attempts=attempts,
    )
