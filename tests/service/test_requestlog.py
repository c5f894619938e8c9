"""The request log: one line per request, and no credential a client put in the URL."""

from __future__ import annotations

import logging
import re


def test_one_line_per_request_with_its_path_status_and_time(client, caplog):
    with caplog.at_level(logging.INFO, logger="service.request"):
        client.get("/api/v1/skill-gap", query_string={"from": "15-1251.00", "to": "11-1011.00"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "service.request"]
    # (`cached` when another test asked the same before)
    assert re.fullmatch(r"GET /api/v1/skill-gap\?from=15-1251\.00&to=11-1011\.00 200 \d+\.\dms( cached)?", line), line


def test_an_answer_kept_from_before_is_logged_as_cached(client, caplog):
    body = {"levels": [{"element_id": "2.A.1.a", "level": 2.75}], "limit": 3}
    with caplog.at_level(logging.INFO, logger="service.request"):
        for _ in range(2):
            assert client.post("/api/v1/profiles/matches", json=body).status_code == 200
        client.get("/api/v1/meta")
    lines = [r.getMessage() for r in caplog.records if r.name == "service.request"]
    assert [line.endswith("ms cached") for line in lines] == [False, True, False], lines


def test_a_key_sent_in_the_url_is_not_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="service.request"):
        client.get("/api/v1/meta?api_key=sk-in-url-1&X-API-Key=sk-in-url-2&token=sk-in-url-3&q=kept")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "service.request"]
    assert "sk-in-url" not in line
    assert line.startswith("GET /api/v1/meta?api_key=[redacted]&X-API-Key=[redacted]&token=[redacted]&q=kept 200 ")
