"""The dbt docs site served by the service at /dbt-docs/: the files of `dbt docs generate`, and the
gap models browsable in headless Chromium."""

from __future__ import annotations

import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from service import create_app
from tests.service import csp
from tests.service.app_config import service_config
from tests.service.test_swagger_ui import assert_nothing_leaves, browser, requests_made  # noqa: F401


@pytest.fixture(scope="module")
def docs_app(built_settings, dbt_docs):
    return create_app(service_config(built_settings, dbt_docs_dir=dbt_docs))


@pytest.fixture(scope="module")
def docs_server(docs_app):
    server = make_server("127.0.0.1", 0, docs_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()


def test_the_site_files_are_served(docs_app):
    client = docs_app.test_client()
    assert client.get("/dbt-docs").status_code == 308
    index = client.get("/dbt-docs/")
    assert index.status_code == 200 and b"<html" in index.data.lower()
    manifest = client.get("/dbt-docs/manifest.json").get_json()
    assert "model.onet_skillgap.skill_gap_by_level" in manifest["nodes"]
    assert client.get("/dbt-docs/catalog.json").status_code == 200


def test_only_the_site_files_are_served(docs_app):
    response = docs_app.test_client().get("/dbt-docs/run_results.json")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"


def test_a_site_not_generated_says_how_to_generate_it(built_settings, tmp_path):
    app = create_app(service_config(built_settings, dbt_docs_dir=tmp_path))
    response = app.test_client().get("/dbt-docs/")
    assert response.status_code == 404
    body = response.get_json()
    assert body["code"] == "docs_not_generated" and "dbt docs generate" in body["message"]


def test_the_gap_models_can_be_found_in_the_site(browser, docs_server):  # noqa: F811
    requests_made(browser)
    browser.get(docs_server.url + "/dbt-docs/#!/model/model.onet_skillgap.skill_gap_by_level")
    WebDriverWait(browser, 60).until(lambda d: "skill_gap_by_level" in d.find_element(By.TAG_NAME, "body").text)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "skill_gap" in body and "from_level" in body
    assert_nothing_leaves(requests_made(browser), docs_server)
    assert csp.violations(browser) == []
