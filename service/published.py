"""What the gap and transition endpoints answer from: the published ratings in memory, read in one
go at start and again when another build is published."""

from __future__ import annotations

import gc
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import cachetools
from flask import current_app, g

from service.db import Database, MartsUnavailable, Row
from service.gap_index import GapIndex
from service.ranking import RANKED_DOMAINS, Profiles
from service.reference import Reference, ReferenceCache, load_reference, read_release, version_of

log = logging.getLogger(__name__)

# Reads that straddle a publish are read again (each read takes about a second).
READ_ATTEMPTS = 3


class AnswerCache:
    """JSON answers of one build by request, the least recently used dropped first."""

    def __init__(self, size: int):
        self._answers: cachetools.LRUCache = cachetools.LRUCache(maxsize=max(size, 1))
        self._enabled = size > 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            return self._answers.get(key)

    def put(self, key: tuple, body: bytes) -> None:
        if self._enabled:
            with self._lock:
                self._answers[key] = body


@dataclass(frozen=True)
class Published:
    """One build's reference data, transition ranking, gap index and answers: an answer never
    mixes builds, and another build starts with no answers."""

    reference: Reference
    profiles: Profiles
    gaps: GapIndex
    answers: AnswerCache = field(default_factory=lambda: AnswerCache(0))


def current_published() -> Published:
    """The build this request answers from, the same one for the whole request."""
    if "onet_published" not in g:
        g.onet_published = current_app.extensions["onet_published"].get()
    return g.onet_published


def read_profiles(db: Database, ratings: list[Row]) -> Profiles:
    """The transition ranking over `ratings` (Database.occupation_ratings)."""
    ranked = [row for row in ratings if row["domain"] in RANKED_DOMAINS]
    return Profiles(db.ranking_occupations(), ranked, db.alternate_titles())


class PublishedCache:
    """Reads the marts again when the reference cache sees another build in `release_info`."""

    def __init__(self, db: Database, reference: ReferenceCache, answer_cache_size: int):
        self._db = db
        self._reference = reference
        self._answer_cache_size = answer_cache_size
        self._lock = threading.Lock()
        self._published: Published | None = None
        # The reference cache's version that the held build was read for.
        self._read_for: tuple[Any, ...] | None = None

    def get(self) -> Published:
        version = version_of(self._reference.get().release)
        if self._read_for != version:
            with self._lock:
                if self._read_for != version:
                    self._published = self._read()
                    self._read_for = version
                    # A build's objects live until the next build (freed then by reference counts):
                    # out of the cyclic collector's full passes, which over them took about 60 ms,
                    # a stall for every request the worker was serving.
                    gc.freeze()
        return self._published

    def _read(self) -> Published:
        db = self._db
        for _ in range(READ_ATTEMPTS):
            release = read_release(db)
            reference = load_reference(db, release)
            ratings = db.occupation_ratings()
            profiles = read_profiles(db, ratings)
            gaps = GapIndex(ratings)
            if version_of(read_release(db)) == version_of(release):
                log.info("published ratings read for O*NET %s", release["onet_release"])
                return Published(reference, profiles, gaps, AnswerCache(self._answer_cache_size))
        raise MartsUnavailable(f"builds were published during each of {READ_ATTEMPTS} reads of the marts")

    def warm(self) -> None:
        """Read in the background so the first request does not wait; a failure here is met
        again by the first request, which answers with the service's error."""

        def read():
            try:
                self.get()
            except Exception as exc:
                log.warning("published ratings not read at start: %s", exc)

        threading.Thread(target=read, name="published-warm", daemon=True).start()
