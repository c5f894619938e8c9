"""Fields and schemas shared by several resources."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from marshmallow import Schema, ValidationError, fields, missing, validate

from service.db import DOMAINS

# The pattern the API document gives for an O*NET-SOC code (ECMA-262, as OpenAPI has it) ...
CODE_PATTERN = r"^\d{2}-\d{4}\.\d{2}$"
# ... and the check: ASCII digits only (`\d` alone takes any script's, and the collation finds the
# code they spell), the whole value (`$` would let a final newline through).
_CODE = re.compile(r"\d{2}-\d{4}\.\d{2}", re.ASCII)
NOT_A_CODE = "Not an O*NET-SOC code like 15-1252.00."
# A content model element id (`2.A.1.a`), pattern and check as for the codes above.
ELEMENT_PATTERN = r"^\d+(\.[A-Za-z0-9]+)*$"
_ELEMENT = re.compile(r"\d+(\.[A-Za-z0-9]+)*", re.ASCII)
ELEMENT_ID_MAX_LENGTH = 20  # as long as the landing tables' element ids may be
NOT_AN_ELEMENT_ID = "Not a content model element id like 2.A.1.a."
# O*NET merged Job Zone 1 into zone 2 in 30.2: every release is asked in zones 1-5, newer ones have 2-5.
JOB_ZONES = "O*NET Job Zone 1-5 (2-5 from release 30.2 on, which merged zone 1 into zone 2)"
# A path's `{code}`, documented with the pattern, which flask-smorest cannot read from the URL rule.
CODE_PATH_PARAMETER = {
    "in": "path",
    "name": "code",
    "description": "An O*NET-SOC code.",
    "schema": {"type": "string", "pattern": CODE_PATTERN, "example": "15-1252.00"},
}


ELEMENT_PATH_PARAMETER = {
    "in": "path",
    "name": "element_id",
    "description": "A content model element id.",
    "schema": {"type": "string", "pattern": ELEMENT_PATTERN, "maxLength": ELEMENT_ID_MAX_LENGTH, "example": "2.A.1.a"},
}


def is_code(value: str) -> bool:
    return _CODE.fullmatch(value) is not None


def is_element_id(value: str) -> bool:
    return len(value) <= ELEMENT_ID_MAX_LENGTH and _ELEMENT.fullmatch(value) is not None


def _validate_code(value: str) -> None:
    if not is_code(value):
        raise ValidationError(NOT_A_CODE)


def _validate_element_id(value: str) -> None:
    if not is_element_id(value):
        raise ValidationError(NOT_AN_ELEMENT_ID)


class Rating(fields.Float):
    """A DECIMAL from the marts as a JSON number with its decimals (Flask would write a string)."""

    def __init__(self, places: int = 2, **kwargs):
        self.places = places
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else round(float(value), self.places)


def occupation_code(description: str, **kwargs) -> fields.String:
    return fields.String(
        validate=_validate_code,
        metadata={"description": description, "example": "11-1011.00", "pattern": CODE_PATTERN},
        **kwargs,
    )


def element_id_field(description: str, **kwargs) -> fields.String:
    return fields.String(
        validate=_validate_element_id,
        metadata={
            "description": description,
            "example": "2.A.1.a",
            "pattern": ELEMENT_PATTERN,
            "maxLength": ELEMENT_ID_MAX_LENGTH,
        },
        **kwargs,
    )


def domain_field(**kwargs) -> fields.String:
    return fields.String(
        validate=validate.OneOf(DOMAINS),
        metadata={"description": "A domain of the O*NET content model."},
        **kwargs,
    )


class ResponseSchema(Schema):
    """A response schema dumped by converters compiled once from its fields: marshmallow's output
    for the rows and dicts the views return, without marshmallow's per-field dispatch, which is
    most of a large answer's time in Python. Anything else goes through marshmallow's own dump."""

    def dump(self, obj, *, many: bool | None = None):
        dump_one = self.row_dumper()
        if self.many if many is None else many:
            return [dump_one(item) for item in obj]
        return dump_one(obj)

    def row_dumper(self) -> Callable[[Any], Any]:
        """The dump of one object."""
        return self.__dict__.get("_dump_one") or self._compile()

    def _compile(self) -> Callable[[Any], Any]:
        try:
            columns = [
                (field.attribute or name, field.data_key or name, *_converter(field), field.dump_default)
                for name, field in self.dump_fields.items()
            ]
            plain = not self._hooks and all("." not in column[0] for column in columns)
        except _NotCompiled:
            plain = False

        def dump_one(obj):
            if not plain or not isinstance(obj, dict):
                return Schema.dump(self, obj, many=False)
            out = {}
            for attribute, key, convert, unchanged, default in columns:
                value = obj.get(attribute, missing)
                if value is missing:
                    if default is missing:
                        continue
                    value = default() if callable(default) else default
                out[key] = value if value.__class__ in unchanged else convert(value)
            return out

        self._dump_one = dump_one
        return dump_one


class _NotCompiled(Exception):
    """A field that reads the whole object rather than its own value."""


_NONE = type(None)


def _is_row_list(field: fields.Field) -> bool:
    inner = getattr(field, "inner", None)
    return (
        isinstance(field, fields.List)
        and isinstance(inner, fields.Nested)
        and not isinstance(inner, fields.Pluck)
        and isinstance(inner.schema, ResponseSchema)
        and not (inner.many or inner.schema.many)
    )


def _converter(field: fields.Field) -> tuple[Callable[[Any], Any], frozenset[type]]:
    """What marshmallow's `field._serialize` does with a value, and the types it leaves as they are."""
    if isinstance(field, fields.Method | fields.Function):
        raise _NotCompiled(field)
    if isinstance(field, fields.Nested) and not isinstance(field, fields.Pluck):
        schema = field.schema
        many = bool(schema.many or field.many)
        return (lambda value: schema.dump(value, many=many)), frozenset({_NONE})
    if _is_row_list(field):
        # A list of rows, the bulk of the largest answers: each row straight to its converters.
        dump_row = field.inner.schema.row_dumper()
        return (lambda value: [dump_row(item) for item in value]), frozenset({_NONE})
    if isinstance(field, fields.List):
        inner, unchanged = _converter(field.inner)
        return (lambda value: [item if item.__class__ in unchanged else inner(item) for item in value]), frozenset(
            {_NONE}
        )
    if isinstance(field, Rating):
        places = field.places
        return (lambda value: round(float(value), places)), frozenset({_NONE})
    serialize = field._serialize
    unchanged = {_NONE}
    if type(field) is fields.String:
        unchanged.add(str)
    elif type(field) in (fields.Integer, fields.Float) and not field.as_string:
        unchanged.add(field.num_type)
    elif isinstance(field, Flag):
        unchanged.add(bool)
    return (lambda value: serialize(value, None, None)), frozenset(unchanged)


class OccupationRefSchema(ResponseSchema):
    code = fields.String(required=True, attribute="onetsoc_code", metadata={"example": "11-1011.00"})
    title = fields.String(required=True, metadata={"example": "Chief Executives"})


class Flag(fields.Boolean):
    """A 0/1 column from the marts as a JSON boolean (marshmallow 4 dumps a Boolean unchanged)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else bool(value)
