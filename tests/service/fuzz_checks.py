"""The project's checks for schemathesis (loaded through `hooks` in schemathesis.toml), beside its
own: every status listed by its operation, no undocumented field, X-Pagination as documented, the
security headers, and the few answers that are right although schemathesis' built-in checks would
call them wrong, each named with its reason.

Run from the repository root (the module is imported as `tests.service.fuzz_checks`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from urllib.parse import urlsplit

import jsonschema
import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.service.checked_client import ResponseChecker

LLM_PATH = "/api/v1/skill-gap-llm"
# Answers to valid data that are right although the schema cannot tell: the service's documented
# 422s whose cause is outside the document.
ACCEPTED_REJECTIONS = {
    # The last page depends on the search: no schema can give page a maximum.
    ("/api/v1/occupations", "page"): "The last page is",
    # Two valid values that contradict each other.
    ("/api/v1/occupations/{code}/transitions", "max_job_zone"): "Below min_job_zone",
    # Which major groups have occupations is the release's data.
    ("/api/v1/occupations/{code}/transitions", "major_group"): "Not a major group of this release",
    # Which elements the release rates is its data too, and an element given twice is a valid item.
    ("/api/v1/profiles/gap", "levels[].element_id"): ("O*NET ", "Given again: "),
    ("/api/v1/profiles/matches", "levels[].element_id"): ("O*NET ", "Given again: "),
    ("/api/v1/profiles/matches", "max_job_zone"): "Below min_job_zone",
    ("/api/v1/profiles/matches", "major_group"): "Not a major group of this release",
    # Whether the profile gives a level in the domain asked for depends on both.
    ("/api/v1/profiles/matches", "domain"): "The profile gives no level in this domain",
}


@cache
def _checker(document: str) -> ResponseChecker:
    return ResponseChecker(json.loads(document))


def checker(case) -> ResponseChecker:
    return _checker(json.dumps(case.operation.schema.raw_schema, sort_keys=True))


def same_method(case) -> bool:
    """False for the requests schemathesis sends with a method the operation does not have."""
    return case.method.upper() == case.operation.method.upper()


def listed_statuses(case) -> set[str]:
    return set(case.operation.definition.raw.get("responses", {})) - {"default"}


def rejected_parameters(response) -> dict:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    if not isinstance(body, dict) or body.get("code") != "invalid_parameter":
        return {}
    return body.get("details", {}).get("parameters", {})


@schemathesis.check
def status_is_listed(ctx, response, case):
    """The status is one the operation lists, not merely covered by the `default` response."""
    if not same_method(case):
        return None
    listed = listed_statuses(case)
    assert str(response.status_code) in listed, (
        f"{response.status_code} is not among the statuses {case.operation.label} lists: {sorted(listed)}"
    )
    return None


@schemathesis.check
def no_undocumented_field(ctx, response, case):
    """The body fits its schema with every object closed (additionalProperties: false), as the
    test client checks every response."""
    if not same_method(case) or case.method.upper() == "HEAD":
        return None
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0]
    if media_type != "application/json":
        return None
    try:
        checker(case).check(
            case.operation.path, case.operation.method, response.status_code, json.loads(response.content)
        )
    except jsonschema.ValidationError as exc:
        raise AssertionError(f"The body does not fit its closed schema: {exc.message} at {exc.json_path}") from None
    return None


@schemathesis.check
def pagination_header_is_documented_json(ctx, response, case):
    """X-Pagination, where the operation documents it, is JSON of its documented schema."""
    (value,) = response.headers.get("x-pagination") or [None]
    if value is None:
        return None
    spec = checker(case).spec
    schema = spec["components"]["headers"]["PAGINATION"]["content"]["application/json"]["schema"]
    try:
        checker(case).validate(schema, json.loads(value))
    except (ValueError, jsonschema.ValidationError) as exc:
        raise AssertionError(f"X-Pagination {value!r} is not JSON of its documented schema: {exc}") from None
    return None


@schemathesis.check
def security_headers(ctx, response, case):
    """nosniff and frame denial on every response, gunicorn's refusals included."""
    headers = response.headers
    assert (headers.get("x-content-type-options") or [None])[0] == "nosniff", "no X-Content-Type-Options: nosniff"
    assert (headers.get("x-frame-options") or [None])[0] == "DENY", "no X-Frame-Options: DENY"
    policy = (headers.get("content-security-policy") or [""])[0]
    assert "frame-ancestors 'none'" in policy, f"no frame-ancestors 'none' in {policy!r}"
    return None


@schemathesis.check
def llm_unavailable_only_as_documented(ctx, response, case):
    """The LLM endpoint's 503 here can only be `llm_not_configured`: the fuzzed service has no Gemini."""
    if urlsplit(response.request.url).path != LLM_PATH or response.status_code != 503:
        return None
    code = json.loads(response.content).get("code")
    assert code == "llm_not_configured", f"503 {code} from {LLM_PATH}"
    return None


def _unindexed(name: str) -> str:
    """A body field's name without its list indexes: `levels[3].element_id` is `levels[].element_id`."""
    return re.sub(r"\[\d+\]", "[]", name)


@schemathesis.check
def valid_requests_are_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, but for a documented 422 the schema cannot foresee
    (ACCEPTED_REJECTIONS)."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except AssertionError:
        rejected = rejected_parameters(response) if response.status_code == 422 else {}
        accepted = {name: ACCEPTED_REJECTIONS.get((case.operation.path, _unindexed(name)), "\0") for name in rejected}
        if rejected and all(
            any(error.startswith(accepted[name]) for error in details["errors"]) for name, details in rejected.items()
        ):
            return None
        raise
