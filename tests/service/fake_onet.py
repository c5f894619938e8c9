"""A local O*NET Web Services (version 2), answering as its reference manual documents: the key in
the X-API-Key header (401 without a valid one), `about/` with the database version, the database
rows endpoints filtered on `onetsoc_code.eq.<code>` and paged with `start`/`end` (`start`, `end`,
`total`, `next`/`prev` links, rows in `row`), and 422 with an `error` message for a code it does not
know (or knows only in an older taxonomy). A test queues other answers (429, 5xx, slow, malformed).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.conftest import query

KEY = "test-onet-key-4f1c9a"
VERSION = "30.0"
ROWS = re.compile(r"^/database/rows/(?P<table>[a-z_]+)$")
OCCUPATION = re.compile(r"^/online/occupations/(?P<code>[^/]+)/$")
TABLES = {"skills": "Skills", "knowledge": "Knowledge"}
# Codes in an older taxonomy only: the service answers 422, as for unknown codes.
OBSOLETE = {"15-1132.00": "Software Developers, Applications"}


@dataclass
class Call:
    path: str
    args: dict
    headers: dict


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {}, content_type="application/json")


def error(status: int, message: str, headers: dict | None = None) -> Callable[[Call], Response]:
    return lambda call: json_response({"error": message}, status, headers)


def slow(seconds: float) -> Callable[[Call], Response]:
    """An answer that comes after `seconds` (past the client's timeout)."""

    def reply(call: Call) -> Response:
        time.sleep(seconds)
        return json_response({"error": "too late"}, 200)

    return reply


def malformed(text: str = '{"start": 1, "end": 2, "total": 2, "row": [{"onetsoc_code": ') -> Callable:
    return lambda call: Response(text, status=200, content_type="application/json")


class FakeOnet:
    def __init__(self, server: HTTPServer):
        self.server = server
        self.calls: list[Call] = []
        # code -> table -> rows, shaped as the rows endpoints give them
        self.ratings: dict[str, dict[str, list[dict]]] = {}
        self.titles: dict[str, str] = {}
        self.max_page_size = 2000
        self._replies: list[tuple[str | None, Callable[[Call], Response]]] = []
        self._lock = threading.Lock()
        server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("/")

    def add_occupation(self, code: str, title: str, skills: list[dict], knowledge: list[dict]) -> None:
        """An occupation the service knows, with its rows (see `rating_rows`)."""
        self.titles[code] = title
        self.ratings[code] = {"skills": skills, "knowledge": knowledge}

    def queue(self, *replies: Callable[[Call], Response], path: str | None = None) -> None:
        """Answers for the next requests (whose path starts with `path`), in order; after them, the
        documented answers again."""
        with self._lock:
            self._replies.extend((path, reply) for reply in replies)

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self.calls.clear()

    def _handle(self, request: Request) -> Response:
        call = Call(request.path, dict(request.args), dict(request.headers))
        with self._lock:
            self.calls.append(call)
            reply = next(((p, r) for p, r in self._replies if p is None or request.path.startswith(p)), None)
            if reply:
                self._replies.remove(reply)
        if reply:
            return reply[1](call)
        if request.headers.get("X-API-Key") != KEY:
            return json_response({"error": "Invalid or missing API key"}, 401)
        if request.path == "/about/":
            return json_response(
                {
                    "api_version": "2.0",
                    "api_title": "O*NET Web Services",
                    "database": {"version": VERSION, "title": f"O*NET {VERSION} Database"},
                }
            )
        if match := ROWS.match(request.path):
            return self._rows(request, match.group("table"))
        if match := OCCUPATION.match(request.path):
            code = match.group("code")
            if code not in self.titles:
                return self._unknown(code)
            return json_response({"code": code, "title": self.titles[code]})
        return json_response({"error": f"Resource not found: {request.path}"}, 404)

    def _unknown(self, code: str) -> Response:
        if code in OBSOLETE:
            return json_response({"error": f"Occupation code {code} is obsolete (not in the current taxonomy)"}, 422)
        return json_response({"error": f"Occupation code {code} not found"}, 422)

    def _rows(self, request: Request, table: str) -> Response:
        if table not in TABLES:
            return json_response({"error": f"Table {table} not found"}, 404)
        rows: list[dict] = []
        for value in request.args.getlist("filter"):
            column, operator, target = value.split(".", 2)
            if (column, operator) != ("onetsoc_code", "eq"):
                return json_response({"error": f"Invalid filter {value}"}, 422)
            rows = self.ratings.get(target, {}).get(table, [])
        start = int(request.args.get("start", 1))
        end = int(request.args.get("end", 20))
        if start < 1 or end < start:
            return json_response({"error": "The start and end parameters are not valid"}, 422)
        end = min(end, start + self.max_page_size - 1)
        page = rows[start - 1 : end]
        body: dict = {
            "start": start,
            "end": start + len(page) - 1 if page else 0,
            "total": len(rows),
            "row": page,
        }
        size = end - start + 1
        query = {"filter": request.args.getlist("filter")}
        if body["end"] and body["end"] < len(rows):
            after = body["end"] + 1
            body["next"] = self._url(request.path, {**query, "start": after, "end": after + size - 1})
        if start > 1:
            body["prev"] = self._url(request.path, {**query, "start": max(1, start - size), "end": start - 1})
        return json_response(body)

    def _url(self, path: str, params: dict) -> str:
        return self.server.url_for(path) + "?" + urlencode(params, doseq=True)


def rating_rows(code: str, title: str, ratings: list[tuple], domain_source: str = "Analyst") -> list[dict]:
    """Rows as the rows endpoints give them, from (element_id, element_name, scale_id, value,
    recommend_suppress, not_relevant) tuples."""
    return [
        {
            "onetsoc_code": code,
            "title": title,
            "element_id": element_id,
            "element_name": name,
            "scale_id": scale,
            "scale_name": "Importance" if scale == "IM" else "Level",
            "data_value": float(Decimal(str(value))),
            "n": 8,
            "standard_error": 0.1875 if scale == "IM" else 0.25,
            "lower_ci_bound": None,
            "upper_ci_bound": None,
            "recommend_suppress": suppress,
            "not_relevant": not_relevant if scale == "LV" else None,
            "date_updated": "2025-08-01",
            "domain_source": domain_source,
        }
        for element_id, name, scale, value, suppress, not_relevant in ratings
    ]


SOFTWARE_DEVELOPERS = "15-1252.00"  # no ratings in the 29.3 release
PROGRAMMERS = "15-1251.00"  # rated in the release: the fake's Software Developers are built from it
DROPPED = "2.A.2.d"  # Monitoring: a skill the fake has no rows for (effective level 0)


def release_rows(settings, code: str, table: str) -> list[tuple]:
    return query(
        settings,
        f"select element_id, element_name, scale_id, data_value, recommend_suppress, not_relevant from {table}"
        " where onetsoc_code = %s order by element_id, scale_id",
        (code,),
    )


def developer_ratings(settings) -> dict[str, list[tuple]]:
    """Programmers' ratings, levels raised by 0.75 (at most 7), one skill left out, one Not Relevant."""
    ratings = {}
    for table in ("skills", "knowledge"):
        rows = []
        for element_id, name, scale, value, suppress, not_relevant in release_rows(settings, PROGRAMMERS, table):
            if element_id == DROPPED:
                continue
            if scale == "LV":
                value = min(Decimal("7"), value + Decimal("0.75"))
                not_relevant = "Y" if element_id == "2.B.3.e" else not_relevant  # Equipment Maintenance
            rows.append((element_id, name, scale, value, suppress, not_relevant))
        ratings[table] = rows
    return ratings
