"""Content-Security-Policy violations a page meets in Chromium: the `securitypolicyviolation` events
of every document, caught by a listener the DevTools protocol installs before the page's own
scripts run (the page's policy cannot block it), and the browser console's CSP messages."""

from __future__ import annotations

from selenium.webdriver.remote.webdriver import WebDriver

LOG_PREFS = {"browser": "ALL"}
LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    {directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber}));
"""


def watch(driver: WebDriver) -> None:
    """Install the listener in every document the driver opens from now on."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTENER})


def violations(driver: WebDriver) -> list[str]:
    """The current page's violations (`<directive> blocked <what>`), then every CSP message in the
    console since the last call (Chromium logs each violation there too)."""
    events = driver.execute_script("return window.__cspViolations || []")
    found = [f"{v['directive']} blocked {v['blocked']}" for v in events]
    return found + [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
