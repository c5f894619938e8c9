"""Answers kept per published build: the marts change only when another build is published."""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Response, current_app, g, request
from marshmallow import Schema

from service.api.context import current_published
from service.api.json_provider import response_body


def _frozen(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def do_not_cache() -> None:
    """This request's answer is not one to keep (it depends on more than the published build)."""
    g.keep_answer = False


def cached_response(schema: Schema) -> Callable:
    """Answer a view from its build's answers when it was asked the same before, else dump its
    result with `schema` and keep the JSON. Errors are raised, so never kept."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(self, *args, **kwargs) -> Response:
            answers = current_published().responses
            key = (view.__qualname__, _frozen(args), _frozen(kwargs))
            body = answers.get(key)
            g.answer_cached = body is not None
            if body is None:
                body = response_body(schema.dump(view(self, *args, **kwargs)))
                if g.get("keep_answer", True):
                    answers.put(key, body)
            return current_app.response_class(body, mimetype="application/json")

        return wrapper

    return decorator


def cached_by_body(view):
    """For a POST view, outside its `arguments` (so before the body is parsed): answer from its
    build's answers when the same body was sent before, else keep the JSON of its 200 answer by the
    body's bytes (the same bytes give the same answer from one build)."""

    @functools.wraps(view)
    def wrapper(self, *args, **kwargs) -> Response:
        answers = current_published().responses
        key = (view.__qualname__, request.get_data())
        body = answers.get(key)
        g.answer_cached = body is not None
        if body is not None:
            return current_app.response_class(body, mimetype="application/json")
        response = view(self, *args, **kwargs)
        if response.status_code == 200 and g.get("keep_answer", True):
            answers.put(key, response.get_data())
        return response

    return wrapper
