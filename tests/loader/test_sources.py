"""SOURCE as a folder, a zip or a release number downloaded from a (local, real HTTP) server."""

from __future__ import annotations

import dataclasses
import shutil
import time

import pytest
from werkzeug import Response

from loader.errors import LoadError
from loader.pipeline import run
from tests.conftest import query


def _zip_of(folder, target_base) -> bytes:
    return open(shutil.make_archive(str(target_base), "zip", folder.parent, folder.name), "rb").read()


def test_zip_with_release_in_its_name(settings, tiny_release, tmp_path):
    archive = tmp_path / "db_99_1_text"
    _zip_of(tiny_release, archive)
    outcome = run(str(archive) + ".zip", quiet=True, settings=settings)
    assert outcome.release == "99.1"
    assert query(settings, "SELECT COUNT(*) FROM abilities") == [(2,)]
    assert query(settings, "SELECT COUNT(*) FROM work_activities") == [(2,)]


def test_folder_without_a_release_name_needs_release(settings, tiny_release, tmp_path):
    plain = tiny_release.rename(tmp_path / "onet-files")
    with pytest.raises(LoadError, match="--release"):
        run(str(plain), quiet=True, settings=settings)
    assert run(str(plain), release="99.1", quiet=True, settings=settings).release == "99.1"


def test_missing_source_is_named(settings, tmp_path):
    with pytest.raises(LoadError, match=r"'/nowhere/db_1_1_text' is not a folder, a \.zip or a release number"):
        run("/nowhere/db_1_1_text", quiet=True, settings=settings)


def test_release_number_is_downloaded_once_into_the_cache(settings, tiny_release, tmp_path, httpserver):
    payload = _zip_of(tiny_release, tmp_path / "served")
    httpserver.expect_oneshot_request("/dl/db_99_1_text.zip").respond_with_data(payload, content_type="application/zip")
    settings = dataclasses.replace(settings, download_url=httpserver.url_for("/dl/db_{release}_text.zip"))

    assert run("99.1", quiet=True, settings=settings).release == "99.1"
    assert (settings.cache_dir / "db_99_1_text.zip").read_bytes() == payload
    # Served once only: the second run reads the cache (and skips the already loaded files).
    assert run("99.1", quiet=True, settings=settings).load_id is None
    httpserver.check_assertions()


def test_unknown_release_is_a_clear_error(settings, httpserver):
    httpserver.expect_request("/dl/db_98_9_text.zip").respond_with_data("not here", status=404)
    settings = dataclasses.replace(settings, download_url=httpserver.url_for("/dl/db_{release}_text.zip"))
    with pytest.raises(LoadError, match=r"cannot download O\*NET release 98.9 .*HTTP 404"):
        run("98.9", quiet=True, settings=settings)
    assert not list(settings.cache_dir.glob("*.zip*"))


def test_offline_is_a_clear_error(settings):
    settings = dataclasses.replace(settings, download_url="http://127.0.0.1:9/db_{release}_text.zip")
    with pytest.raises(LoadError, match=r"offline, pass a local folder or \.zip"):
        run("29.3", quiet=True, settings=settings)


def test_slow_server_times_out(settings, httpserver):
    def slow(_request):
        time.sleep(2)
        return Response(b"late")

    httpserver.expect_request("/dl/db_97_1_text.zip").respond_with_handler(slow)
    settings = dataclasses.replace(
        settings, download_url=httpserver.url_for("/dl/db_{release}_text.zip"), download_timeout=0.5
    )
    started = time.monotonic()
    with pytest.raises(LoadError, match="Timeout"):
        run("97.1", quiet=True, settings=settings)
    assert time.monotonic() - started < 2


def test_without_source_the_newest_local_copy_is_used(settings, tiny_release, tmp_path):
    local = tmp_path / "local"
    shutil.copytree(tiny_release, local / "db_98_1_text")
    shutil.copytree(tiny_release, local / "db_99_2_text")
    settings = dataclasses.replace(settings, local_dirs=(tmp_path / "absent", local))
    assert run(None, quiet=True, settings=settings).release == "99.2"
