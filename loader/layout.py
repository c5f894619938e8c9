"""Tell a release's layout from the files it holds (never from its folder's name)."""

from __future__ import annotations

from pathlib import Path

from .errors import LoadError
from .specs import FROM_30_3, LAYOUTS, OCCUPATION_DATA, UP_TO_30_2, Layout

# The skills files that tell the layouts apart.
OLD_SKILLS = tuple(s.file_name for s in UP_TO_30_2.tables["skills"])
NEW_SKILLS = tuple(s.file_name for s in FROM_30_3.tables["skills"])


def _found(names: set[str]) -> str:
    known = {s.file_name for layout in LAYOUTS for s in layout.specs}
    listed = sorted(names & known)
    others = len(names - known)
    text = ", ".join(listed) if listed else "no O*NET file the loader knows"
    return text + (f" (and {others} other file{'s' if others > 1 else ''})" if others else "")


def _expected() -> str:
    return (
        f"expected {OCCUPATION_DATA} with either {', '.join(OLD_SKILLS)} ({UP_TO_30_2.name}) "
        f"or {' and '.join(NEW_SKILLS)} ({FROM_30_3.name})"
    )


def _refuse(folder: Path, problem: str, names: set[str]) -> LoadError:
    return LoadError(
        f"{folder} does not fit a layout of O*NET's text release: {problem}; found: {_found(names)}; {_expected()}"
    )


def detect_layout(folder: Path) -> Layout:
    """The layout whose files `folder` holds; a LoadError naming the files when it fits none."""
    names = {p.name for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    if OCCUPATION_DATA not in names:
        raise _refuse(folder, f"no {OCCUPATION_DATA}", names)
    old = [n for n in UP_TO_30_2.only_here if n in names]
    new = [n for n in FROM_30_3.only_here if n in names]
    if old and new:
        problem = (
            f"{', '.join(old)} ({UP_TO_30_2.name}) beside {', '.join(new)} ({FROM_30_3.name}): "
            "files of two layouts in one folder"
        )
        raise _refuse(folder, problem, names)
    present_new = [n for n in NEW_SKILLS if n in names]
    if len(present_new) == 1:
        missing = next(n for n in NEW_SKILLS if n not in names)
        problem = f"{present_new[0]} without {missing} ({FROM_30_3.name} ships both)"
        raise _refuse(folder, problem, names)
    if present_new:
        return FROM_30_3
    if all(n in names for n in OLD_SKILLS):
        return UP_TO_30_2
    raise _refuse(folder, "no skills file of either layout", names)
