"""Turn SOURCE (a folder, a .zip or a release number) into a folder of release files."""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .download import download_release
from .errors import LoadError

RELEASE_NUMBER = re.compile(r"^\d{1,2}\.\d{1,2}$")
RELEASE_NAME = re.compile(r"db_(\d{1,2})_(\d{1,2})_text")
README = "Read Me.txt"
README_RELEASE = re.compile(r"O\*NET (\d{1,2}\.\d{1,2}) Database")


@dataclass(frozen=True)
class Release:
    number: str
    folder: Path
    origin: str


def release_from_name(path: Path) -> str | None:
    """'db_29_3_text' (folder or zip) -> '29.3'."""
    match = RELEASE_NAME.search(path.name)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def find_local_copy(settings: Settings) -> Path | None:
    """The newest `db_X_Y_text` folder or zip in the documented local places."""
    found = [
        path
        for folder in settings.local_dirs
        if folder.is_dir()
        for path in folder.iterdir()
        if release_from_name(path) and (path.is_dir() or path.suffix == ".zip")
    ]
    if not found:
        return None
    return max(found, key=lambda p: tuple(int(x) for x in release_from_name(p).split(".")))


def _release_folder(root: Path) -> Path:
    """The folder that holds `Occupation Data.txt`: the root or one level below."""
    for candidate in (root, *sorted(p for p in root.iterdir() if p.is_dir())):
        if (candidate / "Occupation Data.txt").exists():
            return candidate
    return root


def release_from_readme(folder: Path) -> str | None:
    """'O*NET 31.0 Database', the first line of O*NET's `Read Me.txt`, -> '31.0'."""
    path = folder / README
    if not path.is_file():
        return None
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    match = README_RELEASE.search(first)
    return match.group(1) if match else None


def _release_number(told: str | None, named: str | None, folder: Path, source: str) -> str:
    """The release from --release, SOURCE's name or the Read Me; any two that disagree are an error."""
    if told and named and told != named:
        raise LoadError(f"--release says {told} but SOURCE '{source}' is named for release {named}")
    given, by = (told, "--release says") if told else (named, f"SOURCE '{source}' is named for release")
    readme = release_from_readme(folder)
    if given and readme and given != readme:
        raise LoadError(f"{by} {given} but its {README} says release {readme} ('O*NET {readme} Database')")
    number = given or readme
    if not number:
        raise LoadError(
            f"cannot tell which O*NET release '{source}' holds: pass --release (e.g. --release 29.3), "
            f"use O*NET's name for it (e.g. db_29_3_text) or keep O*NET's {README} in it"
        )
    if not RELEASE_NUMBER.match(number):
        raise LoadError(f"release '{number}' is not a release number such as 29.3")
    return number


@contextmanager
def open_release(source: str | None, release: str | None, settings: Settings) -> Iterator[Release]:
    """Yield the release's folder; a zip is extracted to a temporary folder for the duration."""
    if source is None:
        local = find_local_copy(settings)
        source = str(local) if local else settings.newest_release
    if RELEASE_NUMBER.match(source) and not Path(source).exists():
        if release and release != source:
            raise LoadError(f"SOURCE names release {source} but --release says {release}")
        path, named = download_release(source, settings), source
    else:
        path = Path(source)
        if not path.exists():
            raise LoadError(f"SOURCE '{source}' is not a folder, a .zip or a release number such as 29.3")
        named = release_from_name(path)
    if path.is_dir():
        folder = _release_folder(path)
        yield Release(_release_number(release, named, folder, source), folder, str(path))
        return
    if not zipfile.is_zipfile(path):
        raise LoadError(f"SOURCE '{source}' is neither a folder nor a valid .zip file")
    with tempfile.TemporaryDirectory(prefix="onet-release-") as tmp:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(tmp)
        folder = _release_folder(Path(tmp))
        yield Release(_release_number(release, named, folder, source), folder, str(path))
