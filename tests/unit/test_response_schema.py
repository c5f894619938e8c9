"""ResponseSchema's compiled dump gives marshmallow's own output."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump

import service  # noqa: F401  (imports every resource module, so every response schema)
from service.api.schemas import Flag, Rating, ResponseSchema


class Inner(ResponseSchema):
    name = fields.String(required=True)
    level = Rating()


class Everything(ResponseSchema):
    text = fields.String()
    renamed = fields.String(attribute="source_name", data_key="shown_as")
    count = fields.Integer()
    share = fields.Float()
    level = Rating()
    precise = Rating(places=4)
    flag = Flag()
    plain_boolean = fields.Boolean()
    when = fields.DateTime()
    facts = fields.Dict()
    anything = fields.Field()
    defaulted = fields.String(dump_default="none given")
    one = fields.Nested(Inner, allow_none=True)
    many = fields.Nested(Inner, many=True)
    listed = fields.List(fields.Nested(Inner))
    words = fields.List(fields.String())
    levels = fields.List(Rating())
    skipped = fields.String(load_only=True)


class Hooked(ResponseSchema):
    name = fields.String()

    @post_dump
    def shout(self, data, **kwargs):
        return {key: value.upper() for key, value in data.items()}


class WithMethod(ResponseSchema):
    name = fields.String()
    length = fields.Method("name_length")

    def name_length(self, obj):
        return len(obj["name"])


ROWS = [
    {
        "text": "Reading Comprehension",
        "source_name": "Ann",
        "count": 3,
        "share": 0.25,
        "level": Decimal("4.62"),
        "precise": 0.123456,
        "flag": 1,
        "plain_boolean": True,
        "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "facts": {"a": 1},
        "anything": [1, "two"],
        "one": {"name": "x", "level": Decimal("1.00")},
        "many": [{"name": "y", "level": 2.505}, {"name": "z", "level": None}],
        "listed": [{"name": "w", "level": Decimal("0.10")}],
        "words": ["a", 7, None],
        "levels": [Decimal("1.234"), None, 3],
        "skipped": "never dumped",
    },
    # Types the converters must change: numbers as strings, 0/1 and bool as numbers, bytes.
    {"text": b"bytes", "count": Decimal("4"), "share": 1, "level": "2.50", "flag": 0, "plain_boolean": 0},
    {"count": True, "share": Decimal("0.5"), "flag": True, "one": None, "many": [], "listed": []},
    # Missing keys are left out, None stays None, and a dump_default fills in.
    {"text": None, "level": None, "flag": None, "when": None, "words": None},
    {},
]


@pytest.mark.parametrize("row", ROWS, ids=range(len(ROWS)))
def test_compiled_dump_equals_marshmallows(row):
    schema = Everything()
    assert schema.dump(row) == Schema.dump(schema, row)


def test_many_and_objects_that_are_not_dicts():
    schema = Everything(many=True)
    assert schema.dump(ROWS) == Schema.dump(schema, ROWS)

    class Row:
        text = "an object"
        count = 2

    assert Everything().dump(Row()) == {"text": "an object", "count": 2, "defaulted": "none given"}


@pytest.mark.parametrize("schema", [Hooked(), WithMethod()], ids=["post_dump", "method_field"])
def test_schemas_it_cannot_compile_use_marshmallows_dump(schema):
    row = {"name": "ann"}
    assert schema.dump(row) == Schema.dump(schema, row)
    assert schema.dump(row) != {"name": "ann"}


def test_every_response_schema_of_the_service_compiles():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    served = [cls for cls in subclasses(ResponseSchema) if cls.__module__.startswith("service.")]
    assert len(served) > 15
    for cls in served:
        assert cls().dump({}) == Schema.dump(cls(), {}), cls.__name__
