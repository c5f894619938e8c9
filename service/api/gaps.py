"""Skill gaps between two occupations, as the `skill_gap` and `skill_gap_by_level` marts define them:
from the published ratings in memory, or, for an occupation whose ratings come from O*NET Web
Services, from the marts themselves."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from service.api.cached_responses import cached_response, do_not_cache
from service.api.context import current_published, services
from service.api.errors import Blueprint
from service.api.schemas import Flag, OccupationRefSchema, Rating, ResponseSchema, domain_field, occupation_code
from service.onet_ws.fetched_ratings import RELEASE, WEB_SERVICES, RatingsOrigin
from service.serving.reference import require_domain, require_known

blp = Blueprint("gaps", __name__, description="What a move from one occupation to another asks for.")


class PairArgsSchema(Schema):
    """The move asked about, as every endpoint comparing two occupations takes it."""

    from_ = occupation_code("The occupation a person holds.", data_key="from", required=True)
    to = occupation_code("The occupation a person wants.", required=True)


def min_importance_field() -> fields.Float:
    return fields.Float(
        load_default=None,
        validate=validate.Range(min=0, max=5),
        metadata={"description": "Keep only elements at least this important to the target (IM, 1-5)."},
    )


def exclude_suppressed_field() -> fields.Boolean:
    return fields.Boolean(
        load_default=False,
        metadata={"description": "Leave out elements where O*NET recommends suppressing either rating."},
    )


class GapArgsSchema(PairArgsSchema):
    domain = domain_field(load_default="skills")
    min_importance = min_importance_field()
    exclude_suppressed = exclude_suppressed_field()


class GapItemSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.1.a"})
    name = fields.String(required=True, metadata={"example": "Reading Comprehension"})
    domain = fields.String(required=True, metadata={"example": "skills"})
    from_level = Rating(required=True, metadata={"description": "Effective level in the source occupation."})
    to_level = Rating(required=True, metadata={"description": "Effective level in the target occupation."})
    difference = Rating(required=True, metadata={"description": "to_level - from_level."})
    importance = Rating(required=True, metadata={"description": "Importance to the target (IM, 1-5)."})
    suppressed = Flag(required=True, metadata={"description": "O*NET recommends suppressing one of the two ratings."})
    from_anchor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The Level Scale Anchor nearest to from_level; null: the element has none."},
    )
    to_anchor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The Level Scale Anchor nearest to to_level; null: the element has none."},
    )


class GapOccupationSchema(OccupationRefSchema):
    source = fields.String(
        required=True,
        validate=validate.OneOf([RELEASE, WEB_SERVICES]),
        metadata={
            "description": "Where the occupation's ratings come from: `onet_release`, the release loaded; "
            "`onet_web_services`, fetched from O*NET Web Services because the release has none for it."
        },
    )
    onet_version = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "The O*NET database version of those ratings (null: not reported).",
            "example": "29.3",
        },
    )
    fetched_at = fields.DateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When they were fetched from O*NET Web Services; null for the release's."},
    )


class GapSchema(ResponseSchema):
    from_ = fields.Nested(GapOccupationSchema, data_key="from", required=True)
    to = fields.Nested(GapOccupationSchema, required=True)
    domain = fields.String(required=True, metadata={"example": "skills"})
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    gaps = fields.List(fields.Nested(GapItemSchema), required=True)


GAP_SCHEMA = GapSchema()


def rated_side(reference, parameter: str, code: str, domain: str) -> dict:
    """The occupation with where its ratings in the domain come from (fetched if need be)."""
    occupation = require_known(reference, parameter, code)
    release = reference.release["onet_release"]
    if occupation[f"has_{domain}"]:
        origin = RatingsOrigin(RELEASE, onet_version=release)
    else:
        origin = services().fetched.origin(parameter, occupation, domain, release)
    return {**occupation, "source": origin.name, "onet_version": origin.onet_version, "fetched_at": origin.fetched_at}


def _gap(model: str, args: dict) -> dict:
    published = current_published()
    reference = published.reference
    domain = args["domain"]
    require_domain(reference, domain)
    source = rated_side(reference, "from", args["from_"], domain)
    target = rated_side(reference, "to", args["to"], domain)
    pair = (model, args["from_"], args["to"], domain, args["min_importance"], args["exclude_suppressed"])
    if source["source"] == target["source"] == RELEASE:
        gaps = published.gap_index.gaps(*pair)
    else:
        # Fetched ratings are in the marts' view of the store, not in memory, and they age.
        do_not_cache()
        gaps = services().db.gaps(*pair)
    return {
        "from_": source,
        "to": target,
        "domain": domain,
        "onet_release": reference.release["onet_release"],
        "gaps": gaps,
    }


class SkillGap(MethodView):
    @blp.arguments(GapArgsSchema(), location="query")
    @blp.response(200, GapSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @cached_response(GAP_SCHEMA)
    def get(self, args):
        """The elements the target occupation needs that the source lacks (the `skill_gap` model).

        Largest difference first, then most important. An empty gap is an empty list. An
        occupation the release has no ratings for is fetched from O*NET Web Services when the
        service has a key for it (`source` says which); else 404 `no_ratings`.
        """
        return _gap("skill_gap", args)


class SkillGapByLevel(MethodView):
    @blp.arguments(GapArgsSchema(), location="query")
    @blp.response(200, GapSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @cached_response(GAP_SCHEMA)
    def get(self, args):
        """The elements whose level in the target exceeds the source's (the `skill_gap_by_level` model).

        Ordered by difference, then importance, both descending. Occupations without ratings in
        the release: as for `/api/v1/skill-gap`.
        """
        return _gap("skill_gap_by_level", args)


blp.route("/api/v1/skill-gap", endpoint="skill_gap")(SkillGap)
# The original API's path, kept for its clients.
blp.route("/skill-gap", endpoint="skill_gap_original")(SkillGap)
blp.route("/api/v1/skill-gap-by-lvl", endpoint="skill_gap_by_level")(SkillGapByLevel)
