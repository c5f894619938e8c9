"""Answers kept per published build: the marts change only when another build is published."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, current_app, g
from marshmallow import Schema

from service.json_provider import response_body
from service.published import current_published


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def keep_no_answer() -> None:
    """This request's answer is not one to keep (it depends on more than the published build)."""
    g.keep_answer = False


def cached_answer(schema: Schema) -> Callable:
    """Answer a view from its build's answers when it was asked the same before, else dump its
    result with `schema` and keep the JSON. Errors are raised, so never kept."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(self, *args, **kwargs) -> Response:
            answers = current_published().answers
            key = (view.__qualname__, _frozen(args), _frozen(kwargs))
            body = answers.get(key)
            if body is None:
                body = response_body(schema.dump(view(self, *args, **kwargs)))
                if g.get("keep_answer", True):
                    answers.put(key, body)
            return current_app.response_class(body, mimetype="application/json")

        return wrapper

    return decorator
