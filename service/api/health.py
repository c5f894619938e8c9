"""Liveness and readiness."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import fields

from service.api.context import services
from service.api.errors import Blueprint, fail
from service.api.schemas import ResponseSchema

blp = Blueprint("health", __name__, url_prefix="/health", description="Liveness and readiness probes.")


class LiveSchema(ResponseSchema):
    status = fields.String(required=True, metadata={"example": "ok"})


class ReadySchema(ResponseSchema):
    status = fields.String(required=True, metadata={"example": "ready"})
    onet_release = fields.String(required=True, metadata={"example": "29.3"})


@blp.route("")
class Live(MethodView):
    @blp.response(200, LiveSchema)
    def get(self):
        """The process answers (the database is not consulted)."""
        return {"status": "ok"}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, ReadySchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """The database answers and the marts are published."""
        db = services().db
        missing = db.missing_marts()
        if missing:
            fail(
                503,
                "marts_unavailable",
                f"The models are not published: missing {', '.join(missing)}.",
                missing=missing,
            )
        release = db.release_info()
        if release is None:
            fail(503, "marts_unavailable", "The models are published but release_info is empty.", missing=[])
        return {"status": "ready", "onet_release": release["onet_release"]}
