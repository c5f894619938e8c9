"""The language model's endpoints: the skill gap (Gemini's levels for both occupations next to
O*NET's, and its analysis of the gap) and a person's profile proposed from their own text. Behind
the service's own key (when SERVICE_API_KEYS is set) and a rate limit per client, shared by every
worker when RATELIMIT_STORAGE_URI names Redis."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
from collections.abc import Iterator

import flask_smorest
from flask import Flask, request
from flask.views import MethodView
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many
from marshmallow import Schema, fields, validate

from service import gap_rule
from service.api.context import EXTENSION, current_published, services
from service.api.errors import Blueprint, error_body, fail
from service.api.profiles import NotAssessedSchema
from service.api.schemas import OccupationRefSchema, Rating, ResponseSchema, domain_field, occupation_code
from service.config import ServiceConfig
from service.db import Database
from service.llm import batch
from service.llm.analyst import Analyst, Busy
from service.llm.gemini import ModelCallError
from service.llm.profile_assessment import MAX_TEXT_CHARACTERS, Element
from service.llm.prompts import InvalidAnswer
from service.llm.store import LLMStore
from service.serving.profile_gap import elements_of, not_assessed
from service.serving.reference import Reference, rated_domains, require_domain, require_rated

API_KEY_HEADER = "X-API-Key"
SECURITY_SCHEME = "ServiceApiKey"

blp = Blueprint(
    "llm",
    __name__,
    description="A language model (Gemini): skill levels and a gap analysis next to O*NET's levels, and a"
    " person's profile from their own text.",
)


class LLMGapArgsSchema(Schema):
    from_ = occupation_code("The occupation a person holds.", data_key="from", required=True)
    to = occupation_code("The occupation a person wants.", required=True)


class LLMGapItemSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.1.a"})
    name = fields.String(required=True, metadata={"example": "Reading Comprehension"})
    importance = Rating(required=True, metadata={"description": "O*NET's importance to the target (IM, 1-5)."})
    from_level = Rating(required=True, metadata={"description": "O*NET's effective level in the source occupation."})
    to_level = Rating(required=True, metadata={"description": "O*NET's effective level in the target occupation."})
    difference = Rating(required=True, metadata={"description": "to_level - from_level (O*NET)."})
    llm_from_level = Rating(required=True, metadata={"description": "The model's level in the source (0-7)."})
    llm_to_level = Rating(required=True, metadata={"description": "The model's level in the target (0-7)."})
    llm_difference = Rating(required=True, metadata={"description": "llm_to_level - llm_from_level."})
    llm_from_justification = fields.String(required=True, metadata={"description": "Why, for the source."})
    llm_to_justification = fields.String(required=True, metadata={"description": "Why, for the target."})


class GapAdviceSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.B.4.e"})
    name = fields.String(required=True, metadata={"example": "Judgment and Decision Making"})
    how_to_close = fields.String(required=True)


class StrengthSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.2.a"})
    name = fields.String(required=True, metadata={"example": "Critical Thinking"})
    why = fields.String(required=True)


class AnalysisSchema(ResponseSchema):
    summary = fields.String(required=True)
    gaps = fields.List(fields.Nested(GapAdviceSchema), required=True, metadata={"description": "Most important first."})
    transferable_strengths = fields.List(fields.Nested(StrengthSchema), required=True)


class ModelCallSchema(ResponseSchema):
    kind = fields.String(required=True, metadata={"description": "assessment or analysis.", "example": "assessment"})
    occupation = fields.String(required=True, metadata={"description": "The occupation assessed, or the source."})
    call_id = fields.Integer(required=True, metadata={"description": "The call's row in the LLM store."})
    cached = fields.Boolean(
        required=True, metadata={"description": "Answered from the store: the same request was answered before."}
    )


class LLMGapSchema(ResponseSchema):
    from_ = fields.Nested(OccupationRefSchema, data_key="from", required=True)
    to = fields.Nested(OccupationRefSchema, required=True)
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    model = fields.String(required=True, metadata={"example": "gemini-3.8-flash"})
    prompt_version = fields.String(required=True, metadata={"example": "1"})
    gaps = fields.List(
        fields.Nested(LLMGapItemSchema),
        required=True,
        metadata={"description": "Every skill of the pair; largest LLM difference first."},
    )
    analysis = fields.Nested(AnalysisSchema, required=True)
    calls = fields.List(fields.Nested(ModelCallSchema), required=True)


class AssessBodySchema(Schema):
    text = fields.String(
        required=True,
        validate=validate.Regexp(r"\s*\S", error="The text is blank."),
        metadata={
            "description": f"The person's own description of their work (a work history, a CV), at most"
            f" {MAX_TEXT_CHARACTERS:,} characters (longer: 413 `text_too_long`). Never logged; stored only as"
            " its SHA-256 hash unless the server sets LLM_STORE_PROFILE_TEXT.",
            "example": "Eight years as a nurse in an intensive care unit: I assess patients, give medication...",
        },
    )
    domain = domain_field(load_default=None)


class ProfileLevelSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.1.a"})
    level = Rating(required=True, metadata={"description": "The model's level for the person (LV, 0-7)."})


class ProposedProfileSchema(ResponseSchema):
    levels = fields.List(
        fields.Nested(ProfileLevelSchema),
        required=True,
        metadata={"description": "A body for /api/v1/profiles/gap and /matches (add `to` for the gap)."},
    )


class EvidenceSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.1.a"})
    name = fields.String(required=True, metadata={"example": "Reading Comprehension"})
    domain = fields.String(required=True, metadata={"example": "skills"})
    level = Rating(required=True, metadata={"description": "The model's level for the person (LV, 0-7)."})
    quote = fields.String(required=True, metadata={"description": "The passage of the text that shows it."})
    quote_start = fields.Integer(required=True, metadata={"description": "Where the passage starts in the text."})
    quote_end = fields.Integer(required=True, metadata={"description": "Where it ends (exclusive), in characters."})


class AssessmentSchema(ResponseSchema):
    profile = fields.Nested(ProposedProfileSchema, required=True)
    evidence = fields.List(
        fields.Nested(EvidenceSchema), required=True, metadata={"description": "Each level with its quote."}
    )
    not_assessed = fields.List(
        fields.Nested(NotAssessedSchema),
        required=True,
        metadata={"description": "The elements offered that the text gives no evidence for, by domain, then id."},
    )
    domains = fields.List(fields.String(), required=True, metadata={"description": "The domains offered."})
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    model = fields.String(required=True, metadata={"example": "gemini-3.8-flash"})
    prompt_version = fields.String(required=True, metadata={"example": "1"})
    call_id = fields.Integer(required=True, metadata={"description": "The call's row in the LLM store."})
    cached = fields.Boolean(
        required=True, metadata={"description": "Answered from the store: the same request was answered before."}
    )


def _analyst() -> Analyst:
    return services().analyst


@blp.before_request
def authenticate() -> None:
    """The service's own key, when SERVICE_API_KEYS sets any; then a Gemini key must be configured."""
    keys = _analyst().config.service_api_keys
    if keys:
        given = request.headers.get(API_KEY_HEADER, "")
        if not given:
            fail(401, "missing_api_key", f"This endpoint needs a key: send it in the {API_KEY_HEADER} header.")
        if not any(hmac.compare_digest(given.encode(), key.encode()) for key in keys):
            fail(401, "invalid_api_key", f"The {API_KEY_HEADER} header does not hold a key of this service.")
    if not _analyst().configured:
        fail(
            503,
            "llm_not_configured",
            "The LLM analysis is not configured: set GEMINI_API_KEY (a Gemini API key) in the service's"
            " environment and restart it. The other endpoints work without it.",
            variable="GEMINI_API_KEY",
        )


