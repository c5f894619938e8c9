"""The elements (skills, knowledge areas, ...) of a domain, and the level anchors of each."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from service import gap_rule
from service.api.context import current_published
from service.api.errors import Blueprint, reject
from service.api.schemas import (
    ELEMENT_PATH_PARAMETER,
    NOT_AN_ELEMENT_ID,
    Rating,
    ResponseSchema,
    domain_field,
    is_element_id,
)
from service.serving.reference import require_anchors, require_domain

blp = Blueprint("elements", __name__, url_prefix="/api/v1/elements", description="Content model elements.")


class ElementArgsSchema(Schema):
    domain = domain_field(load_default="skills")


class ElementSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.1.a"})
    name = fields.String(required=True, metadata={"example": "Reading Comprehension"})
    description = fields.String(required=True, allow_none=True)
    domain = fields.String(required=True, metadata={"example": "skills"})
    category = fields.String(required=True, allow_none=True, metadata={"example": "Basic Skills"})


@blp.route("")
class Elements(MethodView):
    @blp.arguments(ElementArgsSchema(), location="query")
    @blp.response(200, ElementSchema(many=True))
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self, args):
        """The elements of a domain with their category and description."""
        reference = current_published().reference
        require_domain(reference, args["domain"])
        return reference.elements_by_domain[args["domain"]]


class AnchorSchema(ResponseSchema):
    level = Rating(
        required=True,
        metadata={"description": "The level (LV, 0-7) the anchor describes.", "example": 2.0},
    )
    description = fields.String(
        required=True,
        metadata={"example": "Read step-by-step instructions for completing a form"},
    )


class ElementAnchorsSchema(ElementSchema):
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    anchors = fields.List(
        fields.Nested(AnchorSchema),
        required=True,
        metadata={"description": "O*NET's Level Scale Anchors of the element, lowest level first."},
    )


@blp.route("/<element_id>/anchors", parameters=[ELEMENT_PATH_PARAMETER])
class ElementAnchors(MethodView):
    @blp.response(200, ElementAnchorsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self, element_id):
        """What each level of an element means: its level anchors, for a questionnaire.

        404 `unknown_element` when no element the release rates has the id, `no_anchors` when the
        release gives the element no level anchors.
        """
        if not is_element_id(element_id):
            reject("element_id", "path", element_id, NOT_AN_ELEMENT_ID)
        reference = current_published().reference
        anchors = require_anchors(reference, element_id)
        return {
            **reference.elements[element_id],
            "onet_release": reference.release["onet_release"],
            "anchors": [{"level": gap_rule.number(level), "description": text} for level, text in anchors],
        }
