"""Benchmark the REST service under gunicorn (its committed gunicorn.conf.py) with wrk.

Loads the shared 29.3 release with O*NET 28.2's Technology Skills.txt beside it (the tests' release,
tests/technology_release.py) into private databases, builds the marts with dbt, serves them, then
drives `/health` (the baseline), `/api/v1/skill-gap`, `/api/v1/skill-gap-by-lvl`,
`/api/v1/occupations/{code}/transitions`, `/api/v1/technology-gap` and the two profile endpoints
(`POST /api/v1/profiles/gap` and `/matches`) in the same run, the others with random pairs (or
random occupations) among several hundred rated occupations (for the technology gap: among every
occupation that lists software; for the profiles: seeded random profiles, 1,000 distinct bodies an
endpoint, answered through the answer cache as in production, whose hit rate is printed), at 4 and
at 32 connections, each alone and the three first mixed. Two more runs of the mix: the cold start,
4 connections over the first 10 s from the first connection gunicorn accepted (no warm-up), and a
publish, 32 connections while the release is loaded again with --force and `dbt build` publishes
it, until every worker answers from the new build.
Prints requests/s, p50, p99 and max for each, and exits non-zero when a target is missed.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from _serving import (
    OUT,
    RELEASE,
    WORKERS,
    WRK_DONE,
    Served,
    build_marts,
    builds_read,
    connect,
    served,
    wait_for_builds_read,
    wrk,
    wrk_command,
    wrk_results,
)

from tests.technology_release import with_technology

SECONDS = int(os.environ.get("BENCH_API_SECONDS", "5"))
# The endpoints take turns, round after round, and each figure is the median of its rounds: the
# machine is shared, and a burst of other work then hits every endpoint alike.
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", "3"))
OCCUPATIONS = 400
GAP_PATHS = ("/api/v1/skill-gap", "/api/v1/skill-gap-by-lvl")
# Ranked in memory; `{code}` becomes a random rated occupation. Same targets as the gap endpoints.
TRANSITIONS_PATH = "/api/v1/occupations/{code}/transitions"
# One of the three at random for each request.
MIXED = ",".join((*GAP_PATHS, TRANSITIONS_PATH))
# Random pairs among the occupations that list software (a 404 is not a measurement).
TECHNOLOGY_PATH = "/api/v1/technology-gap"
# Random bodies of the listed ones, `POST`ed; a profile gap's target among the rated occupations.
PROFILE_PATHS = ("/api/v1/profiles/gap", "/api/v1/profiles/matches")
PROFILE_BODIES = 1000
PROFILE_SEED = 20261203
PATHS = ("/health", *GAP_PATHS, TRANSITIONS_PATH, MIXED, TECHNOLOGY_PATH, *PROFILE_PATHS)
COLD_SECONDS = 10
# Targets on the 2-core machine.
LOW, HIGH = 4, 32
TARGET_P99_LOW_MS = 10.0
TARGET_THROUGHPUT_VS_HEALTH = 0.40
TARGET_P99_VS_HEALTH = 3.0
TARGET_P99_COLD_MS = 20.0
TARGET_P99_PUBLISH_VS_NONE = 3.0
TARGET_MAX_PUBLISH_MS = 1000.0

# wrk's Lua: random pairs of the listed codes on one of the comma-separated paths (or the path
# alone), and one JSON line of results.
WRK_SCRIPT = (
    """
