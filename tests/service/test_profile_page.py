"""The "My skills" page: the questionnaire rendered from the release's anchors through the test
client, then in headless Chromium on a phone-sized window against the running service: answered
with the keyboard, the matches and the gap chart against the API's answers for the profile sent,
a screenshot, and axe-core."""

from __future__ import annotations

import dataclasses
import html as html_text
import json
import re

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from service.api.context import current_published
from service.pages.profile import questionnaire
from tests.conftest import REPO
from tests.service import csp
from tests.service.app_config import service_config
from tests.service.browser import axe_problems, full_page_screenshot, phone_browser

OUT = REPO / "tests" / "out" / "profile"
SKIP, NOT_AT_ALL = 0, 1  # the first two choices of every element; its anchors follow, lowest first
# By element id, the choice picked: Reading Comprehension, Writing, Critical Thinking, Programming;
# Computers and Electronics, English Language. Every other element is skipped.
ANSWERS = {"2.A.1.a": 3, "2.A.1.c": NOT_AT_ALL, "2.A.2.a": 4, "2.B.3.e": 2, "2.C.3.a": 4, "2.C.7.a": 3}
FIELDSET = re.compile(r'<fieldset class="question" data-element="([^"]+)">(.*?)</fieldset>', re.DOTALL)
CHOICE = re.compile(r'<label><input type="radio" name="([^"]+)" value="([^"]*)"( checked)?> (.*?)</label>')


def questions(html: str) -> dict[str, dict]:
    """Per element id, in the page's order: its legend's text and its choices (value, label, checked)."""
    found = {}
    for element_id, body in FIELDSET.findall(html):
        legend = re.search(r"<legend>(.*?)</legend>", body).group(1)
        choices = CHOICE.findall(body)
        assert {name for name, *_ in choices} == {element_id}
        found[element_id] = {
            "legend": html_text.unescape(re.sub(r"<[^>]+>", "", legend)),
            "choices": [(value, html_text.unescape(label), bool(checked)) for _, value, checked, label in choices],
        }
    return found


def test_the_questionnaire_offers_every_rated_element_its_anchors(client):
    html = client.get("/profile").get_data(as_text=True)
    rated = [d["domain"] for d in client.get("/api/v1/domains").get_json() if d["has_data"]]
    assert rated == ["skills", "knowledge"]
    assert re.findall(r'<section class="questions"[^>]*data-domain="([^"]+)"', html) == rated
    elements = [
        e for domain in rated for e in client.get("/api/v1/elements", query_string={"domain": domain}).get_json()
    ]
    shown = questions(html)
    assert list(shown) == [e["element_id"] for e in elements] and len(shown) == 68
    for element in elements:
        question = shown[element["element_id"]]
        assert question["legend"] == f"{element['name']} {element['description']}"
        anchors = client.get(f"/api/v1/elements/{element['element_id']}/anchors").get_json()["anchors"]
        assert len(anchors) == 3
        assert question["choices"] == [
            ("", "Skip", True),
            ("0.00", "Not at all", False),
            *((f"{a['level']:.2f}", a["description"], False) for a in anchors),
        ]


def test_an_element_without_anchors_offers_the_levels(app):
    with app.app_context():
        reference = current_published().reference
    anchors = {element_id: listed for element_id, listed in reference.anchors.items() if element_id != "2.B.3.e"}
    sections = questionnaire(dataclasses.replace(reference, anchors=anchors))
    offered = {e["element_id"]: e["anchors"] for section in sections for e in section["elements"]}
    assert offered["2.B.3.e"] == [(float(level), f"Level {level} of 7") for level in range(1, 8)]
    assert offered["2.A.1.a"] == [(level / 100, text) for level, text in reference.anchors["2.A.1.a"]]


