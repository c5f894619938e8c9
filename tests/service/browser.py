"""Headless Chromium for the page tests: a phone-sized browser (Debian's chromium and its
ChromeDriver) that records CSP violations, axe-core's findings and full-page screenshots."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from tests.conftest import REPO
from tests.service import csp

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PHONE = (412, 915)


def phone_browser() -> Iterator[webdriver.Chrome]:
    """A phone-sized headless Chromium that reaches 127.0.0.1 only, watched for CSP violations."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        pytest.fail("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci)")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(flag)
    options.add_argument(f"--window-size={PHONE[0]},{PHONE[1]}")
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")
    options.set_capability("goog:loggingPrefs", csp.LOG_PREFS)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    csp.watch(driver)
    yield driver
    driver.quit()


def axe_problems(browser) -> list[dict]:
    """axe-core's serious and critical violations of WCAG 2.1 A/AA and its best practices."""
    browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',"
        " 'best-practice']}}).then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify(String(e))));"
    )
    violations = json.loads(result)
    assert isinstance(violations, list), violations
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]


def full_page_screenshot(browser, path: Path, element_id: str | None = None) -> None:
    """The whole page, or the whole of one element of it, as a phone shows it."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(PHONE[0], height)
    try:
        if element_id:
            browser.find_element(By.ID, element_id).screenshot(str(path))
        else:
            browser.save_screenshot(str(path))
    finally:
        browser.set_window_size(*PHONE)
