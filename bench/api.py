"""Benchmark the REST service under gunicorn (its committed gunicorn.conf.py) with wrk.

Loads the shared release into private databases, builds the marts with dbt, serves them, then drives
`/health` (the baseline), `/api/v1/skill-gap`, `/api/v1/skill-gap-by-lvl` and
`/api/v1/occupations/{code}/transitions` in the same run, the others with random pairs (or random
occupations) among several hundred rated occupations, at 4 and at 32 connections.
Prints requests/s, p50 and p99 for each, and exits non-zero when a target is missed.
"""

from __future__ import annotations

import os
import sys

from _serving import WRK_DONE, served, wrk

SECONDS = int(os.environ.get("BENCH_API_SECONDS", "5"))
# The endpoints take turns, round after round, and each figure is the median of its rounds: the
# machine is shared, and a burst of other work then hits every endpoint alike.
ROUNDS = int(os.environ.get("BENCH_API_ROUNDS", "3"))
OCCUPATIONS = 400
GAP_PATHS = ("/api/v1/skill-gap", "/api/v1/skill-gap-by-lvl")
# Ranked in memory; `{code}` becomes a random rated occupation. Same targets as the gap endpoints.
TRANSITIONS_PATH = "/api/v1/occupations/{code}/transitions"
PATHS = ("/health", *GAP_PATHS, TRANSITIONS_PATH)
# Targets on the 2-core machine.
LOW, HIGH = 4, 32
TARGET_P99_LOW_MS = 10.0
TARGET_THROUGHPUT_VS_HEALTH = 0.40
TARGET_P99_VS_HEALTH = 3.0

# wrk's Lua: random pairs of the listed codes on `path` (or `path` alone), and one JSON line of results.
WRK_SCRIPT = (
    """
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
"""
    + WRK_DONE
)


def median(runs: list[dict]) -> dict:
    """Each figure's median over the rounds; errors added up."""
    middle = len(runs) // 2
    result = {key: sorted(run[key] for run in runs)[middle] for key in ("rps", "p50_us", "p99_us")}
    result.update(errors=sum(run["errors"] for run in runs), non_2xx=sum(run["non_2xx"] for run in runs))
    return result


def main() -> int:
    with served("api", WRK_SCRIPT, OCCUPATIONS) as service:

        def drive(path: str, connections: int, seconds: int) -> dict:
            codes = [] if path == "/health" else [str(service.codes)]
            return wrk(service.port, service.script, connections, seconds, path, *codes)

        for path in PATHS:  # warm every worker's pool, reference data and ranking
            drive(path, HIGH, 2)

        rounds: dict[tuple[str, int], list[dict]] = {}
        for _ in range(ROUNDS):
            for connections in (LOW, HIGH):
                for path in PATHS:
                    rounds.setdefault((path, connections), []).append(drive(path, connections, SECONDS))
        results = {key: median(runs) for key, runs in rounds.items()}

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
