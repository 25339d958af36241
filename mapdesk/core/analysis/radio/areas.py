"""Coverage areas: a geodesic circle per tower in use, and predicted-signal areas.

A tower's circle is the set of points within its range on the ground
(:func:`~mapdesk.core.analysis.geodesy.geodesic_circle`), drawn in the
analysis CRS. A predicted-signal raster (from propagation software) gives
its own area: the cells at or above the user's threshold, read by
``mapdesk.io.signal_raster`` and handed over as a :class:`SignalArea`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.analysis.geodesy import geodesic_areas, geodesic_circle
from mapdesk.core.analysis.radio.towers import TowerSites
from mapdesk.core.crs import transform_xy

#: The fields of the coverage-areas layer.
AREA_FIELDS = ("site_id", "name", "status", "range_km", "source", "area_km2")


@dataclass(frozen=True)
class SignalArea:
    """Where one predicted-signal raster reaches the threshold.

    Attributes
    ----------
    source
        The raster's file name (for the layer and the report).
    threshold
        The value (dBm, or the raster's unit) a cell must reach to count.
    band
        The band read.
    geometry
        The covered cells as (multi)polygons, in ``crs``.
    crs
        The raster's CRS.
    cells
        How many cells reached the threshold.
    """

    source: str
    threshold: float
    band: int
    geometry: shapely.Geometry
    crs: CRS
    cells: int


def coverage_areas(
    towers: TowerSites | None, signals: Sequence[SignalArea], crs: CRS
) -> gpd.GeoDataFrame:
    """One polygon per tower in use (its circle) and per signal raster, in ``crs``.

    Fields: ``site_id``, ``name``, ``status``, ``range_km`` (towers),
    ``source`` ("tower" or "signal ≥ T: FILE") and ``area_km2`` (on the ground).
    """
    rows: list[dict[str, object]] = []
    shapes: list[shapely.Geometry] = []
    for site in towers.used if towers is not None else ():
        shapes.append(geodesic_circle(site.lon, site.lat, site.range_m, crs))
        rows.append(
            {"site_id": site.site_id, "name": site.name, "status": site.status,
             "range_km": site.range_m / 1000.0, "source": "tower"}
        )  # fmt: skip
    for signal in signals:
        shapes.append(in_crs(signal.geometry, signal.crs, crs))
        rows.append(
            {"site_id": None, "name": signal.source, "status": None, "range_km": None,
             "source": f"signal ≥ {signal.threshold:g}: {signal.source}"}
        )  # fmt: skip
    geometry = np.asarray(shapes, dtype=object)
    frame = gpd.GeoDataFrame(
        rows or {name: [] for name in AREA_FIELDS[:-1]},
        geometry=gpd.GeoSeries(geometry, crs=crs),
        crs=crs,
    )
    frame.insert(len(AREA_FIELDS) - 1, "area_km2", geodesic_areas(geometry, crs) / 1e6)
    frame["range_km"] = frame["range_km"].astype(float)
    return frame


def in_crs(geometry: shapely.Geometry, source: CRS, target: CRS) -> shapely.Geometry:
    """``geometry`` moved from ``source`` to ``target`` vertex by vertex."""
    moved = shapely.transform(
        geometry,
        lambda xy: np.column_stack(transform_xy(xy[:, 0], xy[:, 1], source, target)),
    )
    return shapely.make_valid(moved) if not shapely.is_valid(moved) else moved
