"""Hostile values on every query and path parameter of every operation, read from the OpenAPI
document (a new parameter is covered without a change here): SQL injection, 10 kB values, unicode
(right-to-left, emoji, combining marks, other scripts' digits), control characters, repeated
parameters and wrong types. Each gets the documented 422 naming the parameter, in the project's
error shape (the client checks every body against the document), never a 5xx; a free-text
parameter takes them as text. The databases are unchanged afterwards. Then the same through
gunicorn, which refuses some requests before the service sees them: a request line over its limit
(the documented 414), raw control characters (400), too many or too large headers (431), each in the
error shape with the security headers of every other response."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
from dataclasses import replace
from urllib.parse import quote

import pytest

from service import create_app
from service.api.errors import REQUEST_LINE_LIMIT
from service.api.security import NOT_A_PAGE_POLICY
from service.config import LLMConfig
from tests.conftest import server_connection
from tests.service.app_config import service_config
from tests.service.checked_client import checked_client
from tests.service.gunicorn_server import free_port, serving

SERVICE_KEY = "hostile-" + secrets.token_hex(8)
# Valid values of the parameters that have neither an example nor a default in the document.
VALID = {"code": "15-1251.00", "from": "15-1251.00", "to": "11-1011.00", "element_id": "2.A.1.a"}
KB10 = 10 * 1024
NAMES_NOTHING = {"unknown_occupation", "unknown_element"}
# What the app sets on its JSON responses, and gunicorn's refusals carry too.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": NOT_A_PAGE_POLICY,
}


def hostile_values(valid: str, schema: dict) -> dict[str, str]:
    """Each hostile value by kind; `valid` is a valid value of the parameter, for variants of it."""
    values = {
        "sql: or": "' OR 1=1 --",
        "sql: drop": "1; DROP TABLE x",
        "sql: after a valid value": f"{valid}' OR '1'='1",
        "sql: union": f"{valid}' UNION SELECT user(), 2 --",
        "10 kB": "9" * KB10,
        "10 kB after a valid value": valid + "x" * KB10,
        "unicode: right-to-left override": "\u202e" + valid,
        "unicode: emoji": "😀",
        "unicode: combining mark": valid + "\u0301",
        "control: NUL": valid + "\x00",
        "control: CR LF": valid + "\r\n",
        "control: trailing newline": valid + "\n",
        "control: escape": "\x1b[31m" + valid,
        "type: empty": "",
        "type: word": "abc",
        "type: fraction": "1.5",
        "type: exponent": "1e999",
        "type: not a number": "NaN",
        "type: list": "[1, 2]",
        "type: object": '{"a": 1}',
        "type: boolean": "maybe",
    }
    if "pattern" in schema:
        # Another script's digits in a code: the document's pattern means 0-9. (A number in them,
        # `min_importance=４`, is read by Python's int() and float() as the number it is.)
        values["unicode: fullwidth digits"] = valid.translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return values


def is_valid(schema: dict, value: str) -> bool:
    """Whether `value`, as sent in a URL, fits `schema` the way the document states it: an integer
    or number in ASCII digits, JSON Schema's patterns where `\\d` is 0-9 and `$` the very end. A
    number may have whitespace around it: the service reads it with Python's int() and float(),
    which drop it (`min_importance=3%0A` is 3)."""
    kind = schema.get("type")
    if kind in ("integer", "number"):
        value = value.strip()
    if kind == "integer":
        ok = re.fullmatch(r"-?[0-9]{1,18}", value) is not None  # longer is beyond any range here
        return ok and schema.get("minimum", -(10**9)) <= int(value) <= schema.get("maximum", 10**9)
    if kind == "number":
        ok = re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value) is not None
        return ok and schema.get("minimum", -1e9) <= float(value) <= schema.get("maximum", 1e9)
    if kind == "boolean":
        return value in ("true", "false")
    if "enum" in schema:
        return value in schema["enum"]
    if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", 10**9):
        return False
    return "pattern" not in schema or re.search(schema["pattern"].replace("$", r"\Z"), value, re.ASCII) is not None


def valid_value(name: str, schema: dict) -> str:
    for value in (VALID.get(name), schema.get("example"), schema.get("default")):
        if value is not None:
            return str(value).lower() if isinstance(value, bool) else str(value)
    if "enum" in schema:
        return schema["enum"][0]
    return str(schema.get("minimum", 1))


def operations(spec: dict) -> list[tuple[str, dict[str, dict], dict[str, dict]]]:
    """Per operation: its path, and its path and query parameters with their schemas."""
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            by_location = {
                where: {p["name"]: p["schema"] for p in parameters if p["in"] == where} for where in ("path", "query")
            }
            found.append((path, by_location["path"], by_location["query"]))
    return found


def url(path: str, path_values: dict[str, str], query: list[tuple[str, str]]) -> str:
    for name, value in path_values.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path + ("?" + "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query) if query else "")


def requests_for(spec: dict):
    """(operation, parameter, kind, URL, what is expected): every hostile value of every parameter,
    the other parameters valid; and every query parameter given twice."""
    for path, path_params, query_params in operations(spec):
        base_path = {name: valid_value(name, s) for name, s in path_params.items()}
        required = {name: valid_value(name, s) for name, s in query_params.items() if name in ("from", "to")}
        for location, params in (("path", path_params), ("query", query_params)):
            for name, schema in params.items():
                for kind, value in hostile_values(valid_value(name, schema), schema).items():
                    if location == "path" and kind == "type: empty":
                        continue  # no route has an empty segment: a 404, tested in test_errors.py
                    path_values = {**base_path, name: value} if location == "path" else base_path
                    query = {**required, name: value} if location == "query" else required
                    expected = "accepted" if is_valid(schema, value) else "rejected"
                    yield path, name, kind, url(path, path_values, list(query.items())), expected
        for name, schema in query_params.items():
            value = valid_value(name, schema)
            query = [*[(k, v) for k, v in required.items() if k != name], (name, value), (name, value)]
            yield path, name, "repeated", url(path, base_path, query), "rejected"


def checksums(settings) -> dict[str, object]:
    """Every table of the service's databases with its CHECKSUM TABLE, and every view by name."""
    found = {}
    with server_connection(settings) as conn, conn.cursor() as cur:
        cur.execute(
            "select table_schema, table_name, table_type from information_schema.tables"
            " where table_schema = %s or table_schema like %s",
            (settings.database, settings.database.replace("_", r"\_") + r"\_%"),
        )
        for schema, table, kind in cur.fetchall():
            if kind == "BASE TABLE":
                cur.execute(f"checksum table `{schema}`.`{table}`")
                found[f"{schema}.{table}"] = cur.fetchone()[1]
            else:
                found[f"{schema}.{table}"] = kind
    return found


