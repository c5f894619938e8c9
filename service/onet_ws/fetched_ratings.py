"""Ratings the release lacks, from O*NET Web Services: fetched on a gap request for an occupation
the release has no ratings for, kept in `<db>_api`, and read by the gap views from there.

A stored fetch serves every later request, in every worker, until it is ONET_API_MAX_AGE_DAYS old."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from service.config import ServiceConfig
from service.domain_errors import NoRatings, UpstreamUnavailable
from service.onet_ws.client import (
    OnetApiClient,
    OnetApiError,
    OnetApiRateLimited,
    OnetApiUnauthorized,
    OnetApiUnknownCode,
)
from service.onet_ws.store import FetchRecord, OnetApiStore

log = logging.getLogger(__name__)

RELEASE = "onet_release"
WEB_SERVICES = "onet_web_services"


_REASONS = {
    OnetApiUnauthorized: "refused the configured key",
    OnetApiRateLimited: "kept answering that too many requests were sent",
}


@dataclass(frozen=True)
class RatingsOrigin:
    """Where an occupation's ratings in a domain come from."""

    name: str  # RELEASE or WEB_SERVICES
    fetched_at: datetime | None = None
    onet_version: str | None = None


class FetchedRatings:
    def __init__(self, config: ServiceConfig):
        self.store = OnetApiStore(config, config.onet_api)
        self._client = OnetApiClient(config.onet_api) if config.onet_api.configured else None

    @property
    def configured(self) -> bool:
        return self._client is not None

    def origin(self, parameter: str, occupation: dict, domain: str, release: str) -> RatingsOrigin:
        """Where the occupation's `domain` ratings come from when the release has none: the stored
        fetch, fetched first when there is none or it is too old. NoRatings or UpstreamUnavailable
        say why there is none."""
        code, title = occupation["onetsoc_code"], occupation["title"]
        lacking = f"{code} ({title}) has no {domain} ratings in O*NET {release}"
        if domain not in ("skills", "knowledge"):
            raise NoRatings(f"{lacking}.", parameter=parameter, value=code, domain=domain)
        if not self.configured:
            raise NoRatings(
                f"{lacking}, and O*NET Web Services is not configured to fetch them (set ONET_API_KEY).",
                parameter=parameter,
                value=code,
                domain=domain,
            )
        record = self.store.last_fetch(code)
        if not self.store.is_fresh(record):
            record = self._fetch(parameter, code, lacking, domain)
        if domain not in record.domains():
            raise NoRatings(
                f"{lacking}, nor in O*NET Web Services (asked {record.fetched_at:%Y-%m-%d}).",
                parameter=parameter,
                value=code,
                domain=domain,
            )
        return RatingsOrigin(WEB_SERVICES, record.fetched_at, record.onet_version)

    def _fetch(self, parameter: str, code: str, lacking: str, domain: str) -> FetchRecord:
        try:
            fetch = self._client.fetch_occupation(code)
        except OnetApiUnknownCode as exc:
            raise NoRatings(
                f"{lacking}, and O*NET Web Services has none either: {exc.message}",
                parameter=parameter,
                value=code,
                domain=domain,
            ) from None
        except OnetApiError as exc:
            log.warning("O*NET Web Services fetch of %s failed: %s", code, exc)
            reason = next((why for kind, why in _REASONS.items() if isinstance(exc, kind)), "could not be used")
            raise UpstreamUnavailable(
                f"{lacking}; fetching them from O*NET Web Services failed: the service {reason}"
                f" ({exc.message}). Try again later.",
                parameter=parameter,
                value=code,
                upstream_status=exc.status,
            ) from None
        self.store.store(fetch)
        log.info("O*NET Web Services ratings of %s stored (%d rows)", code, len(fetch.rows))
        return self.store.last_fetch(code)
