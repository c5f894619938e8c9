"""The Swagger UI and ReDoc pages in headless Chromium, with the service on localhost: they render
the operations under their Content-Security-Policy, which they do not violate, and no request
leaves the machine."""

from __future__ import annotations

import json
import shutil
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.service import csp

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(flag)
    # Any name but the loopback one fails to resolve, so a request meant for a CDN shows up in the log.
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", **csp.LOG_PREFS})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    csp.watch(driver)
    yield driver
    driver.quit()


def requests_made(driver) -> dict[str, str | None]:
    """Each URL the page asked for, with the reason the browser blocked it before sending (or None)."""
    urls, blocked = {}, {}
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message["params"]
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            blocked[params["requestId"]] = params.get("blockedReason")
    return {url: blocked.get(request_id) for request_id, url in urls.items()}


def assert_nothing_leaves(requests: dict[str, str | None], server) -> None:
    assert requests
    outside = {
        url: reason
        for url, reason in requests.items()
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and not url.startswith(server.url)
    }
    # ReDoc asks for its logo on a CDN; the page's Content-Security-Policy stops it in the browser.
    assert {url: reason for url, reason in outside.items() if reason != "csp"} == {}


def test_swagger_ui_renders_every_operation_from_local_files(browser, server):
    requests_made(browser)  # drop earlier entries
    browser.get(server.url + "/docs")
    WebDriverWait(browser, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")) >= 10)
    paths = {e.get_attribute("data-path") for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
    assert {"/api/v1/skill-gap", "/api/v1/skill-gap-by-lvl", "/skill-gap", "/api/v1/occupations/{code}"} <= paths
    assert "O*NET skill gap API" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
    requests = requests_made(browser)
    assert server.url + "/openapi.json" in requests
    assert_nothing_leaves(requests, server)
    assert csp.violations(browser) == []


def test_redoc_renders_from_local_files(browser, server):
    requests_made(browser)
    browser.get(server.url + "/redoc")
    WebDriverWait(browser, 30).until(lambda d: "skill-gap-by-lvl" in d.find_element(By.TAG_NAME, "body").text)
    assert_nothing_leaves(requests_made(browser), server)
    # Its one violation, by design: the sidebar's logo, which the bundle always asks of a CDN.
    violations = csp.violations(browser)
    assert violations and all("img-src" in v and REDOC_LOGO in v for v in violations), violations
