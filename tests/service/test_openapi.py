"""The OpenAPI document, the offline API pages, and the response checker the other tests rely on."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from service.api.errors import REQUEST_LINE_LIMIT, REQUEST_LINE_TOO_LONG
from service.api.schemas import CODE_PATTERN
from tests.conftest import REPO

OPERATIONS = {
    "/health": "get",
    "/health/ready": "get",
    "/api/v1/meta": "get",
    "/api/v1/domains": "get",
    "/api/v1/occupations": "get",
    "/api/v1/occupations/{code}": "get",
    "/api/v1/elements": "get",
    "/api/v1/elements/{element_id}/anchors": "get",
    "/skill-gap": "get",
    "/api/v1/skill-gap": "get",
    "/api/v1/skill-gap-by-lvl": "get",
    "/api/v1/technology-gap": "get",
    "/api/v1/profiles/gap": "post",
    "/api/v1/profiles/matches": "post",
    "/api/v1/profiles/assess": "post",
}
# The document as it was before every operation documented its 414, byte for byte as served.
DOCUMENT_BEFORE_414S = Path(__file__).with_name("openapi_before_restructure.json")


def without_414s(spec: dict) -> dict:
    """The document with each operation's 414 response, and the component response they
    reference, taken out: what the document was before the 414s were added."""
    spec = copy.deepcopy(spec)
    referenced = set()
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method != "parameters":
                referenced.add(operation["responses"].pop("414")["$ref"])
    assert referenced == {f"#/components/responses/{REQUEST_LINE_TOO_LONG}"}
    del spec["components"]["responses"][REQUEST_LINE_TOO_LONG]
    return spec


# What the technology gap added after that copy: its operation, its schemas and tag, and one field
# each of the occupation and the transition.
TECHNOLOGY_PATH = "/api/v1/technology-gap"
TECHNOLOGY_SCHEMAS = ("TechnologyGap", "TechnologyGapCategory", "Category", "Example")
TECHNOLOGY_FIELDS = {"Occupation": "technology", "Transition": "new_technology_categories"}


def without_technology(spec: dict) -> dict:
    """The document without what the technology gap added."""
    spec = copy.deepcopy(spec)
    del spec["paths"][TECHNOLOGY_PATH]
    for name in TECHNOLOGY_SCHEMAS:
        del spec["components"]["schemas"][name]
    for schema, field in TECHNOLOGY_FIELDS.items():
        declared = spec["components"]["schemas"][schema]
        del declared["properties"][field]
        declared["required"].remove(field)
    spec["tags"] = [tag for tag in spec["tags"] if tag["name"] != "technology"]
    return spec


# What the person's side added after that: an element's level anchors and the profile endpoints,
# their schemas, the 400 and 413 their bodies can get, and their tag; the LLM tag's description
# now names the profile assessment, and the Error code's description every code added since.
PERSON_PATHS = (
    "/api/v1/elements/{element_id}/anchors",
    "/api/v1/profiles/gap",
    "/api/v1/profiles/matches",
    "/api/v1/profiles/assess",
)
PERSON_SCHEMAS = (
    "ElementAnchors",
    "Anchor",
    "Level",
    "ProfileGapBody",
    "ProfileGap",
    "ProfileGapItem",
    "NotAssessed",
    "ProfileMatchesBody",
    "ProfileMatches",
    "ProfileMatch",
    "AssessBody",
    "Assessment",
    "ProposedProfile",
    "ProfileLevel",
    "Evidence",
)
PERSON_RESPONSES = ("BAD_REQUEST", "REQUEST_ENTITY_TOO_LARGE")
PERSON_TAGS = ("profiles",)
LLM_TAG_BEFORE = "Skill levels and a gap analysis by a language model (Gemini), next to O*NET's levels."
# The Error code's description as that copy has it: the one served now is checked against the docs'
# error tables instead (test_the_error_code_is_described_with_every_documented_code).
ERROR_BEFORE = json.loads(DOCUMENT_BEFORE_414S.read_bytes())["components"]["schemas"]["Error"]
ERROR_CODES_BEFORE = ERROR_BEFORE["properties"]["code"]["description"]


def without_the_persons_side(spec: dict) -> dict:
    """The document without what the person's side added."""
    spec = copy.deepcopy(spec)
    for path in PERSON_PATHS:
        del spec["paths"][path]
    for name in PERSON_SCHEMAS:
        del spec["components"]["schemas"][name]
    for name in PERSON_RESPONSES:
        del spec["components"]["responses"][name]
    spec["tags"] = [tag for tag in spec["tags"] if tag["name"] not in PERSON_TAGS]
    next(tag for tag in spec["tags"] if tag["name"] == "llm")["description"] = LLM_TAG_BEFORE
    spec["components"]["schemas"]["Error"]["properties"]["code"]["description"] = ERROR_CODES_BEFORE
    return spec


