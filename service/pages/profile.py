"""The "My skills" page: a questionnaire of the release's level anchors per element, then the
occupations the answers match best and the gap to one of them, which the page's script asks the
profile endpoints for. The answers stay in the page: nothing of them is stored or sent elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template

from service import gap_rule
from service.api.context import current_published
from service.db import DatabaseUnavailable, MartsUnavailable
from service.serving.profile_gap import elements_of
from service.serving.reference import Reference, rated_domains

blp = Blueprint(
    "profile",
    __name__,
    template_folder="templates",
    static_folder="static/profile",
    static_url_path="/profile/assets",
)

# The choices of an element a release gives no anchors: the levels themselves.
BARE_LEVELS = tuple(
    (level * 100, f"Level {level} of {gap_rule.HIGHEST_LEVEL}") for level in range(1, gap_rule.HIGHEST_LEVEL + 1)
)


def questionnaire(reference: Reference) -> list[dict[str, Any]]:
    """Per domain the release rates, its elements (by id) with their anchors as (level, description)."""
    rated = rated_domains(reference)
    sections = {
        domain: {"domain": domain, "name": reference.domains[domain]["name"], "elements": []} for domain in rated
    }
    for element in elements_of(reference, rated):
        anchors = reference.anchors.get(element["element_id"]) or BARE_LEVELS
        choices = [(gap_rule.number(level), description) for level, description in anchors]
        sections[element["domain"]]["elements"].append({**element, "anchors": choices})
    return [section for section in sections.values() if section["elements"]]


@blp.get("/profile")
def profile():
    try:
        reference = current_published().reference
    except (DatabaseUnavailable, MartsUnavailable):
        return Response(render_template("profile.html", unavailable=True), status=503, mimetype="text/html")
    html = render_template(
        "profile.html",
        sections=questionnaire(reference),
        release=reference.release["onet_release"],
        level_max=gap_rule.HIGHEST_LEVEL,
    )
    # Its Content-Security-Policy (no inline script or style) is service/api/security.py's OWN_PAGE_POLICY.
    return Response(html, mimetype="text/html")
