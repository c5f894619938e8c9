"""A person's side: a profile of levels a person gives themselves on O*NET's 0-7 level scale (LV),
and its gap to an occupation. Nothing of a profile is stored or logged."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service import gap_rule
from service.api.context import current_published, services
from service.api.errors import Blueprint
from service.api.gaps import (
    GapItemSchema,
    GapOccupationSchema,
    exclude_suppressed_field,
    min_importance_field,
    rated_side,
)
from service.api.schemas import (
    Flag,
    Rating,
    ResponseSchema,
    domain_field,
    element_id_field,
    is_element_id,
    occupation_code,
)
from service.onet_ws.fetched_ratings import WEB_SERVICES
from service.serving.gap_index import GapIndex
from service.serving.profile_gap import assessed_domains, profile_gap
from service.serving.reference import Reference, require_domain

blp = Blueprint("profiles", __name__, url_prefix="/api/v1/profiles", description="A person's levels and their gaps.")

# The largest request body the service reads (Flask's MAX_CONTENT_LENGTH): a profile of every
# element O*NET rates is about 8 KiB.
MAX_BODY_BYTES = 64 * 1024


def _validate_hundredths(value: float) -> None:
    if abs(value * 100 - round(value * 100)) > 1e-6:
        raise ValidationError("At most two decimals, as O*NET's levels.")


class LevelSchema(Schema):
    element_id = element_id_field("An element the release rates.", required=True)
    level = fields.Float(
        required=True,
        validate=[validate.Range(min=0, max=7), _validate_hundredths],
        metadata={
            "description": "The person's level on O*NET's level scale (LV, 0-7), two decimals at most.",
            "example": 3.5,
            "multipleOf": 0.01,
        },
    )


class ProfileSchema(Schema):
    """A profile; every entry that is wrong in itself, or for the release served, is named at once."""

    levels = fields.List(
        fields.Nested(LevelSchema),
        required=True,
        validate=validate.Length(min=1, error="A profile gives at least one level."),
        metadata={
            "description": "The person's levels, one per element, for any elements of any domains the release"
            " rates; the elements left out are not assessed (never taken as level 0)."
        },
    )
    domain = domain_field(load_default=None)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _elements_of_the_release(self, _data, original, **_kwargs):
        levels = original.get("levels") if isinstance(original, dict) else None
        errors = release_errors(levels, current_published().reference)
        if errors:
            raise ValidationError({"levels": errors})


class ProfileGapBodySchema(ProfileSchema):
    to = occupation_code("The occupation the person wants.", required=True)
    min_importance = min_importance_field()
    exclude_suppressed = exclude_suppressed_field()


class ProfileGapItemSchema(GapItemSchema):
    from_level = Rating(required=True, metadata={"description": "The person's level."})
    suppressed = Flag(required=True, metadata={"description": "O*NET recommends suppressing the target's rating."})
    from_anchor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "The Level Scale Anchor nearest to the person's level; null: the element has none."},
    )


class NotAssessedSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.B.3.e"})
    name = fields.String(required=True, metadata={"example": "Programming"})
    domain = fields.String(required=True, metadata={"example": "skills"})


class ProfileGapSchema(ResponseSchema):
    to = fields.Nested(GapOccupationSchema, required=True)
    domains = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The domains answered: `domain`, or else every domain the profile assesses."},
    )
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    gaps = fields.List(fields.Nested(ProfileGapItemSchema), required=True)
    not_assessed = fields.List(
        fields.Nested(NotAssessedSchema),
        required=True,
        metadata={
            "description": "The target's elements in those domains that the profile leaves out (and the filters"
            " keep), by domain, then element id."
        },
    )


def release_errors(levels: object, reference: Reference) -> dict[int, dict[str, list[str]]]:
    """By entry index, the entries of a profile as sent that give an element the release does not
    rate, or one given before (entries that are no object, or without a well-formed element id,
    have their errors from the fields)."""
    errors: dict[int, dict[str, list[str]]] = {}
    first: dict[str, int] = {}
    for i, entry in enumerate(levels if isinstance(levels, list) else []):
        element_id = entry.get("element_id") if isinstance(entry, dict) else None
        if not isinstance(element_id, str) or not is_element_id(element_id):
            continue
        if element_id not in reference.elements:
            error = f"O*NET {reference.release['onet_release']} rates no element with this id."
        elif element_id in first:
            error = f"Given again: {element_id} is first at levels[{first[element_id]}]."
        else:
            first[element_id] = i
            continue
        errors[i] = {"element_id": [error]}
    return errors


@blp.route("/gap")
class ProfileGap(MethodView):
    @blp.arguments(ProfileGapBodySchema())
    @blp.response(200, ProfileGapSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def post(self, body):
        """What a person lacks for an occupation: each element whose effective level in the target
        exceeds the person's level (the rule of `/api/v1/skill-gap-by-lvl`, the person as the source).

        In the gap endpoints' item shape and order. An element the profile leaves out is never a
        gap: it is listed in `not_assessed`. An occupation the release has no ratings for is
        fetched from O*NET Web Services as the gap endpoints do; else 404 `no_ratings`. A body over
        64 KiB is a 413 `body_too_large`, one that is not JSON a 400 `bad_request`.
        """
        published = current_published()
        reference = published.reference
        levels = {entry["element_id"]: gap_rule.hundredths(entry["level"]) for entry in body["levels"]}
        if body["domain"] is None:
            domains = assessed_domains(levels, reference)
        else:
            require_domain(reference, body["domain"])
            domains = [body["domain"]]
        code, sides, targets = body["to"], [], {}
        for domain in domains:
            side = rated_side(reference, "to", code, domain)
            sides.append(side)
            if side["source"] == WEB_SERVICES:
                targets[domain] = GapIndex(services().db.combined_ratings(code, domain)).ratings(code, domain)
            else:
                targets[domain] = published.gap_index.ratings(code, domain)
        answer = profile_gap(levels, reference, targets, body["min_importance"], body["exclude_suppressed"])
        return {
            "to": next((side for side in sides if side["source"] == WEB_SERVICES), sides[0]),
            "domains": domains,
            "onet_release": reference.release["onet_release"],
            "gaps": answer.gaps,
            "not_assessed": answer.not_assessed,
        }
