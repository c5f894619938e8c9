"""The technology gap between two occupations, as the `technology_gap` mart defines it: the
software categories the target uses and the source does not, from the published build in memory."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from service.api.cached_responses import cached_response
from service.api.context import current_published
from service.api.errors import Blueprint
from service.api.gaps import PairArgsSchema
from service.api.schemas import OccupationRefSchema, ResponseSchema
from service.serving.reference import require_known
from service.serving.technology import Category

blp = Blueprint("technology", __name__, description="The software a move from one occupation to another asks for.")


class TechnologyGapArgsSchema(PairArgsSchema):
    hot_only = fields.Boolean(
        load_default=False,
        metadata={"description": "Keep only hot technologies (often in job postings); the counts follow."},
    )


class ExampleSchema(ResponseSchema):
    name = fields.String(required=True, metadata={"example": "Microsoft Excel"})
    hot = fields.Boolean(required=True, metadata={"description": "A hot technology (often in job postings)."})
    in_demand = fields.Boolean(required=True, metadata={"description": "In demand for the occupation."})


class CategorySchema(ResponseSchema):
    category_id = fields.String(
        required=True,
        metadata={
            "description": "A UNSPSC commodity code (releases up to 30.2) or a content-model element 2.E.* (30.3 on).",
            "example": "43232110",
        },
    )
    category = fields.String(required=True, metadata={"example": "Spreadsheet software"})
    examples = fields.List(
        fields.Nested(ExampleSchema), required=True, metadata={"description": "Hot ones first, then by name."}
    )


class TechnologyGapCategorySchema(CategorySchema):
    hot_count = fields.Integer(required=True, metadata={"description": "How many of the examples are hot."})
    in_demand_count = fields.Integer(required=True, metadata={"description": "How many are in demand."})


class TechnologyGapSchema(ResponseSchema):
    from_ = fields.Nested(OccupationRefSchema, data_key="from", required=True)
    to = fields.Nested(OccupationRefSchema, required=True)
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    gaps = fields.List(
        fields.Nested(TechnologyGapCategorySchema),
        required=True,
        metadata={"description": "Each category the target uses and the source does not: most hot examples first."},
    )
    shared_category_count = fields.Integer(
        required=True, metadata={"description": "How many of the target's categories the source uses too."}
    )


TECHNOLOGY_GAP_SCHEMA = TechnologyGapSchema()


def category_body(category: Category) -> dict:
    examples = [{"name": e.name, "hot": e.hot, "in_demand": e.in_demand} for e in category.examples]
    return {"category_id": category.category_id, "category": category.category, "examples": examples}


@blp.route("/api/v1/technology-gap", endpoint="technology_gap")
class TechnologyGap(MethodView):
    @blp.arguments(TechnologyGapArgsSchema(), location="query")
    @blp.response(200, TechnologyGapSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @cached_response(TECHNOLOGY_GAP_SCHEMA)
    def get(self, args):
        """The software categories the target occupation uses that the source does not (the `technology_gap` model).

        Most hot technologies first, then by category. A source that lists no software lacks every
        category of the target. 404 `no_technology_data` when the release has no technology file,
        `no_technology` when the target lists no software.
        """
        published = current_published()
        reference, technology = published.reference, published.technology
        source = require_known(reference, "from", args["from_"])
        target = require_known(reference, "to", args["to"])
        gap = technology.require_gap(
            args["from_"], args["to"], reference.release["onet_release"], hot_only=args["hot_only"]
        )
        gaps = [
            {**category_body(category), "hot_count": category.hot_count, "in_demand_count": category.in_demand_count}
            for category in gap.categories
        ]
        return {
            "from_": source,
            "to": target,
            "onet_release": reference.release["onet_release"],
            "gaps": gaps,
            "shared_category_count": gap.shared_category_count,
        }
