"""Secrets stay secret. The whole pipeline runs with known fake secrets (GEMINI_API_KEY,
ONET_API_KEY, SERVICE_API_KEYS, and MYSQL_PASSWORD of a database user made for the test): the
loader CLI, dbt build and docs generate, and the service under gunicorn answering every endpoint,
the LLM endpoint through the real google-genai client against a fake Gemini, an occupation fetched
from a fake O*NET Web Services, and error paths (a wrong key, a model and a Web Services error
echoing the key, a wrong database password). No secret is in any log, dbt artifact, response body
or header, or the stores. And none is in the repository or the Docker build context.

A person's text is personal data: a known CV sent to the profile assessment (and the profile it
gives, to the gap and the matches) is in no log, store or dbt artifact, nor any sentence of it."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import requests
from pytest_httpserver import HTTPServer

from tests.conftest import REPO, drop_databases, make_settings, query, run_dbt, server_connection
from tests.service.fake_gemini import FakeGemini
from tests.service.fake_gemini import error as gemini_error
from tests.service.fake_onet import KEY as ONET_KEY
from tests.service.fake_onet import FakeOnet
from tests.service.fake_onet import error as onet_error
from tests.service.gunicorn_server import serving
from tests.service.test_hostile_input import operations, url, valid_value
from tests.test_deploy import _build_context

GEMINI_KEY = "AIzaFake" + secrets.token_hex(16)
SERVICE_KEY, OTHER_SERVICE_KEY = ("svc-" + secrets.token_hex(12) for _ in range(2))
# Characters a URL or a shell would need quoted.
PASSWORD = f"Pw-{secrets.token_hex(8)}@:/%&'"
WRONG_PASSWORD = f"Wrong-{secrets.token_hex(8)}"
SECRETS = {
    "GEMINI_API_KEY": GEMINI_KEY,
    "ONET_API_KEY": ONET_KEY,
    "SERVICE_API_KEYS[0]": SERVICE_KEY,
    "SERVICE_API_KEYS[1]": OTHER_SERVICE_KEY,
    "MYSQL_PASSWORD": PASSWORD,
    "MYSQL_PASSWORD, URL-quoted": quote(PASSWORD, safe=""),
    "MYSQL_PASSWORD, form-quoted": quote_plus(PASSWORD),
    "the wrong MYSQL_PASSWORD": WRONG_PASSWORD,
}
CEO, PROGRAMMERS, SOFTWARE_DEVELOPERS, LEGISLATORS = "11-1011.00", "15-1251.00", "15-1252.00", "11-1031.00"
LLM = "/api/v1/skill-gap-llm"
# Made up, with a marker of this run in each sentence; the fake Gemini quotes each sentence that
# names a skill (tests/service/fake_gemini.py).
RUN = secrets.token_hex(4)
CV = (
    f"Ines Varga-{RUN}, born 1987, lives at 12 Kestrel Row. I used Critical Thinking daily on claims {RUN}.\n"
    f"Writing audit reports for the board {RUN}. Mathematics for pricing models at Hallam Mutual {RUN}."
)
CV_SENTENCES = [sentence.strip() for sentence in CV.replace("\n", " ").split(". ")]


class Captured:
    """Every text the pipeline wrote or answered, by where it came from."""

    def __init__(self):
        self.texts: dict[str, str] = {}

    def add(self, name: str, text: str | bytes) -> None:
        self.texts[name] = text if isinstance(text, str) else text.decode("utf-8", "replace")

    def process(self, name: str, result: subprocess.CompletedProcess) -> None:
        self.add(f"{name}: stdout", result.stdout)
        self.add(f"{name}: stderr", result.stderr)

    def files(self, name: str, folder: Path) -> None:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            self.add(f"{name}: {path.relative_to(folder)}", path.read_bytes())

    def response(self, response: requests.Response) -> requests.Response:
        request = f"{response.request.method} {response.request.path_url}"
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        self.add(f"response to {request}", f"{response.status_code}\n{headers}\n\n{response.text}")
        return response


@pytest.fixture(scope="module")
def database_user(tmp_path_factory):
    """A database user of this test, with the fake password, allowed on its own databases only."""
    settings = make_settings(tmp_path_factory.mktemp("secrets"), MYSQL_DATABASE=f"onet_sec{os.getpid()}")
    user = f"sec{os.getpid()}"
    pattern = settings.database.replace("_", r"\_") + "%"
    with server_connection(settings) as conn, conn.cursor() as cur:
        for host in ("%", "localhost"):
            cur.execute("create user %s@%s identified by %s", (user, host, PASSWORD))
            cur.execute(f"grant all privileges on `{pattern.replace('%', '%%')}`.* to %s@%s", (user, host))
    yield make_settings(
        tmp_path_factory.mktemp("secrets"), MYSQL_DATABASE=settings.database, MYSQL_USER=user, MYSQL_PASSWORD=PASSWORD
    )
    drop_databases(settings)
    with server_connection(settings) as conn, conn.cursor() as cur:
        for host in ("%", "localhost"):
            cur.execute("drop user %s@%s", (user, host))


@pytest.fixture(scope="module")
def fakes():
    servers = [HTTPServer(host="127.0.0.1", port=0, threaded=True) for _ in range(2)]
    for server in servers:
        server.start()
    gemini, onet = FakeGemini(servers[0]), FakeOnet(servers[1])
    onet.add_occupation(SOFTWARE_DEVELOPERS, "Software Developers", [], [])
    yield gemini, onet
    for server in servers:
        server.clear()
        server.stop()


def loader(settings, release_dir: Path, password: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MYSQL_HOST": settings.host,
        "MYSQL_PORT": str(settings.port),
        "MYSQL_USER": settings.user,
        "MYSQL_PASSWORD": password,
        "MYSQL_DATABASE": settings.database,
        "ONET_CACHE_DIR": str(settings.cache_dir),
    }
    command = [sys.executable, "-m", "loader", "load", str(release_dir)]
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def exercise_service(server, captured: Captured, spec: dict, gemini: FakeGemini, onet: FakeOnet) -> dict:
    """Every operation with valid values, the LLM endpoint's keys, its model and Web Services errors,
    the framework's errors and the pages; returns the statuses that show the secrets were used."""
    get = lambda path, **kwargs: captured.response(server.get(path, **kwargs))  # noqa: E731
    key = {"X-API-Key": SERVICE_KEY}
    for path, path_params, query_params in operations(spec):
        values = {name: valid_value(name, schema) for name, schema in path_params.items()}
        query = [(name, valid_value(name, schema)) for name, schema in query_params.items()]
        get(url(path, values, query), headers=key)
    used = {
        "llm": get(LLM, params={"from": PROGRAMMERS, "to": CEO}, headers=key).status_code,
        "llm, the other key": get(
            LLM, params={"from": CEO, "to": PROGRAMMERS}, headers={"X-API-Key": OTHER_SERVICE_KEY}
        ).status_code,
        "llm, no key": get(LLM, params={"from": PROGRAMMERS, "to": CEO}).status_code,
        "llm, a wrong key": get(
            LLM, params={"from": PROGRAMMERS, "to": CEO}, headers={"X-API-Key": SERVICE_KEY + "x"}
        ).status_code,
        "llm, the key in the query": get(
            LLM, params={"from": PROGRAMMERS, "to": CEO, "X-API-Key": SERVICE_KEY}
        ).status_code,
    }
    assessed = captured.response(server.post("/api/v1/profiles/assess", json={"text": CV}, headers=key))
    used["profile assessment"] = assessed.status_code
    profile = assessed.json()["profile"] if assessed.ok else {"levels": []}
    used["profile gap"] = captured.response(
        server.post("/api/v1/profiles/gap", json={**profile, "to": CEO})
    ).status_code
    used["profile matches"] = captured.response(server.post("/api/v1/profiles/matches", json=profile)).status_code
    used["profile quotes"] = len(assessed.json()["evidence"]) if assessed.ok else 0
    gemini.queue(gemini_error(400, f"API key not valid: {GEMINI_KEY}. Please pass a valid API key."), kind="analysis")
    used["llm, Gemini echoing its key"] = get(LLM, params={"from": "29-1141.00", "to": CEO}, headers=key).status_code
    used["gap fetched from Web Services"] = get(
        "/api/v1/skill-gap", params={"from": SOFTWARE_DEVELOPERS, "to": CEO}
    ).status_code
    onet.queue(onet_error(401, f"Invalid API key {ONET_KEY}"))
    used["Web Services echoing its key"] = get("/api/v1/skill-gap", params={"from": LEGISLATORS, "to": CEO}).status_code
    for path in (
        "/nothing-here",
        "/api/v1/skill-gap?from=x",
        "/openapi.json",
        "/docs",
        "/redoc",
        "/compare",
        f"/compare?from={PROGRAMMERS}&to={CEO}",
        "/dbt-docs/",
        "/dbt-docs/manifest.json",
        "/dbt-docs/catalog.json",
    ):
        get(path)
    captured.response(requests.post(server.url + "/health", timeout=10))
    return used


