"""Spatial bookmarks: named map extents a project keeps (QGIS's Ctrl+B).

A dispatcher keeps "Portland peninsula" and "Cape Elizabeth shore" a click
away. Each bookmark remembers the CRS its extent is in, so it still shows
the same ground after the project CRS changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from psygnal.containers import EventedList
from pyproj import CRS

from mapdesk.core.crs import same_crs, transform_xy
from mapdesk.core.errors import MapdeskError
from mapdesk.core.naming import unique_name
from mapdesk.core.view import Extent


@dataclass(frozen=True)
class Bookmark:
    """A named extent; ``crs_wkt`` is the CRS of the extent (None: unknown)."""

    name: str
    extent: Extent
    crs_wkt: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise MapdeskError("A bookmark needs a name")
        xmin, ymin, xmax, ymax = self.extent
        if not (np.isfinite(self.extent).all() and xmin <= xmax and ymin <= ymax):
            raise MapdeskError(f"Bookmark '{self.name}': {self.extent} is not an extent")

    def extent_in(self, crs: CRS | None) -> Extent:
        """The extent in ``crs`` (the box around its reprojected edges)."""
        if crs is None or self.crs_wkt is None:
            return self.extent
        source = CRS.from_wkt(self.crs_wkt)
        if same_crs(source, crs):
            return self.extent
        xmin, ymin, xmax, ymax = self.extent
        # Points along every edge: a box's corners alone miss the bulge of a
        # reprojected edge.
        steps = np.linspace(0.0, 1.0, 21)
        xs = np.concatenate(
            [
                xmin + (xmax - xmin) * steps,
                np.full(21, xmax),
                xmax - (xmax - xmin) * steps,
                np.full(21, xmin),
            ]
        )
        ys = np.concatenate(
            [
                np.full(21, ymin),
                ymin + (ymax - ymin) * steps,
                np.full(21, ymax),
                ymax - (ymax - ymin) * steps,
            ]
        )
        tx, ty = transform_xy(xs, ys, source, crs)
        if not (np.isfinite(tx).all() and np.isfinite(ty).all()):
            raise MapdeskError(f"Bookmark '{self.name}' cannot be shown in {crs.name}")
        return (float(tx.min()), float(ty.min()), float(tx.max()), float(ty.max()))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "extent": list(self.extent), "crs": self.crs_wkt}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bookmark:
        extent = tuple(float(v) for v in data["extent"])
        if len(extent) != 4:
            raise MapdeskError(f"Bookmark '{data.get('name')}': its extent needs 4 numbers")
        return cls(str(data["name"]), (extent[0], extent[1], extent[2], extent[3]), data.get("crs"))


class BookmarkList(EventedList[Bookmark]):
    """A project's bookmarks, in the order the user made them (evented, like LayerList)."""

    def __init__(self, data: Any = ()) -> None:
        super().__init__(data, hashable=False, child_events=False)

    def unique_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted (2)`` ... when a bookmark has that name."""
        return unique_name(wanted, (bookmark.name for bookmark in self))