@pytest.fixture(scope="module")
def hostile_client(api_built, checker):
    """The app with the LLM endpoint configured (a key of its own, a Gemini that cannot be reached:
    only a request that passed validation would try it) and a rate limit no test reaches. Over
    `api_built`'s databases, which only the files run with it (one after another) write to: the
    session build's stores take other tests' writes meanwhile."""
    gemini = LLMConfig(
        api_key="gemini-" + secrets.token_hex(8),
        base_url=f"http://127.0.0.1:{free_port()}",
        rate_limit="1000000/minute",
        service_api_keys=(SERVICE_KEY,),
    )
    app = create_app(replace(service_config(api_built), llm=gemini))
    app.config["TESTING"] = True
    client = checked_client(app, checker)
    client.environ_base["HTTP_X_API_KEY"] = SERVICE_KEY
    return client


def answer(response) -> str:
    body = response.get_json(silent=True)
    body = body if isinstance(body, dict) and response.status_code >= 400 else {}
    return f"{response.status_code} {body.get('code', '')}".strip()


def test_every_parameter_rejects_hostile_values_with_a_documented_422(hostile_client, spec, api_built):
    before = checksums(api_built)
    unexpected, counted = [], 0
    for path, name, kind, target, expected in requests_for(spec):
        response = hostile_client.get(target)
        counted += 1
        got = answer(response)
        assert response.status_code < 500, f"{target[:200]!r}: {got}"
        body = response.get_json(silent=True)
        if expected == "accepted":
            # A value of the right form may still name nothing: the operation's 404 for that.
            ok = response.status_code == 200 or (response.status_code == 404 and body.get("code") in NAMES_NOTHING)
        else:
            rejected = body.get("details", {}).get("parameters", {}) if isinstance(body, dict) else {}
            ok = response.status_code == 422 and body.get("code") == "invalid_parameter" and name in rejected
        if not ok:
            unexpected.append(f"{path} {name} {kind}: expected {expected}, got {got}")
    print(f"hostile input: {counted} requests, {len(unexpected)} unexpected")
    assert counted > 500
    assert unexpected == [], "\n".join(unexpected)
    assert checksums(api_built) == before


