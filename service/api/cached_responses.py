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


def _kept_or_answered(key: tuple, answer: Callable[[], Response]) -> Response:
    """The build's kept answer to `key`, else `answer()`, kept when it is a 200 that may be kept
    (an error is raised or answered otherwise, so never kept)."""
    answers = current_published().responses
    body = answers.get(key)
    g.answer_cached = body is not None
    if body is not None:
        return current_app.response_class(body, mimetype="application/json")
    response = answer()
    if response.status_code == 200 and g.get("keep_answer", True):
        answers.put(key, response.get_data())
    return response


def cached_response(schema: Schema) -> Callable:
    """Answer a view from its build's answers when it was asked the same before, else dump its
    result with `schema` and keep the JSON."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(self, *args, **kwargs) -> Response:
            def answer() -> Response:
                body = response_body(schema.dump(view(self, *args, **kwargs)))
                return current_app.response_class(body, mimetype="application/json")

            return _kept_or_answered((view.__qualname__, _frozen(args), _frozen(kwargs)), answer)

        return wrapper

    return decorator


def cached_by_body(view):
    """For a POST view, outside its `arguments` (so before the body is parsed): answer from its
    build's answers when the same body was sent before, else keep the JSON of its 200 answer by the
    body's bytes (the same bytes give the same answer from one build)."""

    @functools.wraps(view)
    def wrapper(self, *args, **kwargs) -> Response:
        key = (view.__qualname__, request.get_data())
        return _kept_or_answered(key, lambda: view(self, *args, **kwargs))

    return wrapper