def test_document_is_valid_openapi_3(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"]
    assert "CC BY 4.0" in spec["info"]["description"]


def test_document_covers_every_route(spec, app):
    documented = {path: set(item) - {"parameters"} for path, item in spec["paths"].items()}
    for path, method in OPERATIONS.items():
        assert method in documented[path], path
    routed = {r.rule.replace("<", "{").replace(">", "}") for r in app.url_map.iter_rules()}
    assert set(documented) <= routed
    api_routes = {r for r in routed if r.startswith(("/api/", "/health")) or r == "/skill-gap"}
    assert api_routes <= set(documented)


def test_document_is_the_one_before_the_414s_plus_them_the_technology_gap_and_the_persons_side(app):
    # A plain client: the session's app may have been given the checked client class by then.
    served = FlaskClient(app).get("/openapi.json").get_data()
    assert app.json.dumps(json.loads(served)).encode() == served  # written again, it is the same bytes
    before = without_the_persons_side(without_technology(without_414s(json.loads(served))))
    assert app.json.dumps(before).encode() == DOCUMENT_BEFORE_414S.read_bytes()


def test_every_operation_documents_the_request_line_limit(spec):
    reference = {"$ref": f"#/components/responses/{REQUEST_LINE_TOO_LONG}"}
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method != "parameters"
    ]
    assert {(path, method) for path, method, _ in operations} >= set(OPERATIONS.items())
    for path, method, operation in operations:
        assert operation["responses"]["414"] == reference, (path, method)
    response = spec["components"]["responses"][REQUEST_LINE_TOO_LONG]
    assert response["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    assert f"over {REQUEST_LINE_LIMIT:,} bytes" in response["description"]
    assert "request_line_too_long" in response["description"]


def documented_codes(*docs: str) -> set[str]:
    """The codes of the error tables (`| status | `code`, `code` | when |`) of the docs named."""
    rows = (line for doc in docs for line in (REPO / "docs" / doc).read_text().splitlines())
    return {
        code for row in rows if re.match(r"\| [\d, ]+ \|", row) for code in re.findall(r"`(\w+)`", row.split("|")[2])
    }


def test_the_error_code_is_described_with_every_documented_code(spec):
    description = spec["components"]["schemas"]["Error"]["properties"]["code"]["description"]
    documented = documented_codes("api.md", "llm.md")
    assert {code for code in documented if not re.search(rf"\b{code}\b", description)} == set()
    # (every code with an underscore the description names is one the docs' tables document)
    assert set(re.findall(r"\b[a-z]+_[a-z_]+\b", description)) <= documented


def test_every_error_response_is_the_error_shape(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"status", "code", "message", "details"}
    for path, method in OPERATIONS.items():
        for status, response in spec["paths"][path][method]["responses"].items():
            if status == "default" or int(status) >= 400:
                name = response["$ref"].rsplit("/", 1)[1]
                schema = spec["components"]["responses"][name]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_gap_parameters_are_documented(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/skill-gap"]["get"]["parameters"]}
    assert set(parameters) == {"from", "to", "domain", "min_importance", "exclude_suppressed"}
    assert parameters["from"]["required"] and parameters["from"]["schema"]["pattern"]
    assert parameters["domain"]["schema"]["enum"] == ["skills", "knowledge", "abilities", "work_activities"]


def test_pagination_header_is_documented_as_the_json_it_is(spec, client):
    header = spec["components"]["headers"]["PAGINATION"]
    schema = header["content"]["application/json"]["schema"]
    sent = json.loads(client.get("/api/v1/occupations", query_string={"q": "chief"}).headers["X-Pagination"])
    OAS30Validator({**schema, "components": spec["components"]}).validate(sent)


def test_occupation_code_in_a_path_is_documented_with_its_pattern(spec):
    (parameter,) = spec["paths"]["/api/v1/occupations/{code}"]["parameters"]
    assert parameter["schema"]["pattern"] == CODE_PATTERN


def test_levels_are_documented_as_numbers(spec):
    item = spec["components"]["schemas"]["GapItem"]["properties"]
    for field in ("from_level", "to_level", "difference", "importance"):
        assert item[field]["type"] == "number"
    assert item["suppressed"]["type"] == "boolean"


def test_checker_rejects_what_the_document_does_not_allow(checker, client):
    good = client.get("/api/v1/skill-gap", query_string={"from": "15-1251.00", "to": "11-1011.00"}).get_json()
    checker.check("/api/v1/skill-gap", "get", 200, good)
    item = good["gaps"][0]
    for bad_item in (
        {**item, "to_level": str(item["to_level"])},
        {k: v for k, v in item.items() if k != "to_anchor"},
        {**item, "undocumented": 1},
        {**item, "suppressed": 0},
    ):
        with pytest.raises(jsonschema.ValidationError):
            checker.check("/api/v1/skill-gap", "get", 200, {**good, "gaps": [bad_item]})
    with pytest.raises(jsonschema.ValidationError):
        checker.check("/api/v1/skill-gap", "get", 404, {"code": "no_ratings", "message": "x"})


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_pages_load_only_local_assets(client, page):
    response = client.get(page)
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/"), source
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.get_data()) > 1000
    assert "https://" not in html and "http://" not in html
    assert "/openapi.json" in html


def test_missing_asset_is_404(client):
    assert client.get("/docs/assets/swagger-ui/nothing.js").status_code == 404
    assert client.get("/docs/assets/swagger-ui/../../package.json").status_code == 404
