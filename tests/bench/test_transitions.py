"""bench/transitions.py on the session's published marts: its figures, its exit code, and the
per-occupation table the dbt model `transition_recall` shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, query, run_dbt

BENCH = REPO / "bench" / "transitions.py"


def run_bench(settings, *args: str, bench: Path = BENCH) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MYSQL_HOST": settings.host,
        "MYSQL_PORT": str(settings.port),
        "MYSQL_DATABASE": settings.database,
    }
    return subprocess.run(
        [sys.executable, str(bench), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def figure(output: str, name: str) -> tuple[float, float]:
    """The service's figure and the baseline's, from the printed table."""
    match = re.search(rf"^{re.escape(name)}\s+([\d.]+)\s+([\d.]+)", output, re.MULTILINE)
    assert match, output
    return float(match.group(1)), float(match.group(2))


def test_bench_meets_its_targets_and_writes_the_figures_dbt_documents(built_settings, tmp_path):
    result = run_bench(built_settings)
    assert result.returncode == 0, result.stdout + result.stderr
    recall, baseline_recall = figure(result.stdout, "recall@10")
    mrr, baseline_mrr = figure(result.stdout, "MRR")
    assert recall >= 0.35 and mrr >= 0.90
    assert recall > baseline_recall and mrr > baseline_mrr
    assert "scoring half: 439" in result.stdout

    dbt = run_dbt(built_settings, "build", "--select", "transition_recall", out_dir=tmp_path)
    assert dbt.returncode == 0, dbt.stdout[-3000:]
    rows = query(
        built_settings,
        "select count(*), avg(recall_at_10), avg(reciprocal_rank), avg(baseline_recall_at_10)"
        " from transition_recall where half = 'score'",
        database=f"{built_settings.database}_build",
    )
    count, mean_recall, mean_rr, mean_baseline = rows[0]
    assert count == 439
    assert abs(float(mean_recall) - recall) < 1e-4
    assert abs(float(mean_rr) - mrr) < 1e-4 and abs(float(mean_baseline) - baseline_recall) < 1e-4


def test_bench_tunes_on_the_other_half(built_settings):
    result = run_bench(built_settings, "--tune")
    assert result.returncode == 0, result.stderr
    assert "best weights on the tuning half (440 occupations" in result.stdout


def test_bench_without_published_marts_says_so(settings):
    result = run_bench(settings)
    assert result.returncode == 2
    assert "run `make run` first" in result.stderr
