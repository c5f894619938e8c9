"""schemathesis against a running service, with the project's configuration (schemathesis.toml)
and checks (tests/service/fuzz_checks.py): what tests/service/test_fuzz.py and bench/fuzz.py run.

The service to fuzz: under gunicorn (its committed config), SERVICE_API_KEYS holding the key given
here, its Gemini a fake (tests/service/fake_gemini.py) and a rate limit that lets every generated
request through (the limit itself is tested in test_llm.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
SCHEMATHESIS = Path(sys.executable).with_name("st")


def service_env(api_key: str, gemini_url: str, model: str) -> dict[str, str]:
    """The settings of the fuzzed service, beside its database's."""
    return {
        "SERVICE_API_KEYS": api_key,
        "GEMINI_API_KEY": "fuzz-gemini-key",
        "GEMINI_BASE_URL": gemini_url,
        "GEMINI_MODEL": model,
        "LLM_RATE_LIMIT": "1000000/minute",
    }


@dataclass
class FuzzRun:
    operations: int
    operations_tested: int
    cases: int
    failures: int
    errors: int
    seconds: float
    exit_code: int
    output: str

    def summary(self) -> str:
        return (
            f"schemathesis: {self.cases} cases over {self.operations_tested}/{self.operations} operations,"
            f" {self.failures} failures, {self.errors} errors, in {self.seconds:.1f} s"
        )


def fuzz(url: str, api_key: str, out: Path, *, max_examples: int, seed: int, workers: int = 1) -> FuzzRun:
    """Every operation of `url`/openapi.json, up to `max_examples` generated cases each per phase."""
    report = out / "schemathesis.json"
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(REPO / "schemathesis.toml"),
        "run",
        f"{url}/openapi.json",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--workers",
        str(workers),
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    # Hypothesis keeps its caches in the run's folder, not in the repository.
    env = {**os.environ, "FUZZ_API_KEY": api_key, "HYPOTHESIS_STORAGE_DIRECTORY": str(out / ".hypothesis")}
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=3600)
    (out / "schemathesis.txt").write_text(result.stdout + result.stderr)
    if not report.exists():
        raise RuntimeError(f"schemathesis wrote no report:\n{(result.stdout + result.stderr)[-3000:]}")
    data = json.loads(report.read_text())
    return FuzzRun(
        operations=data["operations"]["total"],
        operations_tested=data["operations"]["tested"],
        cases=data["test_cases"]["generated"],
        failures=data["test_cases"]["unique_failures"],
        errors=len(data["errors"]),
        seconds=data["running_time"],
        exit_code=result.returncode,
        output=result.stdout + result.stderr,
    )
