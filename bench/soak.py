"""Soak the REST service under gunicorn (its committed gunicorn.conf.py): 64 connections for at
least 60 s on the gap and transition endpoints, random pairs and occupations mixed.

Prints the requests, errors and latency, and each worker's resident memory at the end of the
warm-up and at the end of the soak; exits non-zero on any error or non-2xx answer, or when a
worker's memory grew by 10% or more.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _serving import WRK_DONE, served, wait_for_builds_read, wrk

CONNECTIONS = 64
# Long enough for every worker's kept answers (SERVICE_ANSWER_CACHE_SIZE) to fill up.
WARM_UP_SECONDS = int(os.environ.get("BENCH_SOAK_WARM_UP_SECONDS", "20"))
SOAK_SECONDS = max(60, int(os.environ.get("BENCH_SOAK_SECONDS", "60")))
OCCUPATIONS = 400
TARGET_RSS_GROWTH = 0.10

# wrk's Lua: each request one of the gap endpoints for a random pair, or a random occupation's transitions.
WRK_SCRIPT = (
    """
local codes, threads = {}, 0
local gaps = {"/api/v1/skill-gap", "/api/v1/skill-gap-by-lvl", "/skill-gap"}
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  math.randomseed(os.time() * 100 + id)
end
function request()
  local from, to = codes[math.random(#codes)], codes[math.random(#codes)]
  local kind = math.random(4)
  if kind == 4 then return wrk.format("GET", "/api/v1/occupations/" .. from .. "/transitions") end
  return wrk.format("GET", gaps[kind] .. "?from=" .. from .. "&to=" .. to)
end
"""
    + WRK_DONE
)


def worker_rss_kb(master: int) -> dict[int, int]:
    """Resident memory (kB) of each gunicorn worker of `master`."""
    children = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    rss = {}
    for pid in map(int, children):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss[pid] = int(line.split()[1])
    return rss


def main() -> int:
    with served("soak", WRK_SCRIPT, OCCUPATIONS) as service:
        wait_for_builds_read(service)  # every worker listening, so the connections spread over them
        warm_up = wrk(service.port, service.script, CONNECTIONS, WARM_UP_SECONDS, str(service.codes))
        before = worker_rss_kb(service.process.pid)
        soak = wrk(service.port, service.script, CONNECTIONS, SOAK_SECONDS, str(service.codes))
        after = worker_rss_kb(service.process.pid)

    print(f"soak: gunicorn (gunicorn.conf.py), wrk -t2 -c{CONNECTIONS}; gap endpoints and transitions mixed,")
    print(f"random pairs and occupations among {OCCUPATIONS} rated occupations")
    for name, r in (("warm-up", warm_up), ("soak", soak)):
        print(
            f"{name:8} {r['seconds']:6.1f} s {r['requests']:>8} requests {r['rps']:>7.0f} req/s"
            f"  p50 {r['p50_us'] / 1000:.2f} ms  p99 {r['p99_us'] / 1000:.2f} ms"
            f"  errors {r['errors']}  non-2xx {r['non_2xx']}"
        )
    misses = []
    if soak["errors"] or soak["non_2xx"]:
        misses.append(f"{soak['errors']} errors and {soak['non_2xx']} non-2xx answers during the soak")
    if set(before) != set(after):
        misses.append(f"workers changed during the soak: {sorted(before)} -> {sorted(after)}")
    for pid in sorted(before):
        growth = (after.get(pid, 0) - before[pid]) / before[pid]
        print(
            f"worker {pid}: RSS {before[pid] / 1024:.1f} MB after warm-up, {after.get(pid, 0) / 1024:.1f} MB at the end"
            f" ({growth:+.1%}; target < {TARGET_RSS_GROWTH:.0%})"
        )
        if growth >= TARGET_RSS_GROWTH:
            misses.append(f"worker {pid} grew {growth:.1%}")
    for miss in misses:
        print(f"MISS: {miss}")
    print("all targets met" if not misses else f"{len(misses)} target(s) missed")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
