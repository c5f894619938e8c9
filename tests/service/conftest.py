"""Service fixtures: the app over the session's built marts, a client that checks every response
against the OpenAPI document, a real gunicorn process, and a TCP proxy that can cut the database."""

from __future__ import annotations

import contextlib
import copy
import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator
from werkzeug.exceptions import HTTPException

from service import create_app
from service.config import ServiceConfig
from tests.conftest import REPO, database_env, server_connection

SCHEMA_CHECKED = "X-Schema-Checked"


def service_config(settings, **overrides) -> ServiceConfig:
    config = ServiceConfig(
        host=settings.host,
        port=settings.port,
        user=settings.user,
        password=settings.password,
        database=settings.database,
    )
    return replace(config, **overrides)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strict(spec: dict) -> dict:
    """The document with every object closed (additionalProperties: false), so an undocumented
    field in a response fails the check as surely as a missing one."""
    spec = copy.deepcopy(spec)

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node.setdefault("additionalProperties", False)
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(spec.get("components", {}))
    close(spec.get("paths", {}))
    return spec


class ResponseChecker:
    """Validates a response body against the schema the document gives its operation and status."""

    def __init__(self, spec: dict):
        self.spec = strict(spec)

    def schema_for(self, template: str, method: str, status: int) -> dict:
        operation = self.spec["paths"][template][method.lower()]
        responses = operation["responses"]
        response = responses.get(str(status)) or responses["default"]
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        return response["content"]["application/json"]["schema"]

    def check(self, template: str, method: str, status: int, body) -> None:
        self.validate(self.schema_for(template, method, status), body)

    def check_error(self, body) -> None:
        """An error of no documented operation (an unknown path, say): the default error response."""
        self.validate(
            self.spec["components"]["responses"]["DEFAULT_ERROR"]["content"]["application/json"]["schema"], body
        )

    def validate(self, schema: dict, body) -> None:
        # The components ride along so that `#/components/...` references resolve from this root.
        OAS30Validator({**schema, "components": self.spec["components"]}).validate(body)


class CheckedClient(FlaskClient):
    """A test client that checks every JSON response of a documented operation against its schema."""

    checker: ResponseChecker

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.mimetype != "application/json":
            return response
        request = response.request
        try:
            rule, _ = self.application.url_map.bind("localhost").match(
                request.path, method=request.method, return_rule=True
            )
            template = rule.rule.replace("<", "{").replace(">", "}")
        except HTTPException:
            template = None
        if template in self.checker.spec["paths"]:
            self.checker.check(template, request.method, response.status_code, response.get_json())
            response.headers[SCHEMA_CHECKED] = template
        elif response.status_code >= 400:
            self.checker.check_error(response.get_json())
            response.headers[SCHEMA_CHECKED] = "default"
        return response


@pytest.fixture(scope="session")
def service_settings(built_settings):
    return built_settings


@pytest.fixture(scope="session")
def app(service_settings):
    app = create_app(service_config(service_settings))
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="session")
def spec(app) -> dict:
    return app.test_client().get("/openapi.json").get_json()


@pytest.fixture(scope="session")
def checker(spec) -> ResponseChecker:
    return ResponseChecker(spec)


def checked_client(app, checker) -> CheckedClient:
    app.test_client_class = CheckedClient
    client = app.test_client()
    client.checker = checker
    return client


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


class Proxy:
    """A TCP proxy to the database server that the test can cut and restore."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Close the listener and every open connection, as a server that went away would."""
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxy(service_settings):
    p = Proxy((service_settings.host, service_settings.port))
    p.start()
    yield p
    p.stop()


class Server:
    def __init__(self, url: str, log: Path, process: subprocess.Popen):
        self.url = url
        self.log = log
        self.process = process

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)


@contextlib.contextmanager
def serving(settings, log: Path, **env: str):
    """The service under gunicorn with the committed gunicorn.conf.py, on a free local port, over
    `settings`' marts; `env` adds settings of the service."""
    port = free_port()
    env = {**database_env(settings), "SERVICE_PORT": str(port), **env}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(gunicorn), "-c", "gunicorn.conf.py"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(url + "/health", timeout=1).ok:
                break
        # A worker still starting on a busy machine answers late: wait on, up to the deadline.
        except (requests.ConnectionError, requests.Timeout):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    try:
        yield Server(url, log, process)
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def server(service_settings, tmp_path_factory):
    """The service under gunicorn over the session's marts."""
    with serving(service_settings, tmp_path_factory.mktemp("gunicorn") / "gunicorn.log") as running:
        yield running


def body_numbers(text: str) -> list:
    """Every non-integer number in a JSON text, parsed exactly."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, Decimal):
            found.append(node)

    walk(json.loads(text, parse_float=Decimal))
    return found


@pytest.fixture
def copied_marts(service_settings):
    """A private copy of the marts the in-memory answers read, to change under a running app."""
    name = f"{service_settings.database}_trcopy"
    tables = ("dim_occupations", "dim_alternate_titles", "dim_elements", "fct_occupation_ratings", "release_info")
    with server_connection(service_settings) as conn, conn.cursor() as cur:
        cur.execute(f"create database `{name}` character set utf8mb4 collate utf8mb4_unicode_ci")
        for table in (*tables, "related_occupations", "dim_domains"):
            cur.execute(f"create table `{name}`.{table} as select * from `{service_settings.database}`.{table}")
    yield name
    with server_connection(service_settings) as conn, conn.cursor() as cur:
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
