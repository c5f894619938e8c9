"""Security headers: nosniff and frame denial on every response of every route, each HTML page's
Content-Security-Policy (docs/api.md, "Security headers"), and framing refused in Chromium. The
pages rendering under their policies without a violation is shown by the Chromium tests of each page
(test_compare.py, test_swagger_ui.py, test_dbt_docs.py)."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time

import pytest
from selenium.webdriver.common.by import By
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from service import create_app
from service.api.security import NOT_A_PAGE_POLICY, OWN_PAGE_POLICY
from tests.service.app_config import service_config
from tests.service.test_swagger_ui import browser  # noqa: F401

PROGRAMMERS, CEO = "15-1251.00", "11-1011.00"
# A value for each argument of a route; files that exist where a route serves files.
SAMPLES = {
    ("assets.swagger_ui_file", "filename"): "swagger-ui.css",
    ("assets.redoc_file", "filename"): "redoc.standalone.js",
    ("compare.static", "filename"): "compare.js",
    ("static", "filename"): "compare/compare.css",
    ("dbt_docs.site_file", "name"): "manifest.json",
}
DBT_INDEX = "<!doctype html><html><head><script>{script}</script></head><body>dbt</body></html>"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def sha256_source(script: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", html, re.DOTALL)


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory):
    """A dbt docs site of our own making: an index.html with one inline script, and a manifest."""
    path = tmp_path_factory.mktemp("dbt-docs")
    (path / "index.html").write_text(DBT_INDEX.format(script="window.site = 1;"))
    (path / "manifest.json").write_text("{}")
    return path


@pytest.fixture(scope="module")
def app(built_settings, docs_dir):
    app = create_app(service_config(built_settings, dbt_docs_dir=docs_dir))
    app.config["TESTING"] = True
    return app


def route_urls(app) -> list[str]:
    """A URL for every route of the app, a new one included without a change here."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        values = {arg: SAMPLES.get((rule.endpoint, arg), PROGRAMMERS) for arg in rule.arguments}
        urls.append(adapter.build(rule.endpoint, {**rule.defaults, **values} if rule.defaults else values))
    return sorted(set(urls))


def test_every_response_says_nosniff_and_refuses_framing(app):
    client = app.test_client()
    urls = route_urls(app)
    assert {"/compare", "/docs", "/redoc", "/dbt-docs/manifest.json", "/openapi.json", "/api/v1/skill-gap"} <= set(urls)
    responses = {url: client.get(url) for url in urls}
    # Errors and redirects too: the framework's own, the service's and the pages'.
    responses |= {
        "404": client.get("/nothing-here"),
        "405": client.post("/health"),
        "422": client.get("/api/v1/skill-gap", query_string={"from": "x", "to": CEO}),
        "404 unknown occupation": client.get("/api/v1/occupations/99-9999.00"),
        "404 page": client.get("/compare", query_string={"from": "99-9999.00"}),
        "302 page": client.get("/compare", query_string={"from": "computer programmers"}),
        "308": client.get("/dbt-docs"),
        "dbt docs site": client.get("/dbt-docs/"),
        "HEAD": client.head("/api/v1/meta"),
        "OPTIONS": client.options("/api/v1/meta"),
    }
    statuses = {response.status_code for response in responses.values()}
    assert {200, 302, 308, 404, 405, 422} <= statuses
    for url, response in responses.items():
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", url
        assert headers.get("X-Frame-Options") == "DENY", url
        assert directives(headers["Content-Security-Policy"])["frame-ancestors"] == ["'none'"], url
        if response.mimetype != "text/html":
            assert headers["Content-Security-Policy"] == NOT_A_PAGE_POLICY, url


