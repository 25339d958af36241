"""The user's data folder: edit journals and backups of saved files live here.

``MAPDESK_DATA_DIR`` overrides it (tests point it at a temporary folder);
otherwise the XDG data folder, as on any Linux desktop.
"""

from __future__ import annotations

import os
from pathlib import Path


def user_data_dir() -> Path:
    """The folder (created if missing) for mapdesk's own files."""
    override = os.environ.get("MAPDESK_DATA_DIR")
    if override:
        folder = Path(override)
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        folder = Path(base) / "mapdesk"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
