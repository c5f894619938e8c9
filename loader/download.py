"""Download an O*NET text release into the cache."""

from __future__ import annotations

from pathlib import Path

import requests

from .config import Settings
from .errors import LoadError


def release_slug(release: str) -> str:
    """'29.3' -> '29_3', the form O*NET's file names use."""
    return release.replace(".", "_")


def download_release(release: str, settings: Settings) -> Path:
    """Return the cached zip of `release`, downloading it first if needed."""
    target = settings.cache_dir / f"db_{release_slug(release)}_text.zip"
    if target.exists():
        return target
    url = settings.download_url.format(release=release_slug(release))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".zip.part")
    try:
        with requests.get(url, stream=True, timeout=settings.download_timeout) as response:
            if response.status_code != 200:
                raise LoadError(f"cannot download O*NET release {release} from {url}: HTTP {response.status_code}")
            with partial.open("wb") as out:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    out.write(chunk)
    except requests.RequestException as exc:
        partial.unlink(missing_ok=True)
        raise LoadError(
            f"cannot download O*NET release {release} from {url} ({type(exc).__name__}); "
            "if this machine is offline, pass a local folder or .zip of the release as SOURCE"
        ) from None
    partial.replace(target)
    return target