def test_the_compare_page_allows_only_its_own_files(app):
    client = app.test_client()
    for response in (
        client.get("/compare", query_string={"from": PROGRAMMERS, "to": CEO}),
        client.get("/compare", query_string={"from": "99-9999.00"}),
        client.get("/compare"),
    ):
        assert response.mimetype == "text/html"
        policy = response.headers["Content-Security-Policy"]
        assert policy == OWN_PAGE_POLICY
        parsed = directives(policy)
        assert parsed["default-src"] == ["'none'"]
        assert parsed["script-src"] == parsed["style-src"] == ["'self'"]
        assert "unsafe" not in policy
        assert inline_scripts(response.get_data(as_text=True)) == []


def test_swagger_ui_allows_its_one_inline_script_by_hash(app):
    response = app.test_client().get("/docs")
    (script,) = inline_scripts(response.get_data(as_text=True))
    parsed = directives(response.headers["Content-Security-Policy"])
    assert parsed["script-src"] == ["'self'", sha256_source(script)]
    assert parsed["default-src"] == ["'none'"] and parsed["style-src"] == ["'self'"]
    assert parsed["connect-src"] == ["'self'"]


def test_redoc_runs_no_inline_script_and_may_inject_styles(app):
    response = app.test_client().get("/redoc")
    assert inline_scripts(response.get_data(as_text=True)) == []
    parsed = directives(response.headers["Content-Security-Policy"])
    assert parsed["script-src"] == ["'self'"]
    assert parsed["style-src"] == ["'self'", "'unsafe-inline'"]
    assert parsed["worker-src"] == ["'self'", "blob:"] and parsed["img-src"] == ["'self'", "data:"]


def test_the_dbt_docs_site_allows_the_inline_script_of_the_file_served(app, docs_dir):
    client = app.test_client()
    first = directives(client.get("/dbt-docs/").headers["Content-Security-Policy"])
    assert first["script-src"] == ["'self'", sha256_source("window.site = 1;"), "'unsafe-eval'"]
    assert first["style-src"] == ["'self'", "'unsafe-inline'"] and first["connect-src"] == ["'self'"]
    # `make docs` writes a new site: the new script is allowed, the old one no longer.
    time.sleep(0.01)
    (docs_dir / "index.html").write_text(DBT_INDEX.format(script="window.site = 2;"))
    second = directives(client.get("/dbt-docs/").headers["Content-Security-Policy"])
    assert second["script-src"] == ["'self'", sha256_source("window.site = 2;"), "'unsafe-eval'"]
    # Only the docs site may evaluate code.
    for page in ("/compare", "/docs", "/redoc"):
        assert "unsafe-eval" not in client.get(page).headers["Content-Security-Policy"], page


@pytest.fixture
def other_site(server):
    """Another local site, sent without any of the headers: `/` a page of its own, `/frames` a page
    framing it and the service's pages (a page from the loopback address, as Chromium lets only
    those frame loopback pages)."""
    paths = ("/compare", "/docs", "/redoc", "/openapi.json", "/health")

    def site(environ, start_response):
        if environ["PATH_INFO"] == "/frames":
            frames = "".join(f'<iframe src="{server.url}{path}"></iframe>' for path in paths)
            body = Response('<!doctype html><iframe src="/"></iframe>' + frames, mimetype="text/html")
        else:
            body = Response("<!doctype html><p>framed", mimetype="text/html")
        return body(environ, start_response)

    http = make_server("127.0.0.1", 0, site, threaded=True)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{http.server_port}", paths
    http.shutdown()


def test_browsers_refuse_to_frame_any_page_or_response(browser, other_site):  # noqa: F811
    url, framed = other_site
    browser.get(url + "/frames")
    deadline = time.monotonic() + 15
    while True:
        loaded = []
        for frame in browser.find_elements(By.TAG_NAME, "iframe"):
            browser.switch_to.frame(frame)
            loaded.append(browser.execute_script("return document.readyState == 'complete' && location.href"))
            browser.switch_to.default_content()
        if all(href and href != "about:blank" for href in loaded) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    # The other site's own page loads in its frame; each of the service's is refused.
    assert loaded[0] == url + "/"
    assert loaded[1:] == ["chrome-error://chromewebdata/"] * len(framed)
