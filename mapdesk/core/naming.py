"""Names that must be unique in a list (layers, bookmarks): QGIS's "Name (2)" rule."""

from __future__ import annotations

from collections.abc import Iterable


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """``wanted``, or ``wanted (2)``, ``wanted (3)`` ... when that name is taken."""
    names = set(taken)
    if wanted not in names:
        return wanted
    number = 2
    while f"{wanted} ({number})" in names:
        number += 1
    return f"{wanted} ({number})"
