"""The error an edit that cannot be made raises."""

from __future__ import annotations

from mapdesk.core.errors import MapdeskError


class EditError(MapdeskError):
    """An edit that cannot be made (unknown feature or field, wrong geometry type)."""
