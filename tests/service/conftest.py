"""Service fixtures: the app over the session's built marts, the checked client
(checked_client.py), the service under gunicorn (gunicorn_server.py) and the database proxy
(proxy.py)."""

from __future__ import annotations

import os

import pytest

from service import create_app
from service.config import ServiceConfig
from tests.conftest import server_connection
from tests.service.app_config import service_config
from tests.service.checked_client import CheckedClient, ResponseChecker, checked_client
from tests.service.gunicorn_server import serving
from tests.service.proxy import Proxy


@pytest.fixture(scope="session")
def app(built_settings):
    app = create_app(service_config(built_settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def spec(app) -> dict:
    return app.test_client().get("/openapi.json").get_json()


@pytest.fixture(scope="session")
def checker(spec) -> ResponseChecker:
    return ResponseChecker(spec)


@pytest.fixture
def client(app, checker) -> CheckedClient:
    return checked_client(app, checker)


@pytest.fixture
def make_client(checker):
    """A checked client for an app with other settings (another database, a cut connection)."""

    def make(config: ServiceConfig) -> CheckedClient:
        app = create_app(config)
        app.config["TESTING"] = True
        return checked_client(app, checker)

    return make


@pytest.fixture
def proxy(built_settings):
    p = Proxy((built_settings.host, built_settings.port))
    p.start()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def server(built_settings, tmp_path_factory):
    """The service under gunicorn over the session's marts."""
    with serving(built_settings, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as running:
        yield running


@pytest.fixture
def copied_marts(built_settings):
    """A private copy of the marts the in-memory answers read, to change under a running app (named
    after this process: every worker shares the session's databases)."""
    name = f"{built_settings.database}_copy{os.getpid()}"
    tables = (
        "dim_occupations",
        "dim_alternate_titles",
        "dim_elements",
        "fct_occupation_ratings",
        "fct_occupation_technology",
        "release_info",
    )
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"create database `{name}` character set utf8mb4 collate utf8mb4_unicode_ci")
        for table in (*tables, "related_occupations", "dim_domains", "dim_level_anchors"):
            cur.execute(f"create table `{name}`.{table} as select * from `{built_settings.database}`.{table}")
    yield name
    with server_connection(built_settings) as conn, conn.cursor() as cur:
        cur.execute(f"drop database `{name}`")


@pytest.fixture(scope="module")
def onet(api_built):
    """A local O*NET Web Services (tests/service/fake_onet.py) that rates Software Developers (the
    release's Programmers, changed: `developer_ratings`), and knows two occupations it rates nowhere."""
    from pytest_httpserver import HTTPServer

    from tests.service.fake_onet import SOFTWARE_DEVELOPERS, FakeOnet, developer_ratings, rating_rows

    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    fake = FakeOnet(server)
    ratings = developer_ratings(api_built)
    fake.add_occupation(
        SOFTWARE_DEVELOPERS,
        "Software Developers",
        rating_rows(SOFTWARE_DEVELOPERS, "Software Developers", ratings["skills"]),
        rating_rows(SOFTWARE_DEVELOPERS, "Software Developers", ratings["knowledge"]),
    )
    # Rated in the release, not by O*NET Web Services.
    fake.add_occupation("15-1299.09", "Information Technology Project Managers", [], [])
    # Rated by neither.
    fake.add_occupation("11-1031.00", "Legislators", [], [])
    fake.expected = ratings
    yield fake
    server.clear()
    server.stop()
