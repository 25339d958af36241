"""Rotating copies of a user's files, taken before mapdesk replaces them.

A save (of edits, or of a project) that goes through but was a mistake can be
undone from here: the last BACKUPS_KEPT versions of each file live in the
user's data folder, one folder per file, one sub-folder per version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

from mapdesk.core.user_data import user_data_dir

#: Old versions kept per file.
BACKUPS_KEPT = 5


def backup_folder(path: Path) -> Path:
    """Where the versions of ``path`` are kept (its name plus a hash of where it is)."""
    key = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]
    return user_data_dir() / "backups" / f"{path.stem}-{key}"


def back_up(path: Path, members: list[Path]) -> None:
    """Copy ``members`` (the file, or a shapefile's set) as the newest version of ``path``.

    Never raises: a backup that cannot be made must not stop the save the
    user asked for.
    """
    present = [m for m in members if m.exists()]
    if not present:
        return
    folder = backup_folder(path)
    # Microseconds in the name: versions sort by age, even several in a second.
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / stamp
    try:
        target.mkdir(parents=True, exist_ok=False)
        for member in present:
            shutil.copy2(member, target / member.name)
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path) -> None:
    versions = sorted(p for p in folder.iterdir() if p.is_dir())
    for old in versions[:-BACKUPS_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
