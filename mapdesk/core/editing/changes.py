"""What a save writes: the features added, changed (which fields) and deleted.

Computed by comparing the touched features with the base the session started
from, so an edit that was undone, or changed a value back, writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapdesk.core.editing.values import is_missing


@dataclass(frozen=True)
class EditChanges:
    """The difference between a layer's saved features and its edited ones.

    ``frame`` is every feature as edited, with only the stored fields (the
    whole-file formats write it all); ``changed`` maps a fid to the names of
    the fields (the geometry column included) whose values differ.
    """

    frame: gpd.GeoDataFrame
    added: tuple[Any, ...]
    changed: dict[Any, frozenset[str]]
    deleted: tuple[Any, ...]
    #: The file's own field types (GDAL's names) where the reader recorded them:
    #: a rewrite keeps an INTEGER column with NULLs an INTEGER column.
    field_types: dict[str, str] = field(default_factory=dict)
    #: The features as they were read (or last saved): a shared database's
    #: writer checks the rows are still so (their versions) and reports conflicts.
    base: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.deleted)

    def summary(self) -> str:
        """E.g. "1 feature added, 3 changed, 2 deleted"."""
        parts = [
            f"{len(self.added)} added" if self.added else "",
            f"{len(self.changed)} changed" if self.changed else "",
            f"{len(self.deleted)} deleted" if self.deleted else "",
        ]
        text = ", ".join(part for part in parts if part)
        count = len(self.added) + len(self.changed) + len(self.deleted)
        noun = "feature" if count == 1 else "features"
        return f"{noun} {text}" if text else "no changes"


def edit_changes(
    base: gpd.GeoDataFrame,
    current: gpd.GeoDataFrame,
    touched: Iterable[Any],
    stored: list[str],
    field_types: dict[str, str] | None = None,
) -> EditChanges:
    """The changes between ``base`` and ``current`` among the ``touched`` fids."""
    added, deleted, changed = [], [], {}
    for fid in sorted(set(touched), key=_sort_key):
        was, now = fid in base.index, fid in current.index
        if now and not was:
            added.append(fid)
        elif was and not now:
            deleted.append(fid)
        elif was and now:
            fields = _changed_fields(base.loc[fid], current.loc[fid], stored)
            if fields:
                changed[fid] = fields
    frame = current[stored] if list(current.columns) != stored else current
    return EditChanges(
        frame, tuple(added), changed, tuple(deleted), dict(field_types or {}), base=base
    )


def _sort_key(fid: Any) -> tuple[str, Any]:
    return (type(fid).__name__, fid)


def _changed_fields(before: pd.Series, after: pd.Series, stored: list[str]) -> frozenset[str]:
    names = [name for name in stored if name in before.index and name in after.index]
    return frozenset(name for name in names if not same_value(before[name], after[name]))


def same_value(a: Any, b: Any) -> bool:
    """Equal as a saved value: both empty, equal geometries (exactly), or equal."""
    if isinstance(a, shapely.Geometry) or isinstance(b, shapely.Geometry):
        if a is None or b is None:
            return a is b
        # Identical: the same type and every coordinate, Z and M included.
        return bool(shapely.equals_identical(a, b))
    if isinstance(a, (list, np.ndarray)) or isinstance(b, (list, np.ndarray)):
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    if is_missing(a) or is_missing(b):
        return is_missing(a) and is_missing(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
