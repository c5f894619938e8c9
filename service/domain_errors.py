"""What the data cannot answer, said below the HTTP layer: each error carries its stable `code`, a
message for people and its facts; `service/api/errors.py` alone turns them into the error shape."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str]

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details


class UnknownOccupation(DomainError):
    """No occupation has the code."""

    code = "unknown_occupation"


class EmptyDomain(DomainError):
    """The release ships no ratings of the domain."""

    code = "empty_domain"


class NoRatings(DomainError):
    """The occupation has no ratings in the domain, from the release or from O*NET Web Services."""

    code = "no_ratings"


class UpstreamUnavailable(DomainError):
    """O*NET Web Services could not be used to fetch ratings the release lacks."""

    code = "onet_api_unavailable"


class NoTechnologyData(DomainError):
    """The release ships no technology file (Technology Skills.txt or Software Skills.txt)."""

    code = "no_technology_data"


class NoTechnology(DomainError):
    """The occupation lists no software in the release."""

    code = "no_technology"


class UnknownElement(DomainError):
    """No element the release rates has the id."""

    code = "unknown_element"


class NoAnchors(DomainError):
    """The release gives the element no level anchors."""

    code = "no_anchors"
