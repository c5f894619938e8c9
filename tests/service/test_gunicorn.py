"""The service under a real gunicorn process with the committed configuration."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import REPO
from tests.service.gunicorn_server import GUNICORN

REQUESTS = [
    ("/health", 200),
    ("/health/ready", 200),
    ("/api/v1/meta", 200),
    ("/api/v1/domains", 200),
    ("/api/v1/occupations?q=chief%20executive", 200),
    ("/api/v1/occupations/11-1011.00", 200),
    ("/api/v1/elements?domain=knowledge", 200),
    ("/skill-gap?from=15-1251.00&to=11-1011.00", 200),
    ("/api/v1/skill-gap?from=15-1251.00&to=11-1011.00", 200),
    ("/api/v1/skill-gap-by-lvl?from=15-1251.00&to=11-1011.00&domain=knowledge", 200),
    ("/api/v1/skill-gap?from=15-1252.00&to=11-1011.00", 404),
    ("/api/v1/skill-gap?from=nope&to=11-1011.00", 422),
    ("/openapi.json", 200),
    ("/docs", 200),
]


def test_every_endpoint_answers_under_gunicorn(server, checker):
    for path, status in REQUESTS:
        response = server.get(path)
        assert response.status_code == status, path
        if response.headers["Content-Type"] == "application/json" and not path.startswith("/openapi"):
            template = path.split("?")[0]
            if template.startswith("/api/v1/occupations/"):
                template = "/api/v1/occupations/{code}"
            checker.check(template, "get", status, response.json())


def test_levels_are_numbers_on_the_wire(server):
    text = server.get("/api/v1/occupations/11-1011.00").text
    assert re.search(r'"element_id":\s*"2\.A\.1\.a"', text)
    assert re.search(r'"importance":\s*4\.12\b', text) and re.search(r'"level":\s*4\.62\b', text)


def test_one_log_line_per_request(server):
    marker = f"/api/v1/occupations?q=logline{time.monotonic_ns()}"
    server.get(marker)
    server.get("/api/v1/skill-gap?from=15-1251.00&to=99-9999.00")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and marker not in server.log.read_text():
        time.sleep(0.1)
    lines = server.log.read_text().splitlines()
    mine = [line for line in lines if marker in line]
    assert len(mine) == 1
    assert re.search(r"GET /api/v1/occupations\?q=logline\d+ 200 \d+\.\dms$", mine[0])
    assert sum("to=99-9999.00 404 " in line for line in lines) == 1


def worker_pids(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(FileNotFoundError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    return inodes


# /proc/net/tcp's states
ESTABLISHED, TIME_WAIT = "01", "06"


def server_sockets(port: int, states: set[str]) -> dict[int, str]:
    """The service's end of each connection to `port` in one of `states`, by the client's port: its inode."""
    sockets = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state in states and int(local.split(":")[1], 16) == port:
            sockets[int(remote.split(":")[1], 16)] = inode
    return sockets


def open_server_ends(port: int, clients: set[int]) -> set[int]:
    """Of `clients` (their ports), those whose connection the service has not closed yet."""
    every_state = {f"{state:02X}" for state in range(1, 12)} - {TIME_WAIT}
    return set(server_sockets(port, every_state)) & clients


def both_workers_counted(server) -> list[int]:
    """The two workers' pids, once both have read the build (and count their connections)."""
    master = server.process.pid
    deadline = time.monotonic() + 30
    while server.builds_read() < 2 or len(worker_pids(master)) < 2:
        assert time.monotonic() < deadline, "both workers read the build"
        time.sleep(0.1)
    return worker_pids(master)


def opened(port: int, count: int) -> list[http.client.HTTPConnection]:
    """`count` keep-alive connections to the service, one after another, each answered once."""
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(count)]
    for connection in connections:
        assert answer(connection).status == 200
    return connections


def answer(connection: http.client.HTTPConnection) -> http.client.HTTPResponse:
    connection.request("GET", "/health")
    response = connection.getresponse()
    response.read()
    return response


def holders(port: int, workers: list[int], connections: list[http.client.HTTPConnection]) -> dict:
    """Which worker holds each connection's other end, by the connection."""
    ends = server_sockets(port, {ESTABLISHED})
    return {
        connection: next(pid for pid in workers if ends[connection.sock.getsockname()[1]] in socket_inodes(pid))
        for connection in connections
    }


def closed(port: int, connections: list[http.client.HTTPConnection]) -> None:
    """The connections closed by the client, once the service has closed its ends too."""
    ours = {connection.sock.getsockname()[1] for connection in connections}
    for connection in connections:
        connection.close()
    deadline = time.monotonic() + 30
    while open_server_ends(port, ours):
        assert time.monotonic() < deadline, "the workers closed their ends"
        time.sleep(0.01)


def test_the_workers_take_equal_shares_of_the_connections(server):
    """Four keep-alive connections at a time, opened one after another, as a small client pool or
    a 4-connection benchmark opens them: two on each worker, every time (left to the kernel, a
    2-2 split came one time in three)."""
    port = urlsplit(server.url).port
    workers = both_workers_counted(server)
    for _ in range(6):
        connections = opened(port, 4)
        held = Counter(holders(port, workers, connections).values())
        assert sorted(held.values()) == [2, 2], held
        closed(port, connections)


def test_a_worker_with_two_connections_more_than_another_moves_one(server):
    """When the other worker's clients leave, one of the two connections left on a worker is
    answered with `Connection: close`, and its client's next connection lands on the other worker."""
    port = urlsplit(server.url).port
    workers = both_workers_counted(server)
    connections = opened(port, 4)
    held = holders(port, workers, connections)
    stays, leaves = workers
    closed(port, [connection for connection in connections if held[connection] == leaves])
    remaining = [connection for connection in connections if held[connection] == stays]
    assert len(remaining) == 2
    first, second = (answer(connection) for connection in remaining)
    assert sorted([first.getheader("Connection"), second.getheader("Connection")]) == [
        "close",
        "keep-alive",
    ], "exactly one of the two is asked to close"
    moved = remaining[0] if first.getheader("Connection") == "close" else remaining[1]
    assert answer(moved).status == 200  # http.client connects again
    assert holders(port, workers, remaining) == {remaining[0]: stays, remaining[1]: stays} | {moved: leaves}
    assert all(answer(connection).getheader("Connection") == "keep-alive" for connection in remaining)
    closed(port, remaining)


def test_a_port_in_use_is_named_and_gunicorn_exits(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "SERVICE_PORT": str(port)}
        result = subprocess.run(GUNICORN, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Connection in use: ('127.0.0.1', {port})" in result.stderr
    assert f"Can't connect to ('127.0.0.1', {port})" in result.stderr
    assert "Traceback" not in result.stderr