local codes, paths, threads = {}, {}, 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  for path in args[1]:gmatch("[^,]+") do paths[#paths + 1] = path end
  if args[2] then
    for line in io.lines(args[2]) do codes[#codes + 1] = line end
  end
  math.randomseed(os.time() * 100 + id)
end
function request()
  local path = paths[math.random(#paths)]
  if #codes == 0 then return wrk.format("GET", path) end
  local from, to = codes[math.random(#codes)], codes[math.random(#codes)]
  if path:find("{code}", 1, true) then return wrk.format("GET", (path:gsub("{code}", from))) end
  return wrk.format("GET", path .. "?from=" .. from .. "&to=" .. to)
end
"""
    + WRK_DONE
)

# wrk's Lua: one of the listed JSON bodies at random for each request, POSTed to the path.
WRK_POST_SCRIPT = (
    """
local bodies, path, threads = {}, nil, 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  path = args[1]
  for line in io.lines(args[2]) do bodies[#bodies + 1] = line end
  math.randomseed(os.time() * 100 + id)
end
function request()
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, bodies[math.random(#bodies)])
end
"""
    + WRK_DONE
)


def profile_bodies(service: Served, path: str) -> Path:
    """A file of PROFILE_BODIES distinct seeded random bodies for the profile endpoint, one a line:
    5-30 skills and knowledge areas at random levels (two decimals); for the gap, a random target."""
    with connect(service.env["MYSQL_DATABASE"]) as conn, conn.cursor() as cur:
        cur.execute("select element_id from dim_elements where domain in ('skills', 'knowledge') order by 1")
        elements = [element_id for (element_id,) in cur.fetchall()]
    codes = service.codes.read_text().split()
    chooser = random.Random(f"{PROFILE_SEED} {path}")
    bodies: set[str] = set()
    while len(bodies) < PROFILE_BODIES:
        levels = [
            {"element_id": e, "level": chooser.randint(0, 700) / 100}
            for e in chooser.sample(elements, chooser.randint(5, 30))
        ]
        body = {"levels": levels, "to": chooser.choice(codes)} if path.endswith("/gap") else {"levels": levels}
        bodies.add(json.dumps(body, separators=(",", ":")))
    file = OUT / f"api-bodies-{path.rsplit('/', 1)[1]}.txt"
    file.write_text("\n".join(sorted(bodies)) + "\n")
    return file


def cache_hit_rates(service: Served) -> dict[str, float]:
    """Of each profile endpoint's answered requests so far, the share answered from the answer
    cache (the request log's `cached`)."""
    log = service.log.read_text()
    rates = {}
    for path in PROFILE_PATHS:
        lines = re.findall(rf"POST {re.escape(path)} 200 [\d.]+ms( cached)?$", log, re.MULTILINE)
        rates[path] = sum(1 for cached in lines if cached) / max(len(lines), 1)
    return rates


def median(runs: list[dict]) -> dict:
    """Each figure's median over the rounds; the largest max; errors added up."""
    middle = len(runs) // 2
    result = {key: sorted(run[key] for run in runs)[middle] for key in ("rps", "p50_us", "p99_us")}
    result.update(
        max_us=max(run["max_us"] for run in runs),
        errors=sum(run["errors"] for run in runs),
        non_2xx=sum(run["non_2xx"] for run in runs),
    )
    return result


def during_publish(service: Served) -> tuple[dict, float]:
    """The mix at HIGH connections while the release is loaded again and published, until every
    worker has read the new build and a second more; and how long the load and the build took."""
    read_before = builds_read(service)
    command = wrk_command(service.port, service.script, HIGH, 3600, MIXED, str(service.codes))
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        started = time.monotonic()
        build_marts(service.env, "api", service.release, force=True)
        publishing = time.monotonic() - started
        wait_for_builds_read(service, read_before + WORKERS)
        time.sleep(1)
    finally:
        driver.send_signal(signal.SIGINT)  # wrk stops and reports
        output, _ = driver.communicate(timeout=30)
    return wrk_results(output), publishing


def label(path: str) -> str:
    return "gap + transitions mixed" if path == MIXED else path


def row(name: str, connections: int, r: dict, versus: str) -> str:
    return (
        f"{name:40} {connections:>5} {r['rps']:>8.0f} {r['p50_us'] / 1000:>8.2f} {r['p99_us'] / 1000:>8.2f}"
        f" {r['max_us'] / 1000:>8.1f} {versus:>22}"
    )


def listing_technology(service: Served) -> Path:
    """A file of every occupation that lists software, one code a line."""
    with connect(service.env["MYSQL_DATABASE"]) as conn, conn.cursor() as cur:
        cur.execute("select distinct onetsoc_code from fct_occupation_technology order by 1")
        codes = [code for (code,) in cur.fetchall()]
    path = OUT / "api-technology-codes.txt"
    path.write_text("\n".join(codes) + "\n")
    return path


def main() -> int:
    release = OUT / "api-release"
    shutil.rmtree(release, ignore_errors=True)
    with served("api", WRK_SCRIPT, OCCUPATIONS, with_technology(RELEASE, release)) as service:
        # From the first connection gunicorn accepted: no warm-up.
        cold = wrk(service.port, service.script, LOW, COLD_SECONDS, MIXED, str(service.codes))
        codes = {"/health": [], TECHNOLOGY_PATH: [str(listing_technology(service))]}
        codes |= {path: [str(profile_bodies(service, path))] for path in PROFILE_PATHS}
        post_script = OUT / "api-post-wrk.lua"
        post_script.write_text(WRK_POST_SCRIPT)

        def drive(path: str, connections: int, seconds: int) -> dict:
            script = post_script if path in PROFILE_PATHS else service.script
            return wrk(service.port, script, connections, seconds, path, *codes.get(path, [str(service.codes)]))

        for path in PATHS:  # the rounds' connections warmed like the others'
            drive(path, HIGH, 2)

        rounds: dict[tuple[str, int], list[dict]] = {}
        for _ in range(ROUNDS):
            for connections in (LOW, HIGH):
                for path in PATHS:
                    rounds.setdefault((path, connections), []).append(drive(path, connections, SECONDS))
        results = {key: median(runs) for key, runs in rounds.items()}
        hit_rates = cache_hit_rates(service)
        publish, publishing = during_publish(service)

    print(f"REST service under gunicorn (gunicorn.conf.py), wrk -t2; median of {ROUNDS} rounds of {SECONDS} s")
    print("(max: the largest of the rounds); gap requests: random pairs, transitions: random occupations,")
    print(f"among {OCCUPATIONS} rated occupations; mixed: one of the three at random for each request;")
    print("technology gap: random pairs among every occupation that lists software (29.3 with 28.2's file);")
    print(f"profiles: {PROFILE_BODIES:,} distinct seeded random bodies an endpoint, POSTed at random")
    print(f"{'endpoint':40} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'vs /health':>22}")
    misses = []
    for (path, connections), r in results.items():
        health = results["/health", connections]
        versus = ""
        if path != "/health":
            versus = f"{r['rps'] / health['rps']:.0%} req/s, {r['p99_us'] / health['p99_us']:.1f}x p99"
        name = label(path)
        print(row(name, connections, r, versus))
        if r["errors"] or r["non_2xx"]:
            misses.append(f"{name} at {connections}: {r['errors']} socket errors, {r['non_2xx']} non-2xx answers")
        if path == "/health":
            continue
        p99_ms = r["p99_us"] / 1000
        if connections == LOW and p99_ms >= TARGET_P99_LOW_MS:
            misses.append(f"{name} at {LOW} connections: p99 {p99_ms:.1f} ms, target < {TARGET_P99_LOW_MS:.0f} ms")
        if connections == HIGH:
            ratio = r["rps"] / health["rps"]
            if ratio < TARGET_THROUGHPUT_VS_HEALTH:
                misses.append(f"{name} at {HIGH}: {ratio:.0%} of /health's req/s, target >= 40%")
            p99_ratio = r["p99_us"] / health["p99_us"]
            if p99_ratio > TARGET_P99_VS_HEALTH:
                misses.append(f"{name} at {HIGH}: p99 {p99_ratio:.1f}x /health's, target <= 3x")
    shown = ", ".join(f"{path} {rate:.1%}" for path, rate in hit_rates.items())
    print(f"answer cache hits over every profile request of the rounds (warm-up included): {shown}")
    mixed = results[MIXED, HIGH]
    print(row(f"mixed, cold start (first {COLD_SECONDS} s)", LOW, cold, ""))
    print(row("mixed, during a publish", HIGH, publish, f"{publish['p99_us'] / mixed['p99_us']:.1f}x p99 unpublished"))
    print(
        f"cold start: from the first connection gunicorn accepted; publish: the load and the build took"
        f" {publishing:.1f} s of the {publish['seconds']:.1f} s measured, then every worker read the new build"
    )
    for name, r in (("cold start", cold), ("publish", publish)):
        if r["errors"] or r["non_2xx"]:
            misses.append(f"{name}: {r['errors']} socket errors, {r['non_2xx']} non-2xx answers")
    if cold["p99_us"] / 1000 >= TARGET_P99_COLD_MS:
        misses.append(f"cold start: p99 {cold['p99_us'] / 1000:.1f} ms, target < {TARGET_P99_COLD_MS:.0f} ms")
    if publish["p99_us"] / mixed["p99_us"] > TARGET_P99_PUBLISH_VS_NONE:
        ratio = publish["p99_us"] / mixed["p99_us"]
        misses.append(f"publish: p99 {ratio:.1f}x the mix's without a publish, target <= 3x")
    if publish["max_us"] / 1000 > TARGET_MAX_PUBLISH_MS:
        misses.append(f"publish: a request took {publish['max_us'] / 1000:.0f} ms, target <= 1 s")
    for miss in misses:
        print(f"MISS: {miss}")
    print("all targets met" if not misses else f"{len(misses)} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
