"""The service under a real gunicorn process with the committed configuration."""

from __future__ import annotations

import re
import time

REQUESTS = [
    ("/health", 200),
    ("/health/ready", 200),
    ("/api/v1/meta", 200),
    ("/api/v1/domains", 200),
    ("/api/v1/occupations?q=chief%20executive", 200),
    ("/api/v1/occupations/11-1011.00", 200),
    ("/api/v1/elements?domain=knowledge", 200),
    ("/skill-gap?from=15-1251.00&to=11-1011.00", 200),
    ("/api/v1/skill-gap?from=15-1251.00&to=11-1011.00", 200),
    ("/api/v1/skill-gap-by-lvl?from=15-1251.00&to=11-1011.00&domain=knowledge", 200),
    ("/api/v1/skill-gap?from=15-1252.00&to=11-1011.00", 404),
    ("/api/v1/skill-gap?from=nope&to=11-1011.00", 422),
    ("/openapi.json", 200),
    ("/docs", 200),
]


def test_every_endpoint_answers_under_gunicorn(server, checker):
    for path, status in REQUESTS:
        response = server.get(path)
        assert response.status_code == status, path
        if response.headers["Content-Type"] == "application/json" and not path.startswith("/openapi"):
            template = path.split("?")[0]
            if template.startswith("/api/v1/occupations/"):
                template = "/api/v1/occupations/{code}"
            checker.check(template, "get", status, response.json())


def test_levels_are_numbers_on_the_wire(server):
    text = server.get("/api/v1/occupations/11-1011.00").text
    assert re.search(r'"element_id":\s*"2\.A\.1\.a"', text)
    assert re.search(r'"importance":\s*4\.12\b', text) and re.search(r'"level":\s*4\.62\b', text)


def test_one_log_line_per_request(server):
    marker = f"/api/v1/occupations?q=logline{time.monotonic_ns()}"
    server.get(marker)
    server.get("/api/v1/skill-gap?from=15-1251.00&to=99-9999.00")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and marker not in server.log.read_text():
        time.sleep(0.1)
    lines = server.log.read_text().splitlines()
    mine = [line for line in lines if marker in line]
    assert len(mine) == 1
    assert re.search(r"GET /api/v1/occupations\?q=logline\d+ 200 \d+\.\dms$", mine[0])
    assert sum("to=99-9999.00 404 " in line for line in lines) == 1