@pytest.fixture(scope="module")
def pipeline(database_user, small_release_dir, fakes, tmp_path_factory):
    """The pipeline run with the fake secrets in every process's environment, on the small test
    release (tests/small_release.py): what it wrote and answered, and the statuses showing each
    secret was used."""
    gemini, onet = fakes
    out = tmp_path_factory.mktemp("pipeline")
    captured = Captured()
    settings = database_user
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "GEMINI_API_KEY": GEMINI_KEY,
            "GEMINI_BASE_URL": gemini.base_url,
            "GEMINI_MODEL": f"secret-flash-{os.getpid()}",
            "ONET_API_KEY": ONET_KEY,
            "ONET_API_BASE_URL": onet.base_url,
            "SERVICE_API_KEYS": f"{SERVICE_KEY},{OTHER_SERVICE_KEY}",
        }.items():
            env.setenv(name, value)
        loaded = loader(settings, small_release_dir, PASSWORD)
        captured.process("loader", loaded)
        refused = loader(settings, small_release_dir, WRONG_PASSWORD)
        captured.process("loader, wrong password", refused)
        built = run_dbt(settings, "build", out_dir=out / "dbt", file_log=True)
        captured.process("dbt build", built)
        docs = run_dbt(settings, "docs", "generate", out_dir=out / "dbt", file_log=True)
        captured.process("dbt docs generate", docs)
        wrong = make_settings(MYSQL_DATABASE=settings.database, MYSQL_USER=settings.user, MYSQL_PASSWORD=WRONG_PASSWORD)
        debug = run_dbt(wrong, "debug", out_dir=out / "dbt-wrong", file_log=True)
        captured.process("dbt debug, wrong password", debug)
        with serving(settings, out / "gunicorn.log", DBT_TARGET_PATH=str(out / "dbt" / "target")) as server:
            spec = server.get("/openapi.json").json()
            used = exercise_service(server, captured, spec, gemini, onet)
        # Again, now that the LLM store holds the assessment: the models that read the store.
        rebuilt = run_dbt(settings, "build", "--select", "source:llm+", out_dir=out / "dbt-after", file_log=True)
        captured.process("dbt build, after the service", rebuilt)
        with serving(
            make_settings(MYSQL_DATABASE=settings.database, MYSQL_USER=settings.user, MYSQL_PASSWORD=WRONG_PASSWORD),
            out / "gunicorn-wrong.log",
        ) as server:
            used["service, wrong password"] = captured.response(server.get("/api/v1/meta")).status_code
            captured.response(server.get("/health/ready"))
    captured.files("dbt", out / "dbt")
    captured.files("dbt, wrong password", out / "dbt-wrong")
    captured.files("dbt, after the service", out / "dbt-after")
    captured.add("gunicorn log", (out / "gunicorn.log").read_text())
    captured.add("gunicorn log, wrong password", (out / "gunicorn-wrong.log").read_text())
    stores = {name for (name,) in query(settings, "show databases")}
    # Every database of the run but the loader's copy of the release files.
    for database in stores:
        if database.startswith(settings.database) and not database.endswith("_raw"):
            for (table,) in query(settings, "show tables", database=database):
                rows = query(settings, f"select * from `{table}`", database=database)
                captured.add(f"store {database}.{table}", "\n".join(repr(row) for row in rows))
    return {
        "captured": captured,
        "used": used,
        "exit codes": {
            "loader": loaded.returncode,
            "loader, wrong password": refused.returncode,
            "dbt build": built.returncode,
            "dbt docs": docs.returncode,
            "dbt debug, wrong": debug.returncode,
            "dbt build, after the service": rebuilt.returncode,
        },
        "gemini keys": {call.headers.get("X-Goog-Api-Key") for call in gemini.calls},
        "onet keys": {call.headers.get("X-Api-Key") for call in onet.calls},
    }


