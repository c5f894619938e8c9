"""A person's side: a profile of levels a person gives themselves on O*NET's 0-7 level scale (LV),
its gap to an occupation and the occupations it matches best. Nothing of a profile is stored or
logged."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from service import gap_rule
from service.api.cached_responses import cached_by_body, do_not_cache
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
from service.api.transitions import GapBriefSchema, SourceSchema, TransitionArgsSchema, unknown_major_group_error
from service.onet_ws.fetched_ratings import WEB_SERVICES
from service.serving.gap_index import GapIndex
from service.serving.profile_gap import assessed_domains, not_assessed, profile_gap
from service.serving.reference import Reference, require_domain, ships

blp = Blueprint(
    "profiles",
    __name__,
    url_prefix="/api/v1/profiles",
    description="A person's levels: their gap to an occupation, and the occupations they fit best.",
)

# The largest request body the service reads (Flask's MAX_CONTENT_LENGTH): a profile of every
# element O*NET rates is about 8 KiB.
MAX_BODY_BYTES = 64 * 1024


def _two_decimals_at_most(value: float) -> bool:
    return abs(value * 100 - round(value * 100)) <= 1e-6


def _validate_hundredths(value: float) -> None:
    if not _two_decimals_at_most(value):
        raise ValidationError("At most two decimals, as O*NET's levels.")


class LevelSchema(Schema):
    element_id = element_id_field("An element the release rates.", required=True)
    level = fields.Float(
        required=True,
        validate=[validate.Range(min=gap_rule.LOWEST_LEVEL, max=gap_rule.HIGHEST_LEVEL), _validate_hundredths],
        metadata={
            "description": "The person's level on O*NET's level scale (LV, 0-7), two decimals at most.",
            "example": 3.5,
            "multipleOf": 0.01,
        },
    )


def _plain_level(entry: object) -> bool:
    """An entry LevelSchema would load unchanged: just a well-formed element id and a number of
    the scale with two decimals at most."""
    if not isinstance(entry, dict) or len(entry) != 2:
        return False
    element_id, level = entry.get("element_id"), entry.get("level")
    return (
        isinstance(element_id, str)
        and is_element_id(element_id)
        and type(level) in (int, float)
        and gap_rule.LOWEST_LEVEL <= level <= gap_rule.HIGHEST_LEVEL
        and _two_decimals_at_most(level)
    )


class LevelList(fields.List):
    """The levels of a profile. A list whose every entry is plain (most bodies) is taken as it is,
    without marshmallow's nested load, a third of a profile request's time; any other goes through
    that load, with its messages."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and all(_plain_level(entry) for entry in value):
            return [{"element_id": e["element_id"], "level": float(e["level"])} for e in value]
        return super()._deserialize(value, attr, data, **kwargs)


class ProfileSchema(Schema):
    """A profile; every entry that is wrong in itself, or for the release served, is named at once."""

    levels = LevelList(
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


class ProfileMatchesBodySchema(ProfileSchema, TransitionArgsSchema):
    limit = fields.Integer(
        load_default=10,
        validate=validate.Range(min=1, max=50),
        metadata={"description": "How many matches, 1-50."},
    )

    @validates_schema
    def _filters_of_the_release(self, data, **_kwargs):
        published = current_published()
        known = published.matches.matrix.major_groups
        errors = {}
        if data.get("major_group") is not None and data["major_group"] not in known:
            errors["major_group"] = [unknown_major_group_error(known)]
        domain, levels = data.get("domain"), data.get("levels") or []
        elements = published.reference.elements
        # (a domain the release does not rate is the 404 `empty_domain` of the gap endpoints)
        if (
            domain is not None
            and ships(published.reference, domain)
            and not any(elements.get(e["element_id"], {}).get("domain") == domain for e in levels)
        ):
            errors["domain"] = ["The profile gives no level in this domain: there is nothing to match on."]
        if errors:
            raise ValidationError(errors)


class ProfileMatchSchema(SourceSchema):
    score = fields.Float(
        required=True,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "0-1, 1 when the person's levels are the occupation's needs (see the operation's"
            " description); the matches are ranked on it.",
            "example": 0.9512,
        },
    )
    gap_score = Rating(
        required=True,
        metadata={
            "description": "Sum over the assessed elements of the occupation's importance (IM) times the level"
            " it needs above the person's."
        },
    )
    gap_count = fields.Integer(
        required=True, metadata={"description": "Assessed elements whose level the occupation needs higher."}
    )
    top_gaps = fields.List(
        fields.Nested(GapBriefSchema),
        required=True,
        metadata={"description": "The three largest gaps, in the gap endpoints' order."},
    )


