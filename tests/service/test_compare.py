"""The compare page: rendered answers through the test client, then in headless Chromium on a
phone-sized window against the running service: keyboard picking, the chart's numbers against the
API's, a screenshot, and axe-core."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import REPO
from tests.service import csp
from tests.service.app_config import service_config
from tests.service.browser import axe_problems, full_page_screenshot, phone_browser

OUT = REPO / "tests" / "out" / "compare"
PROGRAMMERS, CEO, SOFTWARE_DEVELOPERS = "15-1251.00", "11-1011.00", "15-1252.00"
UNLISTED = "11-9039.00"  # Education Administrators, All Other: no software in 28.2's Technology Skills.txt


def test_titles_from_the_pickers_redirect_to_the_shareable_codes(client):
    response = client.get("/compare", query_string={"from": "computer programmers", "to": f"Chief Executives ({CEO})"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compare?from={PROGRAMMERS}&to={CEO}"


def test_page_has_only_its_own_script_and_styles(client):
    response = client.get("/compare", query_string={"from": PROGRAMMERS, "to": CEO})
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.get_data(as_text=True)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/compare/assets/compare.js" defer>']
    assert not re.search(r"\son[a-z]+=", html) and " style=" not in html
    assert client.get("/compare/assets/compare.js").status_code == 200


def test_unknown_occupation_is_404_with_the_pickers(client):
    response = client.get("/compare", query_string={"from": "99-9999.00"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No occupation matches “99-9999.00”." in html and 'id="to-input"' in html


def test_unrated_occupation_says_why_and_shows_onets_list(client):
    html = client.get("/compare", query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO}).get_data(as_text=True)
    assert "Software Developers (15-1252.00) has no skills or knowledge ratings" in html
    assert 'class="chart"' not in html
    assert "O*NET's own related occupations" in html and "Primary-Short" in html


def technology_shown(html: str) -> list[str]:
    """The category ids of the page's technology section, in order."""
    section = html.split('id="technology"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'data-category="([^"]+)"', section)


def test_technology_gap_is_under_the_skill_levels_as_the_api_answers_it(client):
    html = client.get("/compare", query_string={"from": PROGRAMMERS, "to": CEO}).get_data(as_text=True)
    headings = [html.index(f'id="{name}-heading"') for name in ("levels", "gaps", "technology", "transitions")]
    assert headings == sorted(headings)
    answer = client.get("/api/v1/technology-gap", query_string={"from": PROGRAMMERS, "to": CEO}).get_json()
    assert answer["gaps"] and technology_shown(html) == [g["category_id"] for g in answer["gaps"]]
    for gap in answer["gaps"]:
        assert all(escape(example["name"]) in html for example in gap["examples"])
    total = len(answer["gaps"]) + answer["shared_category_count"]
    assert f"Chief Executives uses software in {total} categories." in html


def test_technology_gap_needs_no_ratings(client):
    html = client.get("/compare", query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO}).get_data(as_text=True)
    assert "has no skills or knowledge ratings" in html
    answer = client.get("/api/v1/technology-gap", query_string={"from": SOFTWARE_DEVELOPERS, "to": CEO}).get_json()
    assert technology_shown(html) == [g["category_id"] for g in answer["gaps"]]


def test_a_target_without_software_says_so(client):
    html = client.get("/compare", query_string={"from": CEO, "to": UNLISTED}).get_data(as_text=True)
    assert f"({UNLISTED}) lists no software in O*NET 29.3." in html and technology_shown(html) == []


def test_database_away_is_503_page(make_client, built_settings, proxy):
    client = make_client(service_config(built_settings, port=proxy.port, connect_timeout=1, release_check_seconds=0))
    proxy.stop()
    response = client.get("/compare", query_string={"from": PROGRAMMERS, "to": CEO})
    assert response.status_code == 503
    assert "cannot be read right now" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def browser():
    OUT.mkdir(parents=True, exist_ok=True)
    yield from phone_browser()


def pick(browser, text: str, expected: str) -> None:
    """Type into the focused picker, go down the matches with the arrow key to `expected`, press Enter."""
    picker = browser.switch_to.active_element
    picker.send_keys(text)
    WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#{picker.get_attribute('aria-controls')} [role=option]")
    )
    options = browser.find_elements(By.CSS_SELECTOR, f"#{picker.get_attribute('aria-controls')} [role=option]")
    codes = [o.get_attribute("data-code") for o in options]
    assert expected in codes, codes
    for _ in range(codes.index(expected) + 1):
        picker.send_keys(Keys.ARROW_DOWN)
    assert picker.get_attribute("aria-activedescendant") == options[codes.index(expected)].get_attribute("id")
    picker.send_keys(Keys.ENTER)
    assert picker.get_attribute("aria-expanded") == "false"
    assert picker.get_attribute("value").endswith(f"({expected})")


