"""The O*NET Web Services settings read from the environment."""

from __future__ import annotations

from service.config import OnetApiConfig
from service.onet_ws.client import OnetApiError, OnetApiNotConfigured


def test_settings_from_the_environment():
    config = OnetApiConfig.from_env(
        {"ONET_API_KEY": " abc ", "ONET_API_BASE_URL": "http://proxy:8080/onet", "ONET_API_MAX_AGE_DAYS": "7"}
    )
    assert config.configured and config.api_key == "abc" and config.base_url == "http://proxy:8080/onet/"
    assert (config.timeout_seconds, config.max_attempts, config.max_age_days) == (20.0, 3, 7.0)
    assert "abc" not in repr(config)
    default = OnetApiConfig.from_env({})
    assert not default.configured and default.base_url == "https://api-v2.onetcenter.org/"
    assert issubclass(OnetApiNotConfigured, OnetApiError)