class ProfileMatchesSchema(ResponseSchema):
    domains = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The domains matched on: `domain`, or else every domain the profile assesses."},
    )
    onet_release = fields.String(required=True, metadata={"example": "29.3"})
    matches = fields.List(fields.Nested(ProfileMatchSchema), required=True, metadata={"description": "Best first."})
    not_assessed = fields.List(
        fields.Nested(NotAssessedSchema),
        required=True,
        metadata={
            "description": "The elements of those domains that the release rates and the profile leaves out"
            " (they count for nothing), by domain, then element id."
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


def _levels(body: dict) -> dict[str, int]:
    """The profile's levels in hundredths, by element id."""
    return {entry["element_id"]: gap_rule.hundredths(entry["level"]) for entry in body["levels"]}


def _domains(body: dict, levels: dict[str, int], reference: Reference) -> list[str]:
    if body["domain"] is None:
        return assessed_domains(levels, reference)
    require_domain(reference, body["domain"])
    return [body["domain"]]


# What a profile endpoint can answer besides its 200, in the order the document lists them.
PROFILE_ERRORS = (
    (400, "BAD_REQUEST"),
    (404, "NOT_FOUND"),
    (413, "REQUEST_ENTITY_TOO_LARGE"),
    (503, "SERVICE_UNAVAILABLE"),
)


def profile_operation(body: Schema, answer: type[Schema]):
    """A profile endpoint's POST: the build's answers kept by the body's bytes, its body and
    answer, and the errors a body can get (the decorators as they would be written, top first)."""
    decorators = [
        cached_by_body,
        blp.arguments(body),
        blp.response(200, answer),
        *(blp.alt_response(status, response=name) for status, name in PROFILE_ERRORS),
    ]

    def decorate(view):
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return decorate


@blp.route("/gap")
class ProfileGap(MethodView):
    @profile_operation(ProfileGapBodySchema(), ProfileGapSchema)
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
        levels = _levels(body)
        domains = _domains(body, levels, reference)
        code, sides, targets = body["to"], [], {}
        for domain in domains:
            side = rated_side(reference, "to", code, domain)
            sides.append(side)
            if side["source"] == WEB_SERVICES:
                # Fetched ratings are in the marts' view of the store, not in memory, and they age.
                do_not_cache()
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


@blp.route("/matches")
class ProfileMatches(MethodView):
    @profile_operation(ProfileMatchesBodySchema(), ProfileMatchesSchema)
    def post(self, body):
        """The occupations a person fits best: ranked by how well the person's levels meet what each
        occupation needs, over the elements the profile assesses.

        **Score** (0-1): for each rated occupation, over the assessed elements (those of `domain`,
        or of every domain the profile assesses), with IM the occupation's importance and need its
        effective level: shortfall = sum of IM x max(0, need - level) / sum of IM, surplus = sum of
        IM x max(0, level - need) / sum of IM, and score = 1 - (shortfall + 0.5 x surplus) / 7,
        rounded to 4 decimals; equal scores are ordered by code. Shortfall alone would put every
        occupation the person exceeds at the top: the surplus, counted half, keeps the closest
        needs first. Elements the profile leaves out count for nothing (never as level 0) and are
        listed in `not_assessed`. On O*NET 29.3, a profile that gives every skill (or every
        knowledge area) an occupation's own level ranks that occupation first for every rated
        occupation, and with each level moved at random by up to 0.5 in the top 5 for 98.8% of them
        (skills) and 100% (knowledge) (bench/profiles.py).

        **Gap score**, `gap_count`, `top_gaps`: the profile's gap to the occupation (the rule of
        `/api/v1/profiles/gap`) over the assessed elements. Filters as the transitions'; a body over
        64 KiB is a 413 `body_too_large`, one that is not JSON a 400 `bad_request`.
        """
        published = current_published()
        reference = published.reference
        levels = _levels(body)
        domains = _domains(body, levels, reference)
        filters = {name: body[name] for name in ("min_job_zone", "max_job_zone", "major_group")}
        return {
            "domains": domains,
            "onet_release": reference.release["onet_release"],
            "matches": published.matches.matches(levels, domains, body["limit"], **filters),
            "not_assessed": not_assessed(levels, reference, domains),
        }
