"""The elements (skills, knowledge areas, ...) of a domain."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from service.api.context import current_published, services
from service.api.errors import Blueprint
from service.api.schemas import ResponseSchema, domain_field
from service.serving.reference import require_domain

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
        require_domain(current_published().reference, args["domain"])
        return services().db.elements(args["domain"])
