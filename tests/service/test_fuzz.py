"""schemathesis against the service under gunicorn: every operation of /openapi.json, at least 500
generated cases (valid and invalid), no 5xx, and every response as documented: its status listed by
the operation, its content type, its body against its schema with every object closed, its headers
(X-Pagination, the security headers). bench/fuzz.py runs the same with ten times the cases."""

from __future__ import annotations

import re
import secrets

import pytest
from pytest_httpserver import HTTPServer

from tests.service.fake_gemini import FakeGemini
from tests.service.fuzzing import fuzz, service_env
from tests.service.gunicorn_server import serving

# Per operation and phase; about 1,000 cases in all, in about 20 s on the 2-core machine.
MAX_EXAMPLES = 25
SEED = 20261201
MIN_CASES = 500


@pytest.fixture(scope="module")
def gemini():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield FakeGemini(server)
    server.clear()
    server.stop()


@pytest.fixture(scope="module")
def fuzzed(built_settings, gemini, tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz")
    key = "fuzz-" + secrets.token_hex(8)
    env = service_env(key, gemini.base_url, model=f"fuzz-flash-{secrets.token_hex(4)}")
    with serving(built_settings, out / "gunicorn.log", **env) as server:
        yield server, key, out


def test_schemathesis_finds_no_5xx_and_no_undocumented_answer(fuzzed, gemini, spec):
    server, key, out = fuzzed
    run = fuzz(server.url, key, out, max_examples=MAX_EXAMPLES, seed=SEED)
    print(run.summary())
    operations = sum(1 for item in spec["paths"].values() for method in item if method != "parameters")
    assert run.operations == run.operations_tested == operations, run.summary()
    assert run.cases >= MIN_CASES, run.summary()
    assert (run.failures, run.errors, run.exit_code) == (0, 0, 0), f"{run.summary()}\n{run.output[-20000:]}"
    log = server.log.read_text()
    statuses = re.findall(r"service\.request: \S+ \S+ (\d{3}) ", log)
    assert len(statuses) >= MIN_CASES
    assert not [s for s in statuses if s.startswith("5")], "a 5xx in the service's log"
    assert "Traceback" not in log
    # The LLM endpoint was fuzzed past its key, down to answers from the (fake) model.
    assert gemini.calls
