"""Ranked transitions: the occupations closest to one, with what each move asks for."""

from __future__ import annotations

import logging

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service.api.cached_responses import cached_response
from service.api.context import current_published, services
from service.api.errors import Blueprint, fail, reject
from service.api.schemas import CODE_PATH_PARAMETER, JOB_ZONES, NOT_A_CODE, Rating, ResponseSchema, is_code
from service.serving.transition_ranking import TransitionRanking

log = logging.getLogger(__name__)

blp = Blueprint(
    "transitions",
    __name__,
    url_prefix="/api/v1/occupations",
    description="Where a person can go from an occupation, and what each move asks for.",
)

MAX_LIMIT = 50


class TransitionArgsSchema(Schema):
    limit = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"How many transitions, 1-{MAX_LIMIT}."},
    )
    min_job_zone = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=5),
        metadata={"description": f"Keep occupations of this job zone or above: {JOB_ZONES}."},
    )
    max_job_zone = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=5),
        metadata={
            "description": f"Keep occupations of this job zone or below: {JOB_ZONES}; 1 gives an empty list there."
        },
    )
    major_group = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{2}$", error="Not a SOC major group like 15."),
        metadata={
            "description": "Keep occupations of this SOC major group (the code's first two digits).",
            "example": "15",
        },
    )

    @validates_schema
    def _job_zones_in_order(self, data, **kwargs):
        low, high = data.get("min_job_zone"), data.get("max_job_zone")
        if low is not None and high is not None and low > high:
            raise ValidationError(f"Below min_job_zone ({low}).", field_name="max_job_zone")


class GapBriefSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.C.3.a"})
    name = fields.String(required=True, metadata={"example": "Computers and Electronics"})
    domain = fields.String(required=True, metadata={"example": "knowledge"})
    difference = Rating(required=True, metadata={"description": "Target level - source level (> 0)."})
    importance = Rating(required=True, metadata={"description": "Importance to the target (IM, 1-5)."})


class TransitionSchema(ResponseSchema):
    code = fields.String(required=True, attribute="onetsoc_code", metadata={"example": "15-1253.00"})
    title = fields.String(required=True, metadata={"example": "Software Quality Assurance Analysts and Testers"})
    major_group_code = fields.String(required=True, metadata={"example": "15"})
    job_zone = fields.Integer(
        required=True, allow_none=True, metadata={"description": f"{JOB_ZONES}; null when unknown."}
    )
    similarity = fields.Float(
        required=True,
        allow_none=True,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "0-1, higher is closer (see the operation's description); null in O*NET's list."},
    )
    gap_score = Rating(
        required=True,
        allow_none=True,
        metadata={
            "description": "Sum over skills and knowledge of the target's importance (IM) times the level the"
            " target needs above the source's; null in O*NET's list."
        },
    )
    gap_count = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "Skills and knowledge areas whose level the target needs higher; null in O*NET's list."
        },
    )
    top_gaps = fields.List(
        fields.Nested(GapBriefSchema),
        required=True,
        allow_none=True,
        metadata={"description": "The three largest gaps, largest first; null in O*NET's list."},
    )
    relatedness_tier = fields.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "O*NET's tier (Primary-Short, Primary-Long, Supplemental) in O*NET's list; else null."
        },
    )
    new_technology_categories = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "How many software categories the target uses that the source does not (the"
            " `technology_gap` model); null when the release has no technology data."
        },
    )


class SourceSchema(ResponseSchema):
    code = fields.String(required=True, attribute="onetsoc_code", metadata={"example": "15-1251.00"})
    title = fields.String(required=True, metadata={"example": "Computer Programmers"})
    major_group_code = fields.String(required=True, metadata={"example": "15"})
    job_zone = fields.Integer(required=True, allow_none=True)


class TransitionsSchema(ResponseSchema):
    from_ = fields.Nested(SourceSchema, data_key="from", required=True)
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    basis = fields.String(
        required=True,
        validate=validate.OneOf(["similarity", "onet_related_occupations"]),
        metadata={
            "description": "`similarity`: ranked and scored by the service; `onet_related_occupations`: the"
            " occupation has no ratings, so this is O*NET's own list, in O*NET's order, without scores."
        },
    )
    note = fields.String(required=True, metadata={"description": "How the list was made, for people."})
    transitions = fields.List(fields.Nested(TransitionSchema), required=True)


def unknown_major_group_error(known: list[str]) -> str:
    return f"Not a major group of this release; known: {', '.join(known)}."