def test_the_pipeline_ran_with_every_secret(pipeline):
    """What shows the secrets were used, so that finding none of them below means something."""
    failed = {name: code != 0 for name, code in pipeline["exit codes"].items()}
    assert failed == {
        "loader": False,
        "loader, wrong password": True,
        "dbt build": False,
        "dbt docs": False,
        "dbt debug, wrong": True,
        "dbt build, after the service": False,
    }, pipeline["captured"].texts.get("dbt build: stdout", "")[-3000:]
    assert pipeline["gemini keys"] == {GEMINI_KEY}
    assert pipeline["onet keys"] == {ONET_KEY}
    used = pipeline["used"]
    assert (used["llm"], used["llm, the other key"]) == (200, 200)
    assert (used["llm, no key"], used["llm, a wrong key"], used["llm, the key in the query"]) == (401, 401, 401)
    assert used["llm, Gemini echoing its key"] == 502
    assert used["service, wrong password"] == 503
    assert (used["profile assessment"], used["profile gap"], used["profile matches"]) == (200, 200, 200)
    assert used["profile quotes"] == 4
    captured = pipeline["captured"].texts
    assert "Access denied" in captured["loader, wrong password: stderr"] + captured["loader, wrong password: stdout"]
    assert "[GEMINI_API_KEY]" in captured["response to GET /api/v1/skill-gap-llm?from=29-1141.00&to=11-1011.00"]
    assert len(captured) > 40


