"""Benchmark the REST service under gunicorn (its committed gunicorn.conf.py) with wrk.

Loads the shared release into private databases, builds the marts with dbt, serves them, then drives
`/health` (the baseline), `/api/v1/skill-gap`, `/api/v1/skill-gap-by-lvl` and
`/api/v1/occupations/{code}/transitions` in the same run, the others with random pairs (or random
occupations) among several hundred rated occupations, at 4 and at 32 connections.
Prints requests/s, p50 and p99 for each, and exits non-zero when a target is missed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pymysql

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
RELEASE = Path(os.environ.get("ONET_TEST_RELEASE", REPO.parent / "shared" / "onet" / "db_29_3_text"))
SECONDS = int(os.environ.get("BENCH_API_SECONDS", "5"))
# The endpoints take turns, round after round, and each figure is the median of its rounds: the
# machine is shared, and a burst of other work then hits every endpoint alike.
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", "3"))
OCCUPATIONS = 400
GAP_PATHS = ("/api/v1/skill-gap", "/api/v1/skill-gap-by-lvl")
# Ranked in memory; `{code}` becomes a random rated occupation. Same targets as the gap endpoints.
TRANSITIONS_PATH = "/api/v1/occupations/{code}/transitions"
PATHS = ("/health", *GAP_PATHS, TRANSITIONS_PATH)
# Targets on the 2-core machine (issue 5).
LOW, HIGH = 4, 32
TARGET_P99_LOW_MS = 10.0
TARGET_THROUGHPUT_VS_HEALTH = 0.40
TARGET_P99_VS_HEALTH = 3.0

# wrk's Lua: random pairs of the listed codes on `path` (or `path` alone), and one JSON line of results.
WRK_SCRIPT = """
local codes, path, threads = {}, "/", 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  path = args[1]
  if args[2] then
    for line in io.lines(args[2]) do codes[#codes + 1] = line end
  end
  math.randomseed(os.time() * 100 + id)
end
function request()
  if #codes == 0 then return wrk.format("GET", path) end
  local from, to = codes[math.random(#codes)], codes[math.random(#codes)]
  if path:find("{code}", 1, true) then return wrk.format("GET", (path:gsub("{code}", from))) end
  return wrk.format("GET", path .. "?from=" .. from .. "&to=" .. to)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p99_us": %d, "errors": %d, "non_2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def connect(database: str | None = None) -> pymysql.connections.Connection:
    return pymysql.connect(
        host=os.environ.get("MYSQL_HOST", "127.0.0.1"),
        port=int(os.environ.get("MYSQL_PORT", "3306")),
        user=os.environ.get("MYSQL_USER", "root"),
        password=os.environ.get("MYSQL_PASSWORD", ""),
        database=database,
        autocommit=True,
    )


def drop_databases(database: str) -> None:
    with connect() as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES")
        for (name,) in cur.fetchall():
            if name == database or name.startswith(database + "_"):
                cur.execute(f"DROP DATABASE `{name}`")


def build_marts(env: dict[str, str]) -> None:
    """Load the release and publish the marts into env's MYSQL_DATABASE, as `make run` does."""
    subprocess.run([sys.executable, "-m", "loader", "load", str(RELEASE), "--quiet"], cwd=REPO, env=env, check=True)
    dbt = Path(sys.executable).with_name("dbt")
    target = OUT / "api-dbt"
    paths = ["--target-path", str(target / "target"), "--log-path", str(target / "logs")]
    result = subprocess.run(
        [str(dbt), "build", "--project-dir", str(REPO), "--profiles-dir", str(REPO), *paths],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"dbt build failed:\n{result.stdout[-3000:]}")


def rated_occupations(database: str) -> list[str]:
    with connect(database) as conn, conn.cursor() as cur:
        cur.execute("select onetsoc_code from dim_occupations where has_skills = 1 and has_knowledge = 1")
        codes = sorted(row[0] for row in cur.fetchall())
    return random.Random(5).sample(codes, OCCUPATIONS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(env: dict[str, str], port: int) -> subprocess.Popen:
    log = (OUT / "api-gunicorn.log").open("w")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-c", "gunicorn.conf.py"], cwd=REPO, env={**env, "SERVICE_PORT": str(port)}, stderr=log
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    sys.exit(f"gunicorn did not start; see {OUT / 'api-gunicorn.log'}")


def wrk(port: int, path: str, connections: int, seconds: int, codes_file: Path | None) -> dict:
    script = OUT / "api-wrk.lua"
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}"]
    command += ["--", path] + ([str(codes_file)] if codes_file else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def median(runs: list[dict]) -> dict:
    """Each figure's median over the rounds; errors added up."""
    middle = len(runs) // 2
    result = {key: sorted(run[key] for run in runs)[middle] for key in ("rps", "p50_us", "p99_us")}
    result.update(errors=sum(run["errors"] for run in runs), non_2xx=sum(run["non_2xx"] for run in runs))
    return result


def main() -> int:
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "api-wrk.lua").write_text(WRK_SCRIPT)
    database = f"onet_bench_{os.getpid()}_api"
    env = {**os.environ, "MYSQL_DATABASE": database, "DO_NOT_TRACK": "1", "GX_ANALYTICS_ENABLED": "false"}
    process = None
    try:
        build_marts(env)
        codes_file = OUT / "api-codes.txt"
        codes_file.write_text("\n".join(rated_occupations(database)) + "\n")
        port = free_port()
        process = start_service(env, port)
        for path in PATHS:  # warm every worker's pool, reference data and ranking
            wrk(port, path, HIGH, 2, None if path == "/health" else codes_file)

        rounds: dict[tuple[str, int], list[dict]] = {}
        for _ in range(ROUNDS):
            for connections in (LOW, HIGH):
                for path in PATHS:
                    result = wrk(port, path, connections, SECONDS, None if path == "/health" else codes_file)
                    rounds.setdefault((path, connections), []).append(result)
        results = {key: median(runs) for key, runs in rounds.items()}
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        drop_databases(database)

    print(f"REST service under gunicorn (gunicorn.conf.py), wrk -t2; median of {ROUNDS} rounds of {SECONDS} s;")
    print(f"gap requests: random pairs, transitions: random occupations, among {OCCUPATIONS} rated occupations")
    print(f"{'endpoint':40} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs /health':>22}")
    misses = []
    for (path, connections), r in results.items():
        health = results["/health", connections]
        versus = ""
        if path != "/health":
            versus = f"{r['rps'] / health['rps']:.0%} req/s, {r['p99_us'] / health['p99_us']:.1f}x p99"
        print(
            f"{path:40} {connections:>5} {r['rps']:>8.0f} {r['p50_us'] / 1000:>8.2f} {r['p99_us'] / 1000:>8.2f}"
            f" {versus:>22}"
        )
        if r["errors"] or r["non_2xx"]:
            misses.append(f"{path} at {connections}: {r['errors']} socket errors, {r['non_2xx']} non-2xx answers")
        if path == "/health":
            continue
        p99_ms = r["p99_us"] / 1000
        if connections == LOW and p99_ms >= TARGET_P99_LOW_MS:
            misses.append(f"{path} at {LOW} connections: p99 {p99_ms:.1f} ms, target < {TARGET_P99_LOW_MS:.0f} ms")
        if connections == HIGH:
            ratio = r["rps"] / health["rps"]
            if ratio < TARGET_THROUGHPUT_VS_HEALTH:
                misses.append(f"{path} at {HIGH}: {ratio:.0%} of /health's req/s, target >= 40%")
            p99_ratio = r["p99_us"] / health["p99_us"]
            if p99_ratio > TARGET_P99_VS_HEALTH:
                misses.append(f"{path} at {HIGH}: p99 {p99_ratio:.1f}x /health's, target <= 3x")
    for miss in misses:
        print(f"MISS: {miss}")
    print("all targets met" if not misses else f"{len(misses)} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