def _unknown_major_group(group: str, known: list[str]) -> None:
    fail(
        422,
        "invalid_parameter",
        f"Invalid parameter major_group={group!r}: no occupation is in SOC major group {group}.",
        parameters={
            "major_group": {
                "location": "query",
                "value": group,
                "errors": [unknown_major_group_error(known)],
            }
        },
    )


def _onet_list(profiles: TransitionRanking, related: list[dict], args: dict) -> list[dict]:
    """O*NET's related occupations with the same filters as the ranking (their technology counted by the caller)."""
    found = []
    for row in related:
        occupation = profiles.occupations.get(row["related_onetsoc_code"])
        if occupation is None:
            continue
        zone = occupation["job_zone"]
        if args["min_job_zone"] is not None and (zone is None or zone < args["min_job_zone"]):
            continue
        if args["max_job_zone"] is not None and (zone is None or zone > args["max_job_zone"]):
            continue
        if args["major_group"] is not None and occupation["major_group_code"] != args["major_group"]:
            continue
        found.append(
            {
                **occupation,
                "similarity": None,
                "gap_score": None,
                "gap_count": None,
                "top_gaps": None,
                "relatedness_tier": row["relatedness_tier"],
            }
        )
    return found[: args["limit"]]


@blp.route("/<code>/transitions", parameters=[CODE_PATH_PARAMETER])
class Transitions(MethodView):
    @blp.arguments(TransitionArgsSchema(), location="query")
    @blp.response(200, TransitionsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @cached_response(TransitionsSchema())
    def get(self, args, code):
        """The occupations closest to this one, ranked, with the gap each move leaves.

        **Similarity** (0-1) of two occupations with skills and knowledge ratings is
        0.35 x cosine of their skills importance (IM) vectors
        \\+ 0.50 x cosine of their knowledge importance vectors
        \\+ 0.10 x cosine of the TF-IDF vectors of their titles with every alternate title
        \\+ 0.05 x cosine of the TF-IDF vectors of their titles with their descriptions.
        The score is rounded to 4 decimals and equal scores are ordered by code. The weights were
        chosen on half of the occupations and judged on the other half against O*NET's own Related
        Occupations, which the ranking never reads: on O*NET 29.3, 42% of an occupation's related
        occupations are in its top 10 and the first is on average near the top (MRR 0.98), against
        16% and 0.62 for the cosine of skill levels (docs/transitions.md).

        **Gap score**: the sum, over skills and knowledge, of the target's importance times the level
        the target needs above the source's (effective levels, as in the gap endpoints).

        An occupation without ratings has nothing to rank from: when O*NET lists related occupations
        for it, those are returned (`basis` `onet_related_occupations`, no scores); otherwise 404
        `no_ratings`. Filters apply to both lists.
        """
        if not is_code(code):
            reject("code", "path", code, NOT_A_CODE)
        published = current_published()
        reference, profiles = published.reference, published.ranking
        occupation = profiles.occupations.get(code)
        if occupation is None:
            fail(404, "unknown_occupation", f"No occupation has the code {code}.", parameter="code", value=code)
        if args["major_group"] is not None and args["major_group"] not in profiles.major_groups:
            _unknown_major_group(args["major_group"], profiles.major_groups)
        release = reference.release["onet_release"]
        answer = {"from_": occupation, "onet_release": release}

        def counted(moves: list[dict]) -> list[dict]:
            new_categories = published.technology.new_category_count
            return [{**move, "new_technology_categories": new_categories(code, move["onetsoc_code"])} for move in moves]

        if profiles.rated(code):
            filters = {name: args[name] for name in ("limit", "min_job_zone", "max_job_zone", "major_group")}
            transitions = counted([{**row, "relatedness_tier": None} for row in profiles.transitions(code, **filters)])
            return {
                **answer,
                "basis": "similarity",
                "note": "Ranked by similarity of skills and knowledge importance, titles and descriptions.",
                "transitions": transitions,
            }
        related = services().db.related_occupations(code)
        if not related:
            fail(
                404,
                "no_ratings",
                f"{code} ({occupation['title']}) has no skills or knowledge ratings in O*NET {release} and O*NET"
                " lists no related occupations for it: there is nothing to rank from.",
                parameter="code",
                value=code,
            )
        return {
            **answer,
            "basis": "onet_related_occupations",
            "note": f"{code} has no skills or knowledge ratings in O*NET {release}, so nothing can be ranked or"
            " scored: these are O*NET's own Related Occupations for it, in O*NET's order.",
            "transitions": counted(_onet_list(profiles, related, args)),
        }
