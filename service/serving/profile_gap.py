"""A person's gap to an occupation: the levels a person gives for some elements against the
occupation's effective levels, by the `skill_gap_by_level` condition and order of service/gap_rule.py,
the same rows as an occupation's source would give. Elements the person left out are not assessed:
never taken as level 0, always listed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from service import gap_rule
from service.db import DOMAINS, Row
from service.serving.gap_index import Rating, gap_rows, kept
from service.serving.reference import Reference


@dataclass(frozen=True)
class ProfileGap:
    gaps: list[Row]  # in the gaps' order (gap_rule.in_order), every answered domain together
    not_assessed: list[Row]  # the target's elements the profile leaves out, by domain, then id


def person_ratings(levels: Mapping[str, int], reference: Reference, domain: str) -> dict[str, Rating]:
    """The person's levels (hundredths, by element id) in `domain`, as ratings with the nearest anchor."""
    ratings = {}
    for element_id, level in levels.items():
        element = reference.elements[element_id]
        if element["domain"] == domain:
            anchor = gap_rule.nearest_anchor(reference.anchors.get(element_id, ()), level)
            ratings[element_id] = Rating(element_id, element["name"], level, None, False, anchor)
    return ratings


def assessed_domains(levels: Iterable[str], reference: Reference) -> list[str]:
    """The domains of the elements a profile rates, in the API's order of domains."""
    rated = {reference.elements[element_id]["domain"] for element_id in levels}
    return [domain for domain in DOMAINS if domain in rated]


def elements_of(reference: Reference, domains: list[str]) -> list[Row]:
    """The elements of `domains` the release rates, by domain (in the API's order), then id."""
    by_domain = reference.elements_by_domain
    return [element for domain in DOMAINS if domain in domains for element in by_domain.get(domain, ())]


def not_assessed(levels: Iterable[str], reference: Reference, domains: list[str]) -> list[Row]:
    """The elements of `domains` the release rates and the profile leaves out, by domain, then id."""
    given = set(levels)
    return [
        {"element_id": e["element_id"], "name": e["name"], "domain": e["domain"]}
        for e in elements_of(reference, domains)
        if e["element_id"] not in given
    ]


def profile_gap(
    levels: Mapping[str, int],
    reference: Reference,
    targets: Mapping[str, Mapping[str, Rating]],
    min_importance: float | None = None,
    exclude_suppressed: bool = False,
) -> ProfileGap:
    """The gap from the person's `levels` to the target's ratings, per domain in `targets`; the
    filters apply to the not-assessed elements too."""
    gaps, not_assessed = [], []
    for domain, target in targets.items():
        person = person_ratings(levels, reference, domain)
        gaps += gap_rows(gap_rule.SKILL_GAP_BY_LEVEL, person, target, domain, min_importance, exclude_suppressed)
        for element_id, rating in sorted(target.items()):
            if element_id not in person and kept(rating, rating.suppressed, min_importance, exclude_suppressed):
                not_assessed.append({"element_id": element_id, "name": rating.name, "domain": domain})
    return ProfileGap(gap_rule.in_order(gaps), not_assessed)
