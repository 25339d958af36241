"""Geometries reprojected to the map CRS, with an STRtree for hit tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from mapdesk.core.collector import collector_paused, keep_out_of_collections
from mapdesk.core.crs import same_crs, transformer

IntArray = npt.NDArray[np.intp]
#: Geometries reprojected per shapely call: each call holds the GIL (~5 ms).
PROJECT_CHUNK = 5_000


@dataclass
class ProjectedGeometry:
    """A layer's geometries in one target CRS, and a lazily built index.

    ``geometries`` is a shapely array aligned with the layer's rows (missing
    geometries stay None), so a row number is the same everywhere.
    """

    geometries: npt.NDArray[np.object_]
    _tree: shapely.STRtree | None = field(default=None, repr=False)
    _tree_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _extent: tuple[tuple[float, float, float, float] | None] | None = field(
        default=None, repr=False
    )
    _bounds: npt.NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def extent(self) -> tuple[float, float, float, float] | None:
        """(xmin, ymin, xmax, ymax) of all geometries; None when there are none."""
        if self._extent is None and len(self.geometries) == 0:
            self._extent = (None,)
        if self._extent is None:
            bounds = [float(v) for v in shapely.total_bounds(self.geometries)]
            finite = all(np.isfinite(bounds))
            self._extent = ((bounds[0], bounds[1], bounds[2], bounds[3]) if finite else None,)
        return self._extent[0]

    @property
    def tree(self) -> shapely.STRtree:
        # Two renders starting at once would otherwise both build the index.
        with self._tree_lock:
            if self._tree is None:
                self._tree = shapely.STRtree(self.geometries)
            return self._tree

    @property
    def bounds(self) -> npt.NDArray[np.float64]:
        """(n, 4) xmin, ymin, xmax, ymax per row; NaN for missing geometries.

        Culling and hit tests scan these with numpy instead of building the
        STRtree: building one over 500k polygons holds the GIL for ~0.4 s in
        one call, a freeze of the UI whichever thread builds it, while a scan
        takes a few milliseconds and numpy lets other threads run meanwhile.
        """
        if self._bounds is None:
            self._bounds = shapely.bounds(self.geometries)
        return self._bounds

    def rows_in(self, bbox: tuple[float, float, float, float]) -> IntArray:
        """Rows whose bounding box meets ``bbox`` (cheap culling to a view), ascending."""
        b = self.bounds
        with np.errstate(invalid="ignore"):  # NaN bounds (no geometry) never match
            meets = (b[:, 0] <= bbox[2]) & (b[:, 2] >= bbox[0])
            meets &= (b[:, 1] <= bbox[3]) & (b[:, 3] >= bbox[1])
        return np.flatnonzero(meets).astype(np.intp, copy=False)

    def rows_at(self, point: shapely.Point, tolerance: float) -> IntArray:
        """Rows whose geometry lies within ``tolerance`` of ``point``, ascending."""
        x, y = point.x, point.y
        near = self.rows_in((x - tolerance, y - tolerance, x + tolerance, y + tolerance))
        within = np.asarray(shapely.dwithin(self.geometries[near], point, tolerance), dtype=bool)
        found: IntArray = near[within]
        return found


def project_geometry(
    geoms: gpd.GeoSeries, source: CRS | None, target: CRS | None
) -> ProjectedGeometry:
    """Reproject geometries from ``source`` to ``target`` (no-op if either is unknown)."""
    array = np.asarray(geoms.array, dtype=object)
    if source is None or target is None or same_crs(source, target):
        return ProjectedGeometry(array)
    tr = transformer(source, target)

    def _xy(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    # In chunks: making 500k new geometries in one shapely call holds the GIL
    # for ~0.6 s, and the UI thread (waiting for it) freezes that long even
    # though this runs in a render thread. Between chunks the GIL is let go.
    projected = np.empty(len(array), dtype=object)
    with collector_paused():
        for start in range(0, len(array), PROJECT_CHUNK):
            chunk = slice(start, start + PROJECT_CHUNK)
            projected[chunk] = shapely.transform(array[chunk], _xy)
        keep_out_of_collections(len(projected))  # cached while the map is in this CRS
    return ProjectedGeometry(projected)


_TYPE_NAMES = (
    "Point",
    "LineString",
    "LinearRing",
    "Polygon",
    "MultiPoint",
    "MultiLineString",
    "MultiPolygon",
    "GeometryCollection",
)


def dominant_geometry_type(geometries: Any) -> str | None:
    """The geometry type most features have (None when there are none)."""
    # Type ids with bincount: 20x faster than counting geom_type strings.
    ids = shapely.get_type_id(np.asarray(geometries, dtype=object))
    counts = np.bincount(ids[ids >= 0], minlength=len(_TYPE_NAMES))
    return _TYPE_NAMES[int(np.argmax(counts))] if counts.sum() else None
