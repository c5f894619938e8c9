"""The table the gunicorn workers share their connection counts through (service/api/balanced_worker.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from service.api import balanced_worker
from service.api.balanced_worker import ConnectionTable


def gone_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_worker_is_counted_once_it_publishes():
    table = ConnectionTable(slots=4)
    first, second = table.claim(os.getpid()), table.claim(os.getppid())
    assert (first, second) == (0, 1)
    assert table.fewest_elsewhere(first) is None, "a claimed slot is not counted before its worker publishes"
    table.publish(second, 3)
    assert table.fewest_elsewhere(first) == 3
    assert table.fewest_elsewhere(second) is None, "a worker's own count is not another's"
    table.publish(first, 1)
    assert table.fewest_elsewhere(second) == 1


def test_a_stopping_worker_is_no_longer_counted():
    table = ConnectionTable(slots=4)
    first, second = table.claim(os.getpid()), table.claim(os.getppid())
    table.publish(first, 0)
    table.publish(second, 5)
    table.release(first)
    assert table.fewest_elsewhere(second) is None


def test_a_worker_not_heard_from_is_no_longer_counted(monkeypatch):
    table = ConnectionTable(slots=4)
    first, second = table.claim(os.getpid()), table.claim(os.getppid())
    table.publish(second, 2)
    now = balanced_worker.time.monotonic()
    monkeypatch.setattr(balanced_worker.time, "monotonic", lambda: now + balanced_worker.STALE_SECONDS + 0.1)
    assert table.fewest_elsewhere(first) is None


def test_the_slot_of_a_gone_worker_is_claimed_again():
    table = ConnectionTable(slots=2)
    first = table.claim(gone_pid())
    table.publish(first, 7)
    assert table.claim(os.getpid()) == first
    other = table.claim(os.getppid())
    assert other == 1
    assert table.fewest_elsewhere(other) is None, "the slot's new worker is not counted before it publishes"


def test_with_every_slot_taken_a_worker_gets_none():
    table = ConnectionTable(slots=1)
    assert table.claim(os.getpid()) == 0
    assert table.claim(os.getppid()) is None


def test_the_table_is_shared_with_a_forked_worker():
    table = ConnectionTable(slots=2)
    parent = table.claim(os.getpid())
    pid = os.fork()
    if pid == 0:  # the worker: claims and publishes, as a forked gunicorn worker does
        table.publish(table.claim(os.getpid()), 4)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert table.fewest_elsewhere(parent) == 4, "the forked worker's count is seen by the others"