@contextlib.contextmanager
def model_errors() -> Iterator[None]:
    """The model's failures in the error shape: an answer that failed a check (502), no answer
    (Gemini's status: 502, 503 or 504), every model call slot taken (503)."""
    try:
        yield
    except InvalidAnswer as exc:
        fail(502, "invalid_model_answer", exc.message, problem=exc.problem, **exc.details)
    except ModelCallError as exc:
        fail(exc.status, exc.code, exc.message, attempts=len(exc.attempts))
    except Busy:
        fail(503, "llm_busy", "Every model call slot of this server is taken (LLM_MAX_CONCURRENT); retry shortly.")


@blp.route("/api/v1/skill-gap-llm")
class SkillGapLLM(MethodView):
    @blp.arguments(LLMGapArgsSchema(), location="query")
    @blp.response(200, LLMGapSchema)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.alt_response(502, response="BAD_GATEWAY")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.alt_response(504, response="GATEWAY_TIMEOUT")
    @blp.doc(security=[{SECURITY_SCHEME: []}])
    def get(self, args):
        """Skill levels in both occupations by a language model next to O*NET's, and its analysis.

        The model (Gemini) rates every skill of each occupation on O*NET's 0-7 level scale, and
        writes a summary of the gap, the most important gaps with how to close them, and the
        transferable strengths. Answers are stored: the same request is answered from the store.
        502: the model's answer failed a check (`details.problem` names it: unknown_skill,
        missing_skill, duplicate_skill, level_out_of_range, invalid_json, truncated_answer, ...),
        or Gemini failed; 503: no GEMINI_API_KEY, Gemini's quota, or every model slot busy;
        504: Gemini did not answer in time.
        """
        reference = services().reference.get()
        require_domain(reference, "skills")
        require_rated(reference, "from", args["from_"], "skills")
        require_rated(reference, "to", args["to"], "skills")
        with model_errors():
            return _analyst().skill_gap(args["from_"], args["to"], reference.release["onet_release"])


