"""The O*NET Web Services (version 2) client: one occupation's skills and knowledge ratings, both
scales (importance IM and level LV), from the database rows endpoints.

The occupation reports (`online/occupations/<code>/...`) give importance only; the rows endpoints
(`database/rows/skills`, `database/rows/knowledge`, filtered on the code) give every scale of every
element, like the release's files. `about/` reports which O*NET database the service runs.

This module alone retries: 429 and 5xx answers, timeouts and dropped connections, with exponential
backoff (the server's Retry-After when it gives one), within one time budget for the whole fetch.
The key travels in the X-API-Key header only: it is in no URL, log line or exception message.
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import requests

from service.config import MAX_PAGE_SIZE, OnetApiConfig

# domain -> table id of the database rows endpoint (the `domain` values the dbt models use).
RATING_TABLES = {"skills": "skills", "knowledge": "knowledge"}
SCALES = ("IM", "LV")
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# O*NET asks for at least 200 ms between retries.
BACKOFF_INITIAL_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 10.0
# Below this, an attempt could not get an answer anyway: the fetch's time is up.
MIN_ATTEMPT_SECONDS = 0.2
USER_AGENT = "onet-skillgap (O*NET Web Services client)"
CODE_PATTERN = re.compile(r"\d{2}-\d{4}\.\d{2}")


class OnetApiError(Exception):
    """O*NET Web Services gave no usable answer. `status` is its HTTP status (None without one),
    `path` the request's path and query (never the key), `code` the occupation asked for."""

    def __init__(self, message: str, *, status: int | None = None, path: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.path = path
        self.code = code


class OnetApiNotConfigured(OnetApiError):
    """ONET_API_KEY is not set: the client makes no request."""


class OnetApiUnauthorized(OnetApiError):
    """401 or 403: the key is missing, wrong, revoked or not allowed this resource."""


class OnetApiUnknownCode(OnetApiError):
    """The service does not know the code, or knows it only in an older taxonomy (obsolete): it
    answers 422 with an `error` message, not 404."""


class OnetApiNoRatings(OnetApiUnknownCode):
    """The service knows the occupation but has no skills or knowledge ratings for it."""


class OnetApiRateLimited(OnetApiError):
    """Still 429 after every attempt, or the server asked to wait longer than the time left."""


class OnetApiUnavailable(OnetApiError):
    """No usable answer: timeouts, connection errors, 5xx after every attempt, another unexpected
    status, or a body that is not the JSON the endpoint documents."""


@dataclass(frozen=True)
class Page:
    """One answered request, as received: what the store keeps as the raw answer."""

    kind: str  # "about", or the domain whose rows the page holds
    url: str  # the full request URL (the key is in a header, never here)
    status: int
    body: Any  # the parsed JSON
    attempts: int


@dataclass(frozen=True)
class RatingRow:
    """One row of a rows endpoint: an element's rating on one scale, named as in the release."""

    onetsoc_code: str
    domain: str
    element_id: str
    element_name: str | None
    scale_id: str
    data_value: Decimal
    n: int | None = None
    standard_error: Decimal | None = None
    lower_ci_bound: Decimal | None = None
    upper_ci_bound: Decimal | None = None
    recommend_suppress: str | None = None  # "Y" / "N", as the API gives it
    not_relevant: str | None = None  # "Y" / "N"; NULL on IM rows
    date_updated: date | None = None
    domain_source: str | None = None


@dataclass(frozen=True)
class OccupationFetch:
    """Everything one fetch of an occupation got: the parsed rows, every raw page with its URL, and
    the O*NET database version the service reported (None when it did not say)."""

    onetsoc_code: str
    base_url: str
    fetched_at: datetime  # UTC, naive (as the store keeps it)
    onet_version: str | None
    rows: list[RatingRow]
    pages: list[Page]

    @property
    def requests(self) -> list[str]:
        return [page.url for page in self.pages]

    def domains(self) -> list[str]:
        """The domains with at least one rating row."""
        return sorted({row.domain for row in self.rows})


class OnetApiClient:
    """One `requests.Session` per client; thread-safe enough for a worker's threads (requests'
    sessions share a connection pool)."""

    def __init__(
        self,
        config: OnetApiConfig,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.config = config
        self._key = config.api_key
        self._base = config.base_url if config.base_url.endswith("/") else config.base_url + "/"
        self._sleep = sleep
        self._session = session or requests.Session()
        self._session.headers.update({"Accept": "application/json", "User-Agent": USER_AGENT})

    def close(self) -> None:
        self._session.close()

    def fetch_occupation(self, code: str) -> OccupationFetch:
        """The occupation's skills and knowledge ratings on both scales, with the raw pages and the
        service's database version. Raises an `OnetApiError` subclass when it cannot."""
        if not self.config.configured:
            raise OnetApiNotConfigured(
                "O*NET Web Services is not configured: set ONET_API_KEY to fetch occupations the release"
                " has no ratings for",
                code=code,
            )
        if not CODE_PATTERN.fullmatch(code):
            raise OnetApiUnknownCode(f"{code!r} is not an O*NET-SOC code (NN-NNNN.NN)", code=code)
        deadline = time.monotonic() + self.config.timeout_seconds
        fetched_at = datetime.now(UTC).replace(tzinfo=None)
        about = self._get("about", "about/", {}, code, deadline)
        pages = [about]
        rows: list[RatingRow] = []
        for domain, table in RATING_TABLES.items():
            domain_pages = self._rows_pages(domain, table, code, deadline)
            pages += domain_pages
            for page in domain_pages:
                rows += _parse_rows(page, domain, code, self._path(page.url))
        if not rows:
            # A filter matching nothing answers 200 with no rows: say whether the code is unknown.
            self._get("occupation", f"online/occupations/{code}/", {}, code, deadline)
            raise OnetApiNoRatings(
                f"O*NET Web Services has no skills or knowledge ratings for {code}", status=200, code=code
            )
        return OccupationFetch(
            onetsoc_code=code,
            base_url=self._base,
            fetched_at=fetched_at,
            onet_version=database_version(about.body),
            rows=_unique(rows, code),
            pages=pages,
        )

    def _rows_pages(self, domain: str, table: str, code: str, deadline: float) -> list[Page]:
        """Every page of one table's rows for the code, following the answer's paging."""
        size = max(1, min(self.config.page_size, MAX_PAGE_SIZE))
        params: dict[str, Any] = {"filter": f"onetsoc_code.eq.{code}", "start": 1, "end": size}
        path = f"database/rows/{table}"
        pages: list[Page] = []
        last_end = 0
        while True:
            page = self._get(domain, path, params, code, deadline)
            pages.append(page)
            body = page.body
            where = self._path(page.url)
            if not isinstance(body, dict):
                raise _malformed(where, code, "the answer is not a JSON object")
            start, end, total = (_integer(body.get(key)) for key in ("start", "end", "total"))
            if total is None or (total > 0 and (start is None or end is None)):
                raise _malformed(where, code, "the answer has no start, end and total")
            if total == 0 or end >= total:
                return pages
            if end <= last_end or len(pages) > total // size + 2:
                raise _malformed(where, code, f"paging does not advance (start {start}, end {end}, total {total})")
            last_end = end
            # The next page: the answer's `next` link (version 2) when it is one of ours, else the
            # documented start/end parameters.
            following = body.get("next")
            if isinstance(following, str) and following.startswith(self._base):
                path, query = following[len(self._base) :].split("?", 1) if "?" in following else (following, "")
                params = dict(parse_qsl(query, keep_blank_values=True))
            else:
                params = {**params, "start": end + 1, "end": end + size}

    def _get(self, kind: str, path: str, params: Mapping[str, Any], code: str, deadline: float) -> Page:
        """One GET with retries; a 2xx answer with a JSON body, or an `OnetApiError`."""
        url = urljoin(self._base, path) + (f"?{urlencode(params)}" if params else "")
        where = self._path(url)
        attempt = 0
        while True:
            attempt += 1
            timeout = deadline - time.monotonic()
            if timeout < MIN_ATTEMPT_SECONDS:
                raise OnetApiUnavailable(
                    f"O*NET Web Services did not answer GET {where} for {code} within"
                    f" ONET_API_TIMEOUT_SECONDS={self.config.timeout_seconds:g} s ({attempt - 1} attempts)",
                    path=where,
                    code=code,
                )
            try:
                response = self._session.get(
                    url, headers={"X-API-Key": self._key}, timeout=(min(timeout, 5.0), timeout), allow_redirects=False
                )
            except requests.Timeout:
                failure: OnetApiError = OnetApiUnavailable(
                    f"O*NET Web Services did not answer GET {where} for {code} in time ({attempt} attempts)",
                    path=where,
                    code=code,
                )
                delay = _backoff(attempt)
            except requests.RequestException as exc:
                failure = OnetApiUnavailable(
                    f"O*NET Web Services cannot be reached (GET {where} for {code}):"
                    f" {self._redact(type(exc).__name__ + ': ' + str(exc))}",
                    path=where,
                    code=code,
                )
                delay = _backoff(attempt)
            else:
                if 200 <= response.status_code < 300:
                    try:
                        body = response.json()
                    except ValueError:
                        raise _malformed(where, code, "the body is not JSON", response.status_code) from None
                    return Page(kind=kind, url=url, status=response.status_code, body=body, attempts=attempt)
                failure = self._failure(response, where, code, attempt)
                if response.status_code not in RETRY_STATUSES:
                    raise failure
                delay = _retry_after(response) or _backoff(attempt)
            if attempt >= self.config.max_attempts:
                raise failure
            if time.monotonic() + delay + MIN_ATTEMPT_SECONDS > deadline:
                raise type(failure)(
                    f"{failure.message}; a retry in {delay:.1f} s would pass"
                    f" ONET_API_TIMEOUT_SECONDS={self.config.timeout_seconds:g} s",
                    status=failure.status,
                    path=where,
                    code=code,
                )
            self._sleep(delay)

    def _failure(self, response: requests.Response, where: str, code: str, attempt: int) -> OnetApiError:
        status = response.status_code
        said = self._redact(_error_message(response))
        detail = f": {said}" if said else ""
        tries = f" ({attempt} attempt{'s' if attempt != 1 else ''})"
        if status in (401, 403):
            return OnetApiUnauthorized(
                f"O*NET Web Services refused the key ({status}) for GET {where}{detail}; check ONET_API_KEY",
                status=status,
                path=where,
                code=code,
            )
        if status == 422:
            return OnetApiUnknownCode(
                f"O*NET Web Services does not know {code} or it is obsolete (422 for GET {where}){detail}",
                status=status,
                path=where,
                code=code,
            )
        if status == 429:
            return OnetApiRateLimited(
                f"O*NET Web Services kept answering 429 (rate limit) for GET {where}{tries}{detail}",
                status=status,
                path=where,
                code=code,
            )
        return OnetApiUnavailable(
            f"O*NET Web Services answered {status} for GET {where} ({code}){tries}{detail}",
            status=status,
            path=where,
            code=code,
        )

    def _path(self, url: str) -> str:
        """The URL's path and query: what a message names (the key is never in a URL)."""
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "[ONET_API_KEY]") if self._key else text


def database_version(about: Any) -> str | None:
    """The O*NET database release the service reports in `about/` (e.g. "30.0"), else None."""
    if not isinstance(about, dict):
        return None
    database = about.get("database", about.get("onet_database"))
    candidates: list[Any] = []
    if isinstance(database, dict):
        candidates += [database.get(key) for key in ("version", "release", "name", "title")]
    else:
        candidates.append(database)
    candidates += [about.get(key) for key in ("database_version", "onet_version", "db_version")]
    for candidate in candidates:
        match = re.search(r"\b(\d{1,2}\.\d{1,2})\b", str(candidate)) if candidate is not None else None
        if match:
            return match.group(1)
    return None


def _parse_rows(page: Page, domain: str, code: str, where: str) -> list[RatingRow]:
    body = page.body
    rows = body.get("row", []) if isinstance(body, dict) else None
    if not isinstance(rows, list):
        raise _malformed(where, code, "`row` is not a list")
    parsed = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise _malformed(where, code, f"row {number} is not an object")
        scale = row.get("scale_id")
        if scale not in SCALES:
            continue  # scales the gap models do not read
        if row.get("onetsoc_code") not in (None, code):
            raise _malformed(where, code, f"row {number} is for {row.get('onetsoc_code')!r}")
        element_id = row.get("element_id")
        if not isinstance(element_id, str) or not re.fullmatch(r"[0-9A-Za-z.]{1,20}", element_id):
            raise _malformed(where, code, f"row {number} has no element_id")
        value = _decimal(row.get("data_value"))
        if value is None:
            raise _malformed(where, code, f"row {number} ({element_id} {scale}) has no numeric data_value")
        try:
            parsed.append(
                RatingRow(
                    onetsoc_code=code,
                    domain=domain,
                    element_id=element_id,
                    element_name=_text(row.get("element_name"), 150),
                    scale_id=scale,
                    data_value=value,
                    n=_integer(row.get("n")),
                    standard_error=_decimal(row.get("standard_error")),
                    lower_ci_bound=_decimal(row.get("lower_ci_bound")),
                    upper_ci_bound=_decimal(row.get("upper_ci_bound")),
                    recommend_suppress=_flag(row.get("recommend_suppress")),
                    not_relevant=_flag(row.get("not_relevant")),
                    date_updated=_date(row.get("date_updated")),
                    domain_source=_text(row.get("domain_source"), 30),
                )
            )
        except ValueError as exc:
            raise _malformed(where, code, f"row {number} ({element_id} {scale}): {exc}") from None
    return parsed


def _unique(rows: list[RatingRow], code: str) -> list[RatingRow]:
    """The rows, checked to hold one value per element and scale (the store's key)."""
    seen: dict[tuple[str, str, str], RatingRow] = {}
    for row in rows:
        key = (row.domain, row.element_id, row.scale_id)
        if key in seen and seen[key] != row:
            raise _malformed(
                f"database/rows/{RATING_TABLES[row.domain]}",
                code,
                f"two different {row.element_id} {row.scale_id} rows",
            )
        seen[key] = row
    return list(seen.values())


def _malformed(where: str, code: str, why: str, status: int | None = 200) -> OnetApiUnavailable:
    return OnetApiUnavailable(
        f"O*NET Web Services sent a malformed answer to GET {where} ({code}): {why}",
        status=status,
        path=where,
        code=code,
    )


def _error_message(response: requests.Response) -> str:
    """The `error` message of O*NET's error body (`{"error": "..."}`), else the start of the text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict) and isinstance(body.get("error"), str | dict):
        error = body["error"]
        return (error.get("message") if isinstance(error, dict) else error) or ""
    return json.dumps(body)[:200]


def _retry_after(response: requests.Response) -> float | None:
    """Retry-After in seconds (a number of seconds or an HTTP date), capped; None when absent."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), BACKOFF_MAX_SECONDS * 3)


def _backoff(attempt: int) -> float:
    return min(BACKOFF_INITIAL_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS) * random.uniform(0.5, 1.0)


def _integer(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _flag(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, str) and value.upper() in ("Y", "N"):
        return value.upper()
    raise ValueError(f"flag {value!r} is not Y or N")


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    text = str(value)
    for pattern in ("%Y-%m-%d", "%m/%Y"):
        try:
            return datetime.strptime(text[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date_updated {value!r} is not a date")


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text")
    return value[:limit]
