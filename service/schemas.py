"""Fields and schemas shared by several resources."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from service.db import DOMAINS

CODE_PATTERN = r"^\d{2}-\d{4}\.\d{2}$"


class Rating(fields.Float):
    """A DECIMAL from the marts as a JSON number with its decimals (Flask would write a string)."""

    def __init__(self, places: int = 2, **kwargs):
        self.places = places
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value), self.places)


def occupation_code(description: str, **kwargs) -> fields.String:
    return fields.String(
        validate=validate.Regexp(CODE_PATTERN, error="Not an O*NET-SOC code like 15-1252.00."),
        metadata={"description": description, "example": "11-1011.00"},
        **kwargs,
    )


def domain_field(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.OneOf(DOMAINS),
        metadata={"description": "A domain of the O*NET content model."},
        **kwargs,
    )


class OccupationRefSchema(Schema):
    code = fields.String(required=True, attribute="onetsoc_code", metadata={"example": "11-1011.00"})
    title = fields.String(required=True, metadata={"example": "Chief Executives"})


class Flag(fields.Boolean):
    """A 0/1 column from the marts as a JSON boolean (marshmallow 4 dumps a Boolean unchanged)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else bool(value)


class RowList(fields.List):
    """A list of flat rows, documented as a list of `schema` and dumped by converters taken from
    that schema's fields: Nested's output without marshmallow's per-field dispatch, which is most
    of a gap request's time in Python."""

    def __init__(self, schema: type[Schema], **kwargs):
        super().__init__(fields.Nested(schema), **kwargs)
        self._columns = [
            (name, field.data_key or name, _converter(field)) for name, field in schema._declared_fields.items()
        ]

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return [
            {key: convert(row[name]) if convert else row[name] for name, key, convert in self._columns} for row in value
        ]


def _converter(field: fields.Field):
    """How a flat field dumps a value; None where the value is dumped as it is."""
    if isinstance(field, Rating):
        places = field.places
        return lambda value: None if value is None else round(float(value), places)
    if isinstance(field, Flag):
        return lambda value: None if value is None else bool(value)
    if type(field) is fields.String:
        return None
    raise TypeError(f"RowList has no converter for {type(field).__name__}")
