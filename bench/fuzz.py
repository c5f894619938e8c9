"""Fuzz the REST service under gunicorn (its committed gunicorn.conf.py) with schemathesis: every
operation of /openapi.json, with the project's configuration and checks (schemathesis.toml,
tests/service/fuzz_checks.py), ten times the cases of tests/service/test_fuzz.py.

Loads the shared release into private databases, builds the marts, serves them with a fake Gemini
(tests/service/fake_gemini.py) behind a service key, then fuzzes. Prints the cases run, the
failures and the time; exits non-zero on any failure or error, or when fewer than TARGET_CASES ran.

    python bench/fuzz.py                               # BENCH_FUZZ_MAX_EXAMPLES (300), BENCH_FUZZ_SEED
    python bench/fuzz.py --url http://127.0.0.1:8000 --api-key KEY   # a service already running
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

from _serving import OUT, REPO, build_marts, drop_databases, free_port, service_env, start_service

sys.path.insert(0, str(REPO))

from pytest_httpserver import HTTPServer

from tests.service.fake_gemini import FakeGemini
from tests.service.fuzzing import fuzz
from tests.service.fuzzing import service_env as fuzzed_service_env

MAX_EXAMPLES = int(os.environ.get("BENCH_FUZZ_MAX_EXAMPLES", "300"))
SEED = int(os.environ.get("BENCH_FUZZ_SEED", secrets.randbelow(2**31)))
TARGET_CASES = 5000


def fuzz_own_service(out: Path, max_examples: int, seed: int):
    database = f"onet_bench_{os.getpid()}_fuzz"
    gemini = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per model call
    process = None
    try:
        env = service_env(database)
        build_marts(env, "fuzz")
        gemini.start()
        fake = FakeGemini(gemini)
        key = "fuzz-" + secrets.token_hex(8)
        port = free_port()
        process = start_service({**env, **fuzzed_service_env(key, fake.base_url, "fuzz-flash")}, port, "fuzz")
        return fuzz(f"http://127.0.0.1:{port}", key, out, max_examples=max_examples, seed=seed)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        if gemini.is_running():
            gemini.stop()
        drop_databases(database)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="fuzz this running service instead of one of our own")
    parser.add_argument("--api-key", default="", help="one of the running service's SERVICE_API_KEYS")
    parser.add_argument("--max-examples", type=int, default=MAX_EXAMPLES, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    out = OUT / "fuzz"
    out.mkdir(parents=True, exist_ok=True)
    if args.url:
        run = fuzz(args.url.rstrip("/"), args.api_key, out, max_examples=args.max_examples, seed=args.seed)
    else:
        run = fuzz_own_service(out, args.max_examples, args.seed)

    print(f"fuzz: schemathesis {args.max_examples} examples per operation and phase, seed {args.seed}")
    print(f"cases run   {run.cases}")
    print(f"operations  {run.operations_tested}/{run.operations}")
    print(f"failures    {run.failures}")
    print(f"errors      {run.errors}")
    print(f"time        {run.seconds:.1f} s ({run.cases / run.seconds:.0f} cases/s)")
    print(f"report      {out / 'schemathesis.txt'}")
    misses = []
    if run.failures or run.errors or run.exit_code:
        misses.append(f"{run.failures} failures and {run.errors} errors (exit code {run.exit_code})")
    if run.operations_tested < run.operations:
        misses.append(f"only {run.operations_tested} of {run.operations} operations tested")
    if run.cases < TARGET_CASES:
        misses.append(f"{run.cases} cases, fewer than the {TARGET_CASES} targeted")
    for miss in misses:
        print(f"MISS: {miss}")
    if run.failures or run.errors:
        print(run.output[-20000:])
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