def test_no_secret_in_any_log_artifact_response_or_store(pipeline):
    captured = pipeline["captured"].texts
    found = {(where, name) for where, text in captured.items() for name, secret in SECRETS.items() if secret in text}
    assert found == set(), f"secrets found in {len(captured)} texts: {sorted(found)}"


def test_no_sentence_of_the_cv_in_any_log_artifact_or_store(pipeline):
    captured = pipeline["captured"].texts
    answers = {where for where in captured if where.startswith("response to POST /api/v1/profiles/assess")}
    assert any(RUN in captured[where] for where in answers), "the answer quotes the text"
    assert any(where.endswith("_llm.profile_assessment_calls") for where in captured)
    kept = {where: text for where, text in captured.items() if where not in answers}
    found = {(where, s[:30]) for where, text in kept.items() for s in [CV, RUN, *CV_SENTENCES] if s in text}
    assert found == set(), f"the CV found in {len(kept)} texts: {sorted(found)}"


# What real secrets look like: provider key formats, private keys, passwords in URLs, and a long
# literal given to a name that says secret.
SECRET_PATTERNS = {
    "Google API key": re.compile(r"AIza[0-9A-Za-z_\-]{35}"),
    "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[0-9A-Za-z]{36}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}"),
    "private key": re.compile(r"-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----"),
    "password in a URL": re.compile(
        r"\b[a-z][a-z0-9+.\-]*://[^\s/:@'\"]+:(?!\$\{|\*+@|password@|pass@|\[)[^\s/@'\"]+@"
    ),
    "secret assigned": re.compile(
        r"(?i)\b[a-z_]*(?:api_key|apikey|secret|token|password|passwd)\b\s*[:=]\s*['\"][A-Za-z0-9+/_\-]{16,}['\"]"
    ),
}


def secret_lookalikes(paths: list[str]) -> list[str]:
    found = []
    for path in paths:
        file = REPO / path
        if not file.is_file() or file.stat().st_size > 5_000_000:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        for name, pattern in SECRET_PATTERNS.items():
            found += [f"{path}: {name}: {m.group(0)[:40]}" for m in pattern.finditer(text)]
    return found


def test_the_patterns_find_what_they_are_for():
    # Put together here, so that this file does not hold what it looks for.
    samples = [
        "GEMINI_API_KEY=" + "AIza" + "SyA1234567890abcdefghijklmnopqrstuv",
        "mysql://onet:" + "s3cret@db:3306/onet",
        "-----BEGIN OPENSSH " + "PRIVATE KEY-----",
        "api_key = " + '"0123456789abcdef0123"',
        "AKIA" + "IOSFODNN7EXAMPLE",
    ]
    assert [any(p.search(s) for p in SECRET_PATTERNS.values()) for s in samples] == [True] * len(samples)
    harmless = ["mysql://${MYSQL_USER}:${MYSQL_PASSWORD}@db/onet", "password: \"{{ env_var('MYSQL_PASSWORD') }}\""]
    assert not any(p.search(s) for s in harmless for p in SECRET_PATTERNS.values())


def test_no_secret_in_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert len(tracked) > 100
    assert secret_lookalikes(tracked) == []


# Files that hold secrets by their name, wherever they are.
SECRET_FILES = re.compile(
    r"(^|/)(\.env(\..+)?|\.netrc|\.pgpass|\.my\.cnf|credentials(\.json)?|id_(rsa|dsa|ecdsa|ed25519)|"
    r"[^/]*\.(pem|key|p12|pfx|jks|keystore)|service[-_]account[^/]*\.json)$"
)


def test_no_secret_in_the_docker_build_context():
    context = _build_context()
    assert "Dockerfile" in context and ".env.example" in context
    assert [p for p in context if SECRET_FILES.search(p) and p != ".env.example"] == []
    assert secret_lookalikes(context) == []
