"""The small marts every request checks against (release, domains, occupation index), kept in
memory and reloaded when another build is published."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from service import gap_rule
from service.db import DOMAINS, Database, MartsUnavailable, Row
from service.domain_errors import EmptyDomain, NoAnchors, NoRatings, UnknownElement, UnknownOccupation

Anchors = tuple[tuple[int, str], ...]  # an element's level anchors: (level in hundredths, description), lowest first


@dataclass(frozen=True)
class Reference:
    release: Row
    domains: dict[str, Row]
    occupations: dict[str, Row]
    elements: dict[str, Row]  # the elements the release rates, by id
    anchors: dict[str, Anchors]  # by element id; an element without anchors is not in it

    @cached_property
    def elements_by_domain(self) -> dict[str, list[Row]]:
        """The elements the release rates, by domain, each domain's by id."""
        by_domain: dict[str, list[Row]] = {}
        for element_id in sorted(self.elements):
            element = self.elements[element_id]
            by_domain.setdefault(element["domain"], []).append(element)
        return by_domain


class ReferenceCache:
    """Re-reads `release_info` at most every `check_seconds`; reloads the rest when it changed."""

    def __init__(self, db: Database, check_seconds: float):
        self._db = db
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._reference: Reference | None = None
        self._version: tuple[Any, ...] | None = None
        self._checked_at = float("-inf")

    def get(self) -> Reference:
        reference = self._reference
        if reference is None or time.monotonic() - self._checked_at >= self.check_seconds:
            with self._lock:
                reference = self._reference
                if reference is None or time.monotonic() - self._checked_at >= self.check_seconds:
                    reference = self._refresh()
        return reference

    def hold(self, reference: Reference) -> None:
        """Take `reference`, just read with a whole build, when none is held: a worker's first
        request then finds it (a reference held is newer or the same)."""
        with self._lock:
            if self._reference is None:
                self._reference, self._version = reference, version_of(reference.release)
                self._checked_at = time.monotonic()

    def _refresh(self) -> Reference:
        release = read_release(self._db)
        if version_of(release) != self._version:
            self._reference = load_reference(self._db, release)
            self._version = version_of(release)
        self._checked_at = time.monotonic()
        return self._reference


def read_release(db: Database) -> Row:
    release = db.release_info()
    if release is None:
        raise MartsUnavailable("release_info is empty")
    return release


def version_of(release: Row) -> tuple[Any, ...]:
    """What changes with every published build."""
    return (release["onet_release"], release["load_id"], release["built_at"])


def load_reference(db: Database, release: Row) -> Reference:
    anchors: dict[str, list[tuple[int, str]]] = {}
    for row in db.level_anchors():
        anchors.setdefault(row["element_id"], []).append(
            (gap_rule.hundredths(row["anchor_value"]), row["anchor_description"])
        )
    return Reference(
        release=release,
        domains={row["domain"]: row for row in db.domains()},
        occupations={row["onetsoc_code"]: row for row in db.occupation_index()},
        elements={row["element_id"]: row for row in db.rated_elements()},
        anchors={element_id: tuple(sorted(listed)) for element_id, listed in anchors.items()},
    )


def ships(reference: Reference, domain: str) -> bool:
    """Whether the release ships ratings of the domain."""
    row = reference.domains.get(domain)
    return row is not None and row["rated_occupation_count"] > 0


def rated_domains(reference: Reference) -> list[str]:
    """The domains the release ships ratings of, in the API's order."""
    return [domain for domain in DOMAINS if ships(reference, domain)]


def require_domain(reference: Reference, domain: str) -> None:
    """Raise EmptyDomain for a domain whose ratings the release does not ship."""
    if not ships(reference, domain):
        release = reference.release["onet_release"]
        raise EmptyDomain(
            f"O*NET {release} has no {domain} ratings: the release does not ship that domain.",
            parameter="domain",
            value=domain,
            release=release,
        )


def require_known(reference: Reference, parameter: str, code: str) -> dict:
    """The occupation; UnknownOccupation when no occupation has the code."""
    occupation = reference.occupations.get(code)
    if occupation is None:
        raise UnknownOccupation(f"No occupation has the code {code}.", parameter=parameter, value=code)
    return occupation


def require_rated(reference: Reference, parameter: str, code: str, domain: str) -> dict:
    """The occupation; UnknownOccupation or NoRatings when it does not exist or has no ratings in the domain."""
    occupation = require_known(reference, parameter, code)
    if not occupation[f"has_{domain}"]:
        raise NoRatings(
            f"{code} ({occupation['title']}) has no {domain} ratings in O*NET {reference.release['onet_release']}.",
            parameter=parameter,
            value=code,
            domain=domain,
        )
    return occupation


def require_element(reference: Reference, element_id: str) -> dict:
    """The element; UnknownElement when the release rates no element with the id."""
    element = reference.elements.get(element_id)
    if element is None:
        raise UnknownElement(
            f"No element that O*NET {reference.release['onet_release']} rates has the id {element_id}.",
            parameter="element_id",
            value=element_id,
        )
    return element


def require_anchors(reference: Reference, element_id: str) -> Anchors:
    """The element's level anchors; UnknownElement, or NoAnchors when the release gives it none."""
    element = require_element(reference, element_id)
    anchors = reference.anchors.get(element_id)
    if not anchors:
        raise NoAnchors(
            f"O*NET {reference.release['onet_release']} gives {element_id} ({element['name']}) no level anchors.",
            parameter="element_id",
            value=element_id,
        )
    return anchors
