"""What the gap and transition endpoints answer from: each worker holds the published build in
memory (reference data, ratings as a gap index, the transition ranking, the matrix profiles are
matched against, the software each occupation lists, and its responses), read
before the worker serves and, when another build is published, read again in the background and
switched to once it is whole."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cachetools

from service.db import Database, MartsUnavailable, Row
from service.serving.gap_index import GapIndex
from service.serving.occupation_matrix import OccupationMatrix
from service.serving.profile_matches import ProfileMatches
from service.serving.reference import Reference, ReferenceCache, load_reference, read_release, version_of
from service.serving.technology import TechnologyIndex
from service.serving.transition_ranking import RANKED_DOMAINS, TransitionRanking

log = logging.getLogger(__name__)

# Reads that straddle a publish are read again (each read takes about a second).
READ_ATTEMPTS = 3
# A failed read is tried again after the release check interval, and no sooner than this.
MIN_RETRY_SECONDS = 1.0
READ_SWITCH_INTERVAL_SECONDS = 0.0005
# A worker checks for another build at the release check interval, and no more often than this.
MIN_WATCH_SECONDS = 0.1


class ResponseCache:
    """JSON response bodies of one build by request, the least recently used dropped first."""

    def __init__(self, size: int):
        self._bodies: cachetools.LRUCache = cachetools.LRUCache(maxsize=max(size, 1))
        self._enabled = size > 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            return self._bodies.get(key)

    def put(self, key: tuple, body: bytes) -> None:
        if self._enabled:
            with self._lock:
                self._bodies[key] = body


@dataclass(frozen=True)
class Published:
    """One build's reference data, transition ranking, gap index, profile matches and responses: a
    response never mixes builds, and another build starts with no responses."""

    reference: Reference
    ranking: TransitionRanking
    gap_index: GapIndex
    matches: ProfileMatches
    technology: TechnologyIndex
    responses: ResponseCache = field(default_factory=lambda: ResponseCache(0))


def read_ranking(db: Database, ratings: list[Row]) -> TransitionRanking:
    """The transition ranking over `ratings` (Database.occupation_ratings)."""
    ranked = [row for row in ratings if row["domain"] in RANKED_DOMAINS]
    return TransitionRanking(db.ranking_occupations(), ranked, db.alternate_titles())


def read_matrix(db: Database, ratings: list[Row]) -> OccupationMatrix:
    """Every rated occupation over every element of `ratings` (Database.occupation_ratings)."""
    return OccupationMatrix(db.ranking_occupations(), ratings)


class PublishedBuilds:
    """The build this worker answers from, and the reading of the next one.

    Until `read_before_serving` is called (outside gunicorn: a test client, `flask run`), a request
    that finds no build held reads it and waits. After it, reads happen in the background only: a
    request answers from the build held meanwhile, or with MartsUnavailable when none is held yet,
    and the worker itself checks for another build every release check interval, so that one that
    no request reaches switches too."""

    def __init__(self, db: Database, reference: ReferenceCache, response_cache_size: int):
        self._db = db
        self._reference = reference
        self._response_cache_size = response_cache_size
        self._lock = threading.Lock()
        # The build and its version, replaced together.
        self._held: tuple[Published, tuple[Any, ...]] | None = None
        self._reading: threading.Thread | None = None
        self._in_background = False
        # A version whose read failed is tried again after the release check interval (at least
        # MIN_RETRY_SECONDS).
        self._failed: tuple[tuple[Any, ...], float] | None = None
        self._retry_seconds = max(reference.check_seconds, MIN_RETRY_SECONDS)

    def get(self) -> Published:
        version = version_of(self._reference.get().release)
        held = self._held
        if held is not None and held[1] == version:
            return held[0]
        if held is not None or self._in_background:
            self._read_in_background(version)
            if held is None:
                raise MartsUnavailable("the published build is being read")
            return held[0]
        with self._lock:
            if self._held is None:
                self._read_and_hold()
            return self._held[0]

    def read_before_serving(self) -> None:
        """Read the published build now (a worker about to serve), then only ever in the background.
        With nothing published, no database or a build that cannot be read, the worker starts all
        the same and reads again every retry interval until it holds a build."""
        try:
            self._read_and_hold()
        except Exception as exc:
            log.warning(
                "no published build read at start (read again every %g s until one is): %s", self._retry_seconds, exc
            )
            self._reading = threading.Thread(target=self._read_until_held, name="published-read", daemon=True)
            self._reading.start()
        self._in_background = True
        threading.Thread(target=self._watch, name="published-watch", daemon=True).start()

    def _watch(self) -> None:
        """Every check interval, once a build is held: read another one published since, as a
        request would (the first build is read by `read_before_serving` or `_read_until_held`)."""
        while True:
            time.sleep(max(self._reference.check_seconds, MIN_WATCH_SECONDS))
            if self._held is None:
                continue
            try:
                self.get()
            except Exception as exc:  # the database out of reach: answering from the build held
                log.debug("no check for another build: %s", exc)

    def _read_in_background(self, version: tuple[Any, ...]) -> None:
        with self._lock:
            if self._reading is not None and self._reading.is_alive():
                return
            if self._failed is not None:
                failed_version, at = self._failed
                if failed_version == version and time.monotonic() - at < self._retry_seconds:
                    return
            self._reading = threading.Thread(
                target=self._read_and_switch, args=(version,), name="published-read", daemon=True
            )
            self._reading.start()

    def _read_and_switch(self, version: tuple[Any, ...]) -> None:
        try:
            self._read_and_hold()
        except Exception as exc:
            self._failed = (version, time.monotonic())
            answering = "from the build held" if self._held is not None else "503 marts_unavailable"
            log.warning(
                "published build not read (tried again in %g s; answering %s meanwhile): %s",
                self._retry_seconds,
                answering,
                exc,
            )
            return
        self._failed = None

    def _read_until_held(self) -> None:
        reason = None
        while self._held is None:
            time.sleep(self._retry_seconds)
            try:
                self._read_and_hold()
            except Exception as exc:
                if str(exc) != reason:
                    log.warning("no published build read yet: %s", exc)
                reason = str(exc)

    def _read_and_hold(self) -> None:
        with _beside_requests():
            published, version = self._read()
            self._held = published, version
            # A build's objects live until the next build (freed then by reference counts): out of
            # the cyclic collector's full passes, which over them took about 60 ms, a stall for
            # every request the worker was serving.
            gc.freeze()
        self._reference.hold(published.reference)
        release = published.reference.release
        log.info(
            "published build read for O*NET %s, built at %s: answering from it",
            release["onet_release"],
            release["built_at"],
        )

    def _read(self) -> tuple[Published, tuple[Any, ...]]:
        db = self._db
        for _ in range(READ_ATTEMPTS):
            release = read_release(db)
            reference = load_reference(db, release)
            ratings = db.occupation_ratings()
            ranking = read_ranking(db, ratings)
            gap_index = GapIndex(ratings)
            matches = ProfileMatches(read_matrix(db, ratings))
            technology = TechnologyIndex(db.occupation_technology())
            if version_of(read_release(db)) == version_of(release):
                responses = ResponseCache(self._response_cache_size)
                published = Published(reference, ranking, gap_index, matches, technology, responses)
                return published, version_of(release)
        raise MartsUnavailable(f"builds were published during each of {READ_ATTEMPTS} reads of the marts")


@contextlib.contextmanager
def _beside_requests() -> Iterator[None]:
    """While a build is read beside the requests answered from the previous one: no cyclic
    collection (its full passes over the new build's objects, tens of milliseconds each, hold the
    GIL), and a short switch interval, so that a request thread waits for the GIL a fraction of a
    millisecond rather than 5 ms each time it needs it."""
    collecting = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(READ_SWITCH_INTERVAL_SECONDS)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