def offered_elements(reference: Reference, domains: list[str]) -> list[Element]:
    """The elements of `domains` the release rates, with their anchors, as the model is offered them."""
    return [
        Element(
            element["element_id"],
            element["name"],
            element["description"] or "",
            tuple((gap_rule.number(level), text) for level, text in reference.anchors.get(element["element_id"], ())),
        )
        for element in elements_of(reference, domains)
    ]


@blp.route("/api/v1/profiles/assess")
class ProfileAssess(MethodView):
    @blp.arguments(AssessBodySchema())
    @blp.response(200, AssessmentSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.alt_response(502, response="BAD_GATEWAY")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.alt_response(504, response="GATEWAY_TIMEOUT")
    @blp.doc(security=[{SECURITY_SCHEME: []}])
    def post(self, body):
        """A person's profile proposed by the model from their own text: a level for each element
        the text gives evidence for, each with a quote of the text.

        The answer's `profile` is a body for `/api/v1/profiles/gap` (with `to`) and
        `/api/v1/profiles/matches`, to edit before sending. Every level is checked: known elements
        only, each once, within 0-7, and each quote found in the text once whitespace runs and
        curly quote marks are normalized (`quote_start` and `quote_end` are its place in the text as
        sent). 413 `text_too_long` over the documented length; 502 `invalid_model_answer` when a
        check fails (`details.problem`: unknown_element, duplicate_element, level_out_of_range,
        quote_not_found, invalid_json, ...), or Gemini failed; 503 and 504 as the LLM gap. The
        text is never logged, and stored only as its hash (docs/llm.md).
        """
        text = body["text"]
        if len(text) > MAX_TEXT_CHARACTERS:
            fail(
                413,
                "text_too_long",
                f"The text has {len(text):,} characters; the most the service sends to the model is"
                f" {MAX_TEXT_CHARACTERS:,}.",
                limit_characters=MAX_TEXT_CHARACTERS,
                characters=len(text),
            )
        reference = current_published().reference
        if body["domain"] is None:
            domains = rated_domains(reference)
        else:
            require_domain(reference, body["domain"])
            domains = [body["domain"]]
        release = reference.release["onet_release"]
        with model_errors():
            result = _analyst().profile_assessment(text, offered_elements(reference, domains), domains, release)
        levels = {level.element_id: level.level for level in result.levels}
        return {
            "profile": {"levels": [{"element_id": e, "level": level} for e, level in levels.items()]},
            "evidence": [
                {
                    **{key: reference.elements[level.element_id][key] for key in ("element_id", "name", "domain")},
                    "level": level.level,
                    "quote": text[level.quote_start : level.quote_end],
                    "quote_start": level.quote_start,
                    "quote_end": level.quote_end,
                }
                for level in result.levels
            ],
            "not_assessed": not_assessed(levels, reference, domains),
            "domains": domains,
            "onet_release": release,
            "model": _analyst().model,
            "prompt_version": result.prompt_version,
            "call_id": result.call_id,
            "cached": result.cached,
        }


def _client_key() -> str:
    """Rate limits count per service key when a known one is sent (hashed: the limiter's storage
    never sees a key), else per address."""
    given = request.headers.get(API_KEY_HEADER, "")
    if given and any(hmac.compare_digest(given.encode(), key.encode()) for key in _analyst().config.service_api_keys):
        return "key:" + hashlib.sha256(given.encode()).hexdigest()[:16]
    return "addr:" + (request.remote_addr or "unknown")


def _scope_to_blueprint(app: Flask, name: str) -> None:
    """Run the limiter's request hooks for this blueprint only: it registers them for the whole
    app, where they cost every other endpoint about 0.1 ms a request for limits it has none of."""
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        limiter_hooks = [hook for hook in hooks.get(None, []) if _is_limiter_hook(hook)]
        hooks[None] = [hook for hook in hooks[None] if hook not in limiter_hooks]
        hooks.setdefault(name, [])[:0] = limiter_hooks


def _is_limiter_hook(hook) -> bool:
    """A method of a Limiter, or (its after-request hook) a partial of one bound to a Limiter."""
    owner = hook.args[0] if isinstance(hook, functools.partial) and hook.args else getattr(hook, "__self__", None)
    return isinstance(owner, Limiter)


def init_app(app: Flask, api: flask_smorest.Api, config: ServiceConfig, db: Database) -> Analyst:
    """The analyst (returned), the rate limit and the error shape of a breach, the `llm-assess`
    command; the key in the API document."""
    settings = config.llm
    if settings.timeout_seconds <= 0 or settings.max_attempts < 1 or settings.max_concurrent < 1:
        raise ValueError(
            "GEMINI_TIMEOUT_SECONDS must be > 0, GEMINI_MAX_ATTEMPTS and LLM_MAX_CONCURRENT >= 1"
            f" (got {settings.timeout_seconds:g}, {settings.max_attempts}, {settings.max_concurrent})"
        )
    try:
        parse_many(settings.rate_limit)
    except ValueError:
        raise ValueError(f"LLM_RATE_LIMIT={settings.rate_limit!r} is not a rate limit like '10/minute'") from None
    analyst = Analyst(config, db, LLMStore(config))

    limiter = Limiter(
        _client_key,
        app=app,
        storage_uri=settings.rate_limit_storage_uri,
        headers_enabled=True,
        key_prefix="onet-skillgap",
        # Redis gone: count in each process's memory rather than fail or stop limiting.
        in_memory_fallback_enabled=True,
    )
    limiter.limit(settings.rate_limit)(blp)
    _scope_to_blueprint(app, blp.name)
    app.cli.add_command(
        batch.command(lambda: app.extensions[EXTENSION].analyst, lambda: app.extensions[EXTENSION].reference.get())
    )

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(exc: RateLimitExceeded):
        limit = str(exc.limit.limit)
        return error_body(
            429,
            "rate_limited",
            f"Too many requests to the LLM endpoint from this client: the limit is {limit}; retry later.",
            {"limit": limit},
        ), 429

    api.spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "apiKey",
            "in": "header",
            "name": API_KEY_HEADER,
            "description": "Needed when the server sets SERVICE_API_KEYS.",
        },
    )
    return analyst


def check_worker(app: Flask, timeout: float, threads: int) -> None:
    """Under gunicorn: the model is waited on for less than the worker timeout, and model calls
    leave a thread free for the other endpoints."""
    analyst: Analyst = app.extensions[EXTENSION].analyst
    if not analyst.configured:
        return
    settings = analyst.config
    if settings.timeout_seconds >= timeout:
        raise RuntimeError(
            f"GEMINI_TIMEOUT_SECONDS={settings.timeout_seconds:g} must stay below gunicorn's worker timeout"
            f" ({timeout:g} s)"
        )
    if settings.max_concurrent >= threads:
        raise RuntimeError(
            f"LLM_MAX_CONCURRENT={settings.max_concurrent} must stay below SERVICE_THREADS={threads},"
            " so that a thread is always free for the other endpoints"
        )
