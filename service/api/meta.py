"""What the service serves: the O*NET release and which domains have data."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from service.api.context import current_published
from service.api.errors import Blueprint
from service.api.schemas import ResponseSchema

blp = Blueprint("meta", __name__, url_prefix="/api/v1", description="The release served and its domains.")


class DomainSchema(ResponseSchema):
    domain = fields.String(required=True, metadata={"example": "skills"})
    name = fields.String(required=True, metadata={"example": "Skills"})
    element_count = fields.Integer(required=True, metadata={"description": "Elements of the domain."})
    rated_occupation_count = fields.Integer(
        required=True, metadata={"description": "Occupations with ratings in the domain (0: not in this release)."}
    )
    has_data = fields.Boolean(
        required=True, metadata={"description": "Whether the release ships ratings for the domain."}
    )


class MetaSchema(ResponseSchema):
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    load_id = fields.Integer(required=True, metadata={"description": "The load the models were built from."})
    loaded_at = fields.DateTime(required=True, metadata={"description": "When the release was loaded (UTC)."})
    built_at = fields.DateTime(required=True, metadata={"description": "When the models were built (UTC)."})
    domains = fields.List(fields.Nested(DomainSchema), required=True)


def _domains() -> list[dict]:
    return [
        {**row, "has_data": row["rated_occupation_count"] > 0} for row in current_published().reference.domains.values()
    ]


@blp.route("/meta")
class Meta(MethodView):
    @blp.response(200, MetaSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """The O*NET release served, when it was loaded and built, and the domains with data."""
        return {**current_published().reference.release, "domains": _domains()}


@blp.route("/domains")
class Domains(MethodView):
    @blp.response(200, DomainSchema(many=True))
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """The four domains of ratings; those the release does not ship have no rated occupations."""
        return _domains()
