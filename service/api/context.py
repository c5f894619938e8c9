"""What the HTTP layer answers with: the subsystems `create_app` wires, found in one place."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g

from service.db import Database
from service.llm.analyst import Analyst
from service.onet_ws.fetched_ratings import FetchedRatings
from service.serving.published import Published, PublishedBuilds
from service.serving.reference import ReferenceCache

EXTENSION = "onet"


@dataclass
class Services:
    db: Database
    reference: ReferenceCache
    builds: PublishedBuilds
    fetched: FetchedRatings
    analyst: Analyst


def services() -> Services:
    """The application's subsystems."""
    return current_app.extensions[EXTENSION]


def current_published() -> Published:
    """The build this request answers from, the same one for the whole request."""
    if "onet_published" not in g:
        g.onet_published = services().builds.get()
    return g.onet_published
