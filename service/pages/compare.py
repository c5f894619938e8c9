"""The compare page: two occupations' levels side by side, the gaps between them, the software
the second uses that the first does not, and the closest transitions from the first.
Server-rendered; its one script and style sheet are served from here."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from service import gap_rule
from service.api.context import current_published, services
from service.db import DOMAINS, DatabaseUnavailable, MartsUnavailable
from service.domain_errors import NoTechnology, NoTechnologyData
from service.serving.technology import TechnologyIndex
from service.serving.transition_ranking import TransitionRanking

blp = Blueprint(
    "compare",
    __name__,
    template_folder="templates",
    static_folder="static/compare",
    static_url_path="/compare/assets",
)

CODE = re.compile(r"\d{2}-\d{4}\.\d{2}")
TRANSITIONS_SHOWN = 10


def _resolve(value: str) -> str | None:
    """The code in a picker's text ("Title (15-1251.00)" or a bare code), else the best title match."""
    found = CODE.search(value)
    if found:
        return found.group(0)
    words = value.split()
    rows = services().db.search_occupations(None, words) if words else []
    return rows[0]["onetsoc_code"] if rows else None


def _levels(db, source: str, target: str) -> dict[str, list[dict[str, Any]]]:
    """Per domain both occupations are rated in (abilities and work activities too, where the release
    ships them), every element with both occupations' effective levels and the gap between them."""
    levels: dict[str, list[dict[str, Any]]] = {domain: [] for domain in DOMAINS}
    targets = {(r["domain"], r["element_id"]): r for r in db.ratings(target)}
    for rating in db.ratings(source):
        other = targets.get((rating["domain"], rating["element_id"]))
        if other is None:  # the target has no ratings in this domain
            continue
        from_level, to_level = float(rating["effective_level"]), float(other["effective_level"])
        levels[rating["domain"]].append(
            {
                "element_id": rating["element_id"],
                "name": rating["name"],
                "from_level": from_level,
                "to_level": to_level,
                "difference": gap_rule.level_difference(rating["effective_level"], other["effective_level"]),
                "from_width": round(from_level / gap_rule.HIGHEST_LEVEL * 100, 2),
                "to_width": round(to_level / gap_rule.HIGHEST_LEVEL * 100, 2),
            }
        )
    return {domain: rows for domain, rows in levels.items() if rows}


def _listed(names: list[str]) -> str:
    """'skills, knowledge and abilities'."""
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def _transitions(profiles: TransitionRanking, code: str) -> tuple[str | None, list[dict[str, Any]]]:
    if profiles.rated(code):
        return "similarity", profiles.transitions(code, limit=TRANSITIONS_SHOWN)
    related = services().db.related_occupations(code)
    listed = [
        {**profiles.occupations[row["related_onetsoc_code"]], "relatedness_tier": row["relatedness_tier"]}
        for row in related[:TRANSITIONS_SHOWN]
        if row["related_onetsoc_code"] in profiles.occupations
    ]
    return ("onet_related_occupations" if listed else None), listed


def _technology(technology: TechnologyIndex, source: str, target: str, release: str) -> dict[str, Any]:
    """The technology gap of the pair, as GET /api/v1/technology-gap answers it, or why there is
    none (the domain error's code)."""
    try:
        gap = technology.require_gap(source, target, release)
    except (NoTechnologyData, NoTechnology) as error:
        return {"status": error.code}
    return {
        "status": "listed",
        "gaps": gap.categories,
        "shared_category_count": gap.shared_category_count,
        "source_lists": technology.lists_technology(source),
    }


def _page(status: int = 200, **context: Any) -> Response:
    context = {"occupations": {}, "unrated": [], "errors": {}, "release": None, **context}
    # Its Content-Security-Policy (no inline script or style) is service/api/security.py's OWN_PAGE_POLICY.
    return Response(render_template("compare.html", **context), status=status, mimetype="text/html")


@blp.get("/compare")
def compare():
    raw = {name: request.args.get(name, "").strip() for name in ("from", "to")}
    try:
        codes = {name: _resolve(value) if value else None for name, value in raw.items()}
        if any(raw[name] and codes[name] and raw[name] != codes[name] for name in raw):
            # A title or "Title (code)" from the pickers: the shareable address has the codes alone.
            return redirect(url_for("compare.compare", **{k: v or raw[k] for k, v in codes.items() if v or raw[k]}))
        published = current_published()
        reference, profiles = published.reference, published.ranking
    except (DatabaseUnavailable, MartsUnavailable):
        return _page(503, unavailable=True, values=raw, errors={})

    errors = {}
    occupations = {}
    for name, value in raw.items():
        if not value:
            continue
        occupation = profiles.occupations.get(codes[name]) if codes[name] else None
        if occupation is None:
            errors[name] = f"No occupation matches “{value}”."
        else:
            occupations[name] = occupation
    values = {name: f"{o['title']} ({o['onetsoc_code']})" for name, o in occupations.items()}
    context: dict[str, Any] = {
        "values": {**raw, **values},
        "errors": errors,
        "occupations": occupations,
        "release": reference.release["onet_release"],
        "unrated": [o for o in occupations.values() if not profiles.rated(o["onetsoc_code"])],
        "domain_names": {domain: row["name"] for domain, row in reference.domains.items()},
        "level_max": gap_rule.HIGHEST_LEVEL,
    }
    db = services().db
    try:
        if "from" in occupations:
            context["basis"], context["transitions"] = _transitions(profiles, occupations["from"]["onetsoc_code"])
        if len(occupations) == 2:
            source, target = occupations["from"]["onetsoc_code"], occupations["to"]["onetsoc_code"]
            context["technology"] = _technology(published.technology, source, target, context["release"])
            if not context["unrated"]:
                context["levels"] = _levels(db, source, target)
                context["gaps"] = gap_rule.in_order(
                    gap
                    for domain in context["levels"]
                    for gap in db.gaps(gap_rule.SKILL_GAP_BY_LEVEL, source, target, domain, None, False)
                )
                context["compared_domains"] = _listed(
                    [context["domain_names"][domain].lower() for domain in context["levels"]]
                )
    except (DatabaseUnavailable, MartsUnavailable):
        return _page(503, unavailable=True, values=context["values"], errors={})
    return _page(404 if errors else 200, **context)
