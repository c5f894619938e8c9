"""gunicorn's gthread worker, taking a new connection only while no other worker holds fewer.

Keep-alive clients stay on the worker that accepted their connection. With one socket shared by
the workers, gunicorn's worker that wakes first accepts (all four of four connections on one
worker); with a socket per worker (`reuse_port`), a hash of the client's port picks the worker
(three or four of four on one worker in half the runs). That worker's clients then share one core
while the other idles. Here the workers share one socket, each publishes how many connections it
holds in a table in shared memory (mapped by the master before it forks them), and a worker
accepts only while no other ready worker holds fewer; when the counts drift two apart, it asks one
client to connect again (docs/api.md, "Speed").
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from multiprocessing import Lock
from multiprocessing.sharedctypes import RawArray

from gunicorn.workers.gthread import ThreadWorker

# Slots of the shared table: more than the workers a machine runs, old and new ones overlapping
# during a reload. A worker that finds none free accepts as gunicorn's own does.
SLOTS = 64
# A worker refreshes its slot at least every second (gunicorn's loop wakes every second); one not
# refreshed for longer than this is dead or stuck and no longer counted.
STALE_SECONDS = 3.0
# How often a worker that leaves new connections to the others looks again at their counts.
DEFERRED_POLL_SECONDS = 0.05


class _Slot(ctypes.Structure):
    _fields_ = [
        ("pid", ctypes.c_long),  # the worker's, 0 when free
        ("connections", ctypes.c_long),  # held now; -1 while the worker is not accepting yet
        ("seen", ctypes.c_double),  # time.monotonic() of the last refresh (or of the claim)
    ]


class ConnectionTable:
    """How many connections each worker holds, in shared memory every worker of a master sees."""

    def __init__(self, slots: int = SLOTS):
        self._slots = RawArray(_Slot, slots)
        # Slots past the last one ever claimed are never read.
        self._claimed = RawArray(ctypes.c_long, 1)
        self._lock = Lock()

    def claim(self, pid: int) -> int | None:
        """A free slot for worker `pid` (one never used, or whose worker is gone), not yet counted."""
        now = time.monotonic()
        with self._lock:
            for index, slot in enumerate(self._slots):
                if slot.pid == 0 or (slot.pid != pid and not _alive(slot.pid)):
                    slot.pid, slot.connections, slot.seen = pid, -1, now
                    self._claimed[0] = max(self._claimed[0], index + 1)
                    return index
        return None

    def publish(self, index: int, connections: int) -> None:
        slot = self._slots[index]
        slot.connections, slot.seen = connections, time.monotonic()

    def release(self, index: int) -> None:
        """The worker accepts no more: no longer counted."""
        self._slots[index].connections = -1

    def fewest_elsewhere(self, index: int) -> int | None:
        """The fewest connections another counted worker holds (None: no other is counted)."""
        oldest = time.monotonic() - STALE_SECONDS
        counts = [
            slot.connections
            for i, slot in enumerate(self._slots[: self._claimed[0]])
            if i != index and slot.pid and slot.connections >= 0 and slot.seen >= oldest
        ]
        return min(counts, default=None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class BalancedThreadWorker(ThreadWorker):
    """A gthread worker that accepts only while it holds no more connections than any other."""

    table: ConnectionTable | None = None
    slot: int | None = None
    _counted = False
    # A connection asked to close so that its client connects again, not closed yet.
    _moving = False

    @classmethod
    def check_config(cls, cfg, log):
        # In the master, before any worker is forked: the table every worker inherits.
        super().check_config(cfg, log)
        cls.table = ConnectionTable()

    # gunicorn's count of the connections the worker holds, published at every change.
    @property
    def nr_conns(self) -> int:
        return self._connections

    @nr_conns.setter
    def nr_conns(self, value: int) -> None:
        if value < getattr(self, "_connections", 0):
            self._moving = False
        self._connections = value
        self._publish()

    def _publish(self) -> None:
        if self._counted:
            self.table.publish(self.slot, self._connections)

    def init_process(self):
        if self.table is not None:
            self.slot = self.table.claim(os.getpid())
        self._moving_lock = threading.Lock()
        super().init_process()

    def run(self):
        # Counted from here on: the worker has read the build (post_worker_init) and starts accepting.
        self._counted = self.slot is not None
        self._publish()
        super().run()

    def notify(self):
        """Once per turn of gunicorn's loop (at least every second): the slot, refreshed."""
        super().notify()
        self._publish()

    def handle_exit(self, sig, frame):
        # Stopping: no longer counted, so that no other worker leaves connections to this one.
        if self._counted:
            self._counted = False
            self.table.release(self.slot)
        super().handle_exit(sig, frame)

    def _fewest(self) -> bool:
        """Whether no other counted worker holds fewer connections than this one."""
        if not self._counted:
            return True
        fewest = self.table.fewest_elsewhere(self.slot)
        return fewest is None or self._connections <= fewest

    def _over_its_share(self) -> bool:
        """Whether this worker holds two connections more than another, so that moving one evens
        them out, and no other is being moved: keep-alive clients stay where they first landed,
        and landed unevenly when the counts changed under them (many connections closing at once)."""
        if not self._counted:
            return False
        fewest = self.table.fewest_elsewhere(self.slot)
        if fewest is None or self._connections - fewest < 2:
            return False
        with self._moving_lock:
            moving, self._moving = self._moving, True
        return not moving

    def handle_request(self, req, conn):
        if self._over_its_share():
            # Answered with "Connection: close": the client's next connection goes to a worker with fewer.
            req.must_close = True
        return super().handle_request(req, conn)

    def set_accept_enabled(self, enabled):
        # gunicorn asks every turn while this worker is not accepting: the counts are looked at again.
        super().set_accept_enabled(enabled and self.alive and self._fewest())

    def accept(self, listener):
        if not self._fewest():
            # Another worker holds fewer: the connection stays queued for it.
            super().set_accept_enabled(False)
            return
        super().accept(listener)

    def wait_for_and_dispatch_events(self, timeout):
        if not self._accepting and self.alive and self._connections < self.worker_connections:
            timeout = min(timeout, DEFERRED_POLL_SECONDS)
        super().wait_for_and_dispatch_events(timeout)