def test_injection_in_the_search_finds_nothing_and_changes_nothing(hostile_client, api_built):
    before = checksums(api_built)
    for q in ("' OR 1=1 --", "x' OR '1'='1", "%' OR 1=1 --", "1; DROP TABLE dim_occupations", "15-12' --"):
        response = hostile_client.get("/api/v1/occupations", query_string={"q": q})
        assert (response.status_code, response.get_json()) == (200, []), q
    # `%` and `_` are text, not LIKE wildcards.
    assert hostile_client.get("/api/v1/occupations", query_string={"q": "%"}).get_json() == []
    assert hostile_client.get("/api/v1/occupations", query_string={"q": "_"}).get_json() == []
    assert checksums(api_built) == before


def raw_request(server, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `head` (a request line, and headers if any) as it is, and read the answer: its status,
    headers and body. A refusal may come while the request is still being sent."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            conn.sendall(head + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    raw_head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = raw_head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split(" ")[1]), headers, body


def assert_json_error(status: int, headers: dict[str, str], body: bytes, expected: int, checker) -> dict:
    """A refusal in the error shape, as JSON, with the security headers; its body."""
    assert status == expected, body[:300]
    assert headers["Content-Type"] == "application/json"
    assert {name: headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
    error = json.loads(body)
    checker.check_error(error)
    assert error["status"] == expected
    return error


@pytest.fixture(scope="module")
def hostile_server(api_built, tmp_path_factory):
    """The service under gunicorn over `api_built`'s databases."""
    with serving(api_built, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as running:
        yield running


def test_through_gunicorn(hostile_server, spec, checker, api_built):
    """The real HTTP stack: every hostile value of the gap endpoint's parameters, percent-encoded,
    is a 422, or the documented 414 when it makes the request line longer than gunicorn reads; raw
    control characters are a 400 from gunicorn; each in the error shape; the service answers on."""
    before = checksums(api_built)
    path, _, query_params = next(op for op in operations(spec) if op[0] == "/api/v1/skill-gap-by-lvl")
    refused = 0
    for name, schema in query_params.items():
        for kind, value in hostile_values(valid_value(name, schema), schema).items():
            query = {"from": VALID["from"], "to": VALID["to"], name: value}
            target = url(path, {}, list(query.items()))
            too_long = len(f"GET {target} HTTP/1.1") > REQUEST_LINE_LIMIT
            expected = 414 if too_long else 200 if is_valid(schema, value) else 422
            response = hostile_server.get(target)
            assert response.status_code == expected, (name, kind, response.text[:300])
            if expected != 200:
                checker.check(path, "get", expected, response.json())
                code = "request_line_too_long" if too_long else "invalid_parameter"
                assert response.json()["code"] == code, (name, kind)
                assert {h: response.headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS, (name, kind)
            refused += too_long
    assert refused >= 2  # the 10 kB values of each parameter, at least
    for head in (
        b"GET /api/v1/skill-gap?from=\x00&to=\r HTTP/1.1",
        b"GET /api/v1/skill-gap?from=15-1251.00\x1b HTTP/1.1",
    ):
        error = assert_json_error(*raw_request(hostile_server, head), 400, checker)
        assert (error["code"], error["message"]) == ("bad_request", "The request line is not valid HTTP/1.1.")
        assert error["details"]["reason"].startswith("Invalid HTTP request line: 'GET /api/v1/skill-gap?from=")
    error = assert_json_error(*raw_request(hostile_server, b"GET /api/v1/skill-gap HTTP/1.1\r\nX: \x00"), 400, checker)
    assert (error["code"], error["message"]) == ("bad_request", "A request header is not valid HTTP/1.1.")
    assert error["details"] == {"reason": "Invalid HTTP Header: 'X'"}
    assert hostile_server.get("/health").status_code == 200
    assert checksums(api_built) == before


@pytest.mark.parametrize("length", [4095, 8191, 20000])
def test_a_request_line_over_the_limit_is_the_documented_414(hostile_server, checker, length):
    prefix = "/api/v1/occupations?q="
    target = prefix + "a" * (length - len(f"GET {prefix} HTTP/1.1"))
    assert len(f"GET {target} HTTP/1.1") == length
    response = hostile_server.get(target)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/json"
    assert {h: response.headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS
    error = response.json()
    checker.check("/api/v1/occupations", "get", 414, error)
    assert error["code"] == "request_line_too_long"
    read = error["details"]["read_bytes"]
    # gunicorn stops reading once it has more than the limit: all of a short line, a chunk of a long one.
    assert error["details"] == {"limit_bytes": REQUEST_LINE_LIMIT, "read_bytes": read}
    assert REQUEST_LINE_LIMIT < read <= length + 2
    assert error["message"] == (
        f"The request line (method, path and query) is over {REQUEST_LINE_LIMIT:,} bytes, the most accepted"
        f" ({read:,} read before it was refused)."
    )
    # gunicorn logs the refusal as it always has.
    assert f"Invalid request from ip=127.0.0.1: Request Line is too large ({read} > {REQUEST_LINE_LIMIT})" in (
        hostile_server.log.read_text()
    )
    assert hostile_server.get("/health").status_code == 200


def test_the_longest_request_line_read_reaches_the_service(hostile_server, checker):
    prefix = "/api/v1/occupations?q="
    target = prefix + "a" * (REQUEST_LINE_LIMIT - len(f"GET {prefix} HTTP/1.1"))
    response = hostile_server.get(target)
    assert response.status_code == 422
    checker.check("/api/v1/occupations", "get", 422, response.json())
    assert "q" in response.json()["details"]["parameters"]


@pytest.mark.parametrize(
    ("headers", "message", "details"),
    [
        (
            [f"X-Field-{i}: 1" for i in range(101)],
            "The request has over 100 header fields, the most accepted.",
            {"limit_fields": 100},
        ),
        (
            ["X-Large: " + "a" * 9000],
            "A request header field is over 8,190 bytes, the most accepted.",
            {"limit_field_bytes": 8190},
        ),
        (
            ["X-Larger: " + "a" * 900_000],
            "The request's headers are larger than 100 fields of 8,190 bytes, the most accepted.",
            {"limit_fields": 100, "limit_field_bytes": 8190},
        ),
    ],
    ids=["too many", "one too large", "all too large"],
)
def test_too_many_or_too_large_headers_are_a_json_431(hostile_server, checker, headers, message, details):
    head = "\r\n".join(["GET /api/v1/meta HTTP/1.1", *headers]).encode()
    error = assert_json_error(*raw_request(hostile_server, head), 431, checker)
    assert (error["code"], error["message"], error["details"]) == ("request_headers_too_large", message, details)
    assert hostile_server.get("/health").status_code == 200