def test_compare_in_chromium_picked_with_the_keyboard(browser, server):
    browser.get(server.url + "/compare")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "from-input"
    pick(browser, "computer programmers", PROGRAMMERS)
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "to-input"
    pick(browser, "chief executive", CEO)
    assert axe_problems(browser) == []
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.tag_name == "button"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "gap-table"))
    assert browser.current_url == f"{server.url}/compare?from={PROGRAMMERS}&to={CEO}"
    full_page_screenshot(browser, OUT / "compare-phone.png")
    assert (OUT / "compare-phone.png").stat().st_size > 10_000

    # Readable on a phone: nothing wider than the screen but the table's own scrolling region.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

    # The chart shows the API's effective levels, one row per element, gaps where the target is higher.
    ratings = {
        code: {
            (domain, r["element_id"]): r["effective_level"]
            for domain in ("skills", "knowledge")
            for r in server.get(f"/api/v1/occupations/{code}").json()["ratings"][domain]
        }
        for code in (PROGRAMMERS, CEO)
    }
    shown = 0
    for domain in ("skills", "knowledge"):
        rows = browser.find_elements(By.CSS_SELECTOR, f"#chart-{domain} .chart-row")
        assert len(rows) == len([key for key in ratings[CEO] if key[0] == domain])
        for row in rows:
            key = (domain, row.get_attribute("data-element"))
            source, target = ratings[PROGRAMMERS][key], ratings[CEO][key]
            assert float(row.get_attribute("data-from-level")) == source
            assert float(row.get_attribute("data-to-level")) == target
            bar_from = row.find_element(By.CSS_SELECTOR, ".bar-from").get_attribute("width")
            bar_to = row.find_element(By.CSS_SELECTOR, ".bar-to").get_attribute("width")
            assert float(bar_from) == pytest.approx(source / 7 * 100, abs=0.01)
            assert float(bar_to) == pytest.approx(target / 7 * 100, abs=0.01)
            assert ("gap" in row.get_attribute("class").split()) == (target > source)
            assert f"{source:.2f} → {target:.2f}" in row.text
            shown += 1
    assert shown == 68

    gaps = []
    for domain in ("skills", "knowledge"):
        answer = server.get("/api/v1/skill-gap-by-lvl", params={"from": PROGRAMMERS, "to": CEO, "domain": domain})
        gaps += answer.json()["gaps"]
    gaps.sort(key=lambda g: (-g["difference"], -g["importance"], g["element_id"]))
    table = browser.find_elements(By.CSS_SELECTOR, "#gap-table tbody tr")
    assert [r.get_attribute("data-element") for r in table] == [g["element_id"] for g in gaps]
    assert table[0].find_elements(By.CSS_SELECTOR, "td")[3].text == f"+{gaps[0]['difference']:.2f}"

    top = server.get(f"/api/v1/occupations/{PROGRAMMERS}/transitions").json()["transitions"]
    links = browser.find_elements(By.CSS_SELECTOR, ".transitions a")
    assert [a.text for a in links] == [t["title"] for t in top]
    assert links[0].get_attribute("href") == f"{server.url}/compare?from={PROGRAMMERS}&to={top[0]['code']}"

    assert axe_problems(browser) == []
    # Its strict policy (no inline script or style) holds for the page, its script and axe-core,
    # which runs through WebDriver's script execution: the page's policy does not apply to it.
    assert csp.violations(browser) == []


def test_technology_gap_in_chromium_reads_as_text(browser, server):
    """CEO to Programmers: many new categories, hot ones among them, each marked in words."""
    browser.get(f"{server.url}/compare?from={CEO}&to={PROGRAMMERS}")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "technology"))
    answer = server.get("/api/v1/technology-gap", params={"from": CEO, "to": PROGRAMMERS}).json()
    categories = browser.find_elements(By.CSS_SELECTOR, "#technology li[data-category]")
    assert [c.get_attribute("data-category") for c in categories] == [g["category_id"] for g in answer["gaps"]]
    assert sum(g["hot_count"] for g in answer["gaps"]) > 0
    for shown, gap in zip(categories, answer["gaps"], strict=True):
        assert shown.is_displayed()
        assert shown.find_element(By.TAG_NAME, "h3").text == gap["category"]
        examples = shown.find_elements(By.CSS_SELECTOR, ".examples li")
        assert [e.text for e in examples] == [
            x["name"] + (" hot" if x["hot"] else "") + (" in demand" if x["in_demand"] else "") for x in gap["examples"]
        ]
        assert len(shown.find_elements(By.CSS_SELECTOR, ".tag-hot")) == gap["hot_count"]
        assert f"{gap['hot_count']} hot · {gap['in_demand_count']} in demand" in shown.text
    summary = browser.find_element(By.ID, "technology-summary").text
    assert f"uses {answer['shared_category_count']} of them; the other {len(answer['gaps'])} are new" in summary
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    full_page_screenshot(browser, OUT / "compare-technology-phone.png", element_id="technology")
    assert (OUT / "compare-technology-phone.png").stat().st_size > 10_000
    assert axe_problems(browser) == []
    assert csp.violations(browser) == []
