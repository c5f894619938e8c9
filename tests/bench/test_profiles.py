"""bench/profiles.py on the session's published marts: both rates met, each above the shortfall
alone, and every domain the release rates judged."""

from __future__ import annotations

import re

from tests.bench.test_transitions import run_bench
from tests.conftest import REPO

BENCH = REPO / "bench" / "profiles.py"


def figures(output: str) -> dict[tuple[str, str], tuple[float, float]]:
    """(domain, figure) -> the service's value and the shortfall's, from the printed table."""
    rows = re.findall(r"^(skills|knowledge)\s+(.+?)\s{2,}([\d.]+)\s+([\d.]+)", output, re.MULTILINE)
    return {(domain, name): (float(ours), float(theirs)) for domain, name, ours, theirs in rows}


def test_bench_meets_both_rates_on_every_domain(built_settings):
    result = run_bench(built_settings, bench=BENCH)
    assert result.returncode == 0, result.stdout + result.stderr
    found = figures(result.stdout)
    assert {domain for domain, _ in found} == {"skills", "knowledge"}, result.stdout
    for domain in ("skills", "knowledge"):
        first, first_shortfall = found[(domain, "first (exact)")]
        top_5, top_5_shortfall = found[(domain, "top 5 (+-0.5)")]
        assert first == 1.0 and top_5 >= 0.90, result.stdout
        assert first > first_shortfall and top_5 > top_5_shortfall, result.stdout
        assert found[(domain, "recall@20 (exact)")][0] > found[(domain, "recall@20 (exact)")][1]
    assert "879 rated occupations" in result.stdout


def test_bench_without_published_marts_says_so(settings):
    result = run_bench(settings, bench=BENCH)
    assert result.returncode == 2
    assert "run `make run` first" in result.stderr
