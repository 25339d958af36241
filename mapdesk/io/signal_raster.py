"""Predicted-signal rasters (GeoTIFF and the other grids GDAL reads) as coverage areas.

Propagation software (SPLAT!, Radio Mobile, a vendor's study) exports the
predicted signal per cell, usually in dBm. A cell covers when its value is
at or above the user's threshold; nodata and NaN cells never do. Only the
window around the data being measured is read, and the covered cells are
turned into polygons (4-connected, along cell edges) in the raster's CRS.

rasterio is optional (``pip install 'mapdesk[raster]'``): it is imported
here, when a raster is read, never at start-up.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from mapdesk.core.analysis.radio import SignalArea
from mapdesk.core.errors import DataSourceError, MapdeskError

Bounds = tuple[float, float, float, float]

INSTALL_HINT = "pip install 'mapdesk[raster]' (or pip install rasterio)"


def read_signal_area(
    path: Path,
    threshold: float,
    band: int = 1,
    bounds: Bounds | None = None,
    bounds_crs: CRS | None = None,
) -> SignalArea:
    """The cells of raster ``path`` whose value is at least ``threshold``, as polygons.

    Parameters
    ----------
    path
        The raster (GeoTIFF, or any grid GDAL reads) of predicted signal.
    threshold
        The least value that counts as covered, in the raster's unit.
    band
        The band to read (1 = the first).
    bounds, bounds_crs
        Read only the cells over this box (in ``bounds_crs``): the area measured.

    Raises
    ------
    MapdeskError
        When rasterio is not installed, the file cannot be read, has no CRS,
        no such band, or does not overlap ``bounds``.
    """
    rasterio = _rasterio()
    try:
        with rasterio.open(path) as raster:
            return _covered(raster, path, threshold, band, bounds, bounds_crs)
    except rasterio.errors.RasterioError as exc:
        raise DataSourceError(f"Cannot read the signal raster {path.name}: {exc}") from exc


def _covered(
    raster: Any,
    path: Path,
    threshold: float,
    band: int,
    bounds: Bounds | None,
    bounds_crs: CRS | None,
) -> SignalArea:
    if raster.crs is None:
        raise MapdeskError(
            f"The signal raster {path.name} has no CRS: assign one (gdal_edit.py -a_srs) first"
        )
    if not 1 <= band <= raster.count:
        raise MapdeskError(f"The signal raster {path.name} has {raster.count} band(s), not {band}")
    crs = CRS.from_wkt(raster.crs.to_wkt())
    window = _window(raster, path, crs, bounds, bounds_crs)
    values = raster.read(band, window=window, masked=True)
    covered = np.asarray((values >= threshold).filled(False), dtype=bool)
    geometry = _polygons(covered, raster.window_transform(window))
    return SignalArea(path.name, threshold, band, geometry, crs, int(covered.sum()))


def _window(
    raster: Any, path: Path, crs: CRS, bounds: Bounds | None, bounds_crs: CRS | None
) -> Any:
    from rasterio.warp import transform_bounds
    from rasterio.windows import Window, from_bounds

    whole = Window(0, 0, raster.width, raster.height)
    if bounds is None:
        return whole
    if bounds_crs is not None:
        bounds = transform_bounds(bounds_crs.to_wkt(), crs.to_wkt(), *bounds, densify_pts=21)
    wanted = from_bounds(*bounds, transform=raster.transform)
    # Whole cells that touch the box: offsets down, far edges up.
    col, row = math.floor(wanted.col_off), math.floor(wanted.row_off)
    width = math.ceil(wanted.col_off + wanted.width) - col
    height = math.ceil(wanted.row_off + wanted.height) - row
    try:
        window = Window(col, row, width, height).intersection(whole)
    except Exception:  # rasterio's WindowError: the windows do not meet
        window = None
    if window is None or window.width <= 0 or window.height <= 0:
        raise MapdeskError(f"The signal raster {path.name} does not overlap the data measured")
    return window


def _polygons(covered: np.ndarray, transform: Any) -> shapely.Geometry:
    """The covered cells as one (multi)polygon in the raster's CRS."""
    from rasterio.features import shapes

    if not covered.any():
        return shapely.Polygon()
    pieces = [
        shapely.geometry.shape(shape)
        for shape, _ in shapes(
            covered.astype(np.uint8), mask=covered, connectivity=4, transform=transform
        )
    ]
    return shapely.coverage_union_all(pieces)


#: The installed app (installer/) leaves rasterio out: pip cannot add it there.
BUNDLE_HINT = (
    "the installed mapdesk does not include it (use circle coverage, or mapdesk "
    "installed with pip and its raster extra)"
)


def _rasterio() -> Any:
    try:
        import rasterio
        import rasterio.errors
    except ImportError:
        hint = BUNDLE_HINT if getattr(sys, "frozen", False) else INSTALL_HINT
        raise MapdeskError(f"Reading predicted-signal rasters needs rasterio: {hint}") from None
    return rasterio
