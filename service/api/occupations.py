"""Occupations: search, and one occupation with its ratings per domain."""

from __future__ import annotations

import re

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from service.api.context import current_published, services
from service.api.errors import Blueprint, fail, reject
from service.api.schemas import CODE_PATH_PARAMETER, JOB_ZONES, NOT_A_CODE, Flag, Rating, ResponseSchema, is_code
from service.api.technology import CategorySchema, category_body
from service.db import DOMAINS

blp = Blueprint("occupations", __name__, url_prefix="/api/v1/occupations", description="O*NET-SOC occupations.")

CODE_PREFIX = re.compile(r"\d{2}(-(\d{1,4}(\.\d{0,2})?)?)?")


class SearchArgsSchema(Schema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=100),
        metadata={
            "description": "A code or its beginning (`15-12`), or words that must all appear in the title or in"
            " alternate titles (`software developer`). Empty: every occupation.",
            "example": "chief executive",
        },
    )


class OccupationSummarySchema(ResponseSchema):
    code = fields.String(required=True, attribute="onetsoc_code", metadata={"example": "11-1011.00"})
    title = fields.String(required=True, metadata={"example": "Chief Executives"})
    major_group_code = fields.String(required=True, metadata={"example": "11"})
    major_group_name = fields.String(required=True, metadata={"example": "Management Occupations"})
    job_zone = fields.Integer(
        required=True, allow_none=True, metadata={"description": f"{JOB_ZONES}; null when unknown."}
    )


class RatingSchema(ResponseSchema):
    element_id = fields.String(required=True, metadata={"example": "2.A.1.a"})
    name = fields.String(required=True, metadata={"example": "Reading Comprehension"})
    category = fields.String(required=True, allow_none=True, metadata={"example": "Basic Skills"})
    importance = Rating(required=True, allow_none=True, metadata={"description": "Importance (IM, 1-5)."})
    importance_n = fields.Integer(required=True, allow_none=True, metadata={"description": "Raters behind IM."})
    importance_se = Rating(places=4, required=True, allow_none=True, metadata={"description": "IM standard error."})
    level = Rating(required=True, allow_none=True, metadata={"description": "Raw level (LV, 0-7); null: no LV."})
    level_n = fields.Integer(required=True, allow_none=True, metadata={"description": "Raters behind LV."})
    level_se = Rating(places=4, required=True, allow_none=True, metadata={"description": "LV standard error."})
    effective_level = Rating(
        required=True, metadata={"description": "LV, or 0 where the element is Not Relevant or has no LV."}
    )
    not_relevant = Flag(required=True, metadata={"description": "O*NET flagged the level Not Relevant."})
    recommend_suppress = Flag(
        required=True, metadata={"description": "O*NET recommends suppressing IM or LV (low precision)."}
    )


class RatingsByDomainSchema(ResponseSchema):
    skills = fields.List(fields.Nested(RatingSchema), required=True)
    knowledge = fields.List(fields.Nested(RatingSchema), required=True)
    abilities = fields.List(fields.Nested(RatingSchema), required=True)
    work_activities = fields.List(fields.Nested(RatingSchema), required=True)


class OccupationSchema(OccupationSummarySchema):
    description = fields.String(required=True)
    rated_domains = fields.List(
        fields.String(), required=True, metadata={"description": "The domains in which it has ratings."}
    )
    ratings = fields.Nested(RatingsByDomainSchema, required=True)
    technology = fields.List(
        fields.Nested(CategorySchema),
        required=True,
        allow_none=True,
        metadata={
            "description": "The software it lists, by category (an empty list: none); null when the release has"
            " no technology data."
        },
    )


@blp.route("")
class Occupations(MethodView):
    @blp.arguments(SearchArgsSchema(), location="query")
    @blp.response(200, OccupationSummarySchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self, args, pagination_parameters):
        """Search occupations by code, or by words of their titles and alternate titles.

        Paginated: `page` and `page_size`; the `X-Pagination` header gives the total and the pages.
        """
        q = args["q"].strip()
        if CODE_PREFIX.fullmatch(q):
            rows = services().db.search_occupations(q, [])
        else:
            rows = services().db.search_occupations(None, q.split())
        pagination_parameters.item_count = len(rows)
        last_page = max(1, -(-len(rows) // pagination_parameters.page_size))
        if pagination_parameters.page > last_page:
            reject("page", "query", str(pagination_parameters.page), f"The last page is {last_page}.")
        return rows[pagination_parameters.first_item : pagination_parameters.last_item + 1]


@blp.route("/<code>", parameters=[CODE_PATH_PARAMETER])
class Occupation(MethodView):
    @blp.response(200, OccupationSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self, code):
        """One occupation with its ratings per domain (empty lists where it has none)."""
        if not is_code(code):
            reject("code", "path", code, NOT_A_CODE)
        db = services().db
        occupation = db.occupation(code)
        if occupation is None:
            fail(404, "unknown_occupation", f"No occupation has the code {code}.", parameter="code", value=code)
        ratings = {domain: [] for domain in DOMAINS}
        for row in db.ratings(code):
            ratings[row["domain"]].append(row)
        rated = [domain for domain in DOMAINS if occupation[f"has_{domain}"]]
        technology = current_published().technology
        listed = [category_body(c) for c in technology.categories(code)] if technology.has_data else None
        return {**occupation, "rated_domains": rated, "ratings": ratings, "technology": listed}