def test_page_has_only_its_own_script_and_styles(client):
    response = client.get("/profile")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/profile/assets/profile.js" defer>']
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', html) == [
        "/compare/assets/compare.css",
        "/profile/assets/profile.css",
    ]
    assert not re.search(r"\son[a-z]+=", html) and " style=" not in html
    # The answers are never put in an address: the form posts, and only the script sends them.
    assert re.search(r'<form id="profile-form" method="post"', html)
    for asset, mimetype in (("profile.js", "text/javascript"), ("profile.css", "text/css")):
        served = client.get(f"/profile/assets/{asset}")
        assert served.status_code == 200 and served.mimetype == mimetype


def test_the_pages_link_to_each_other(client):
    assert '<a href="/profile">My skills</a>' in client.get("/compare").get_data(as_text=True)
    assert '<a href="/compare">Compare two occupations</a>' in client.get("/profile").get_data(as_text=True)


def test_database_away_is_503_page(make_client, built_settings, proxy):
    client = make_client(service_config(built_settings, port=proxy.port, connect_timeout=1, release_check_seconds=0))
    proxy.stop()
    response = client.get("/profile")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "cannot be read right now" in html and "<fieldset" not in html


def levels_of(driver) -> dict[str, str]:
    """The form read back: the value of each element's checked choice ("" skipped)."""
    return driver.execute_script(
        "return Object.fromEntries(Array.from(document.querySelectorAll('fieldset[data-element]'),"
        " f => [f.dataset.element, f.querySelector('input:checked').value]))"
    )


def active_id(driver) -> str | None:
    return driver.switch_to.active_element.get_attribute("id")


def open_page(driver, server) -> None:
    driver.get(server.url + "/profile")
    WebDriverWait(driver, 10).until(lambda d: d.find_element(By.CSS_SELECTOR, "button[type=submit]").is_enabled())


@pytest.fixture(scope="module")
def browser():
    OUT.mkdir(parents=True, exist_ok=True)
    yield from phone_browser()


