"""Where a layer's edits are written: a writer io registers (core never imports io).

mapdesk/__init__ registers io's writer, as it registers the loader. A layer
with no file (built in memory, a scripting user's frame) has nothing to write:
its edits simply become its features.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd

from mapdesk.core.editing.changes import EditChanges
from mapdesk.core.errors import MapdeskError


class SaveError(MapdeskError):
    """A save that failed; the edits are kept, the file is as it was."""


#: Called by a writer at its commit point: from then on the save lands (a crash
#: after it is rolled forward), so the edit journal may forget the edits.
CommitPoint = Callable[[], None]
#: Writes ``changes`` to the layer's origin; returns the features as saved when
#: the save renumbered them (a rewritten shapefile), else None.
EditWriter = Callable[[Any, EditChanges, CommitPoint], "gpd.GeoDataFrame | None"]


def _nothing() -> None:
    return None


_writer: list[EditWriter] = []


def register_edit_writer(writer: EditWriter) -> None:
    """Install the function that writes edits to files (io's)."""
    _writer[:] = [writer]


def write_edits(
    origin: Any, changes: EditChanges, at_commit_point: CommitPoint = _nothing
) -> gpd.GeoDataFrame | None:
    """Write ``changes`` to ``origin`` through the registered writer."""
    if origin is None:
        at_commit_point()
        return None
    if not _writer:
        raise SaveError("mapdesk cannot save edits here: no file writer is installed")
    return _writer[0](origin, changes, at_commit_point)