def test_profile_in_chromium_answered_with_the_keyboard(browser, server):
    OUT.mkdir(parents=True, exist_ok=True)
    open_page(browser, server)
    # Nothing answered: nothing is sent.
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert browser.find_element(By.ID, "form-status").text.startswith("Answer at least one question first")
    form = browser.find_element(By.ID, "profile-form")
    assert form.get_attribute("data-profile") is None and not browser.find_element(By.ID, "results").is_displayed()

    open_page(browser, server)
    browser.save_screenshot(str(OUT / "profile-questions-phone.png"))
    assert axe_problems(browser) == []

    ids = [f.get_attribute("data-element") for f in browser.find_elements(By.CSS_SELECTOR, "fieldset.question")]
    assert len(ids) == 68 and set(ANSWERS) <= set(ids)

    # Tab past the link to /compare into the first element's choices (Skip is checked), then each
    # element: arrow keys down to the choice, Tab to the next; Space on the button at the end.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB, Keys.TAB)
    focused = browser.switch_to.active_element
    assert (focused.get_attribute("name"), focused.get_attribute("value")) == (ids[0], "")
    keys = [key for element_id in ids for key in [Keys.ARROW_DOWN] * ANSWERS.get(element_id, SKIP) + [Keys.TAB]]
    ActionChains(browser).send_keys(*keys).perform()
    assert browser.switch_to.active_element.get_attribute("type") == "submit"

    expected = []
    for element_id in ids:
        choice = ANSWERS.get(element_id, SKIP)
        if choice == NOT_AT_ALL:
            expected.append({"element_id": element_id, "level": 0.0})
        elif choice != SKIP:
            anchors = server.get(f"/api/v1/elements/{element_id}/anchors").json()["anchors"]
            expected.append({"element_id": element_id, "level": anchors[choice - 2]["level"]})
    answered = {e["element_id"]: f"{e['level']:.2f}" for e in expected}
    assert levels_of(browser) == {element_id: answered.get(element_id, "") for element_id in ids}

    ActionChains(browser).send_keys(Keys.SPACE).perform()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#matches li"))
    assert active_id(browser) == "matches-heading"
    form = browser.find_element(By.ID, "profile-form")
    # The profile sent is the answers, the skipped elements left out.
    assert json.loads(form.get_attribute("data-profile")) == expected

    matches = server.post("/api/v1/profiles/matches", json={"levels": expected, "limit": 10}).json()["matches"]
    shown = browser.find_elements(By.CSS_SELECTOR, "#matches li")
    assert len(matches) == 10
    assert [li.get_attribute("data-code") for li in shown] == [m["code"] for m in matches]
    for li, match in zip(shown, matches, strict=True):
        assert li.find_element(By.CSS_SELECTOR, "button.match").text == match["title"]
        meta = li.find_element(By.CSS_SELECTOR, ".meta").text
        gaps = f"{match['gap_count']} gap{'' if match['gap_count'] == 1 else 's'}"
        assert meta.startswith(f"score {match['score']:.2f} · {gaps}")
        assert all(gap["name"] in meta for gap in match["top_gaps"])

    # Tab from the heading to the first match with gaps, Enter on it.
    chosen = next(i for i, m in enumerate(matches) if m["gap_count"])
    ActionChains(browser).send_keys(*[Keys.TAB] * (chosen + 1)).perform()
    assert browser.switch_to.active_element.text == matches[chosen]["title"]
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "gap").is_displayed())
    assert active_id(browser) == "gap-heading"
    title, code = matches[chosen]["title"], matches[chosen]["code"]
    assert browser.find_element(By.ID, "gap-heading").text == f"Gap to {title}"

    answer = server.post("/api/v1/profiles/gap", json={"levels": expected, "to": code}).json()
    assert len(answer["gaps"]) == matches[chosen]["gap_count"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#gap-chart .chart-row")
    assert [row.get_attribute("data-element") for row in rows] == [g["element_id"] for g in answer["gaps"]]
    for row, gap in zip(rows, answer["gaps"], strict=True):
        assert float(row.get_attribute("data-from-level")) == gap["from_level"]
        assert float(row.get_attribute("data-to-level")) == gap["to_level"]
        bars = {
            name: float(row.find_element(By.CSS_SELECTOR, f".{name}").get_attribute("width"))
            for name in ("bar-from", "bar-to", "bar-gap")
        }
        assert bars["bar-from"] == pytest.approx(gap["from_level"] / 7 * 100, abs=0.01)
        assert bars["bar-to"] == pytest.approx(gap["to_level"] / 7 * 100, abs=0.01)
        assert bars["bar-gap"] == pytest.approx(bars["bar-to"] - bars["bar-from"], abs=0.011)
        assert row.find_element(By.CSS_SELECTOR, ".chart-name").text == gap["name"]
        values = row.find_element(By.CSS_SELECTOR, ".chart-values").text
        assert values == f"{gap['from_level']:.2f} → {gap['to_level']:.2f} gap +{gap['difference']:.2f}"
        anchors = row.find_element(By.CSS_SELECTOR, ".chart-anchors").text
        yours = gap["from_anchor"] if gap["from_level"] else "not at all"
        assert anchors == f"You: {yours}\n{title}: {gap['to_anchor']}"
    skipped = len(answer["not_assessed"])
    summary = browser.find_element(By.ID, "gap-summary").text
    assert skipped > 0 and f"The {skipped} elements it rates that you skipped are not counted." in summary

    # Nothing of the answers is kept in the browser.
    assert browser.get_cookies() == []
    assert browser.execute_script("return localStorage.length + sessionStorage.length") == 0
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    full_page_screenshot(browser, OUT / "profile-results-phone.png", element_id="results")
    assert (OUT / "profile-results-phone.png").stat().st_size > 10_000
    assert axe_problems(browser) == []
    assert csp.violations(browser) == []
