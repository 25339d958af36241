"""Carry the visible area over when the map CRS changes (as QGIS does)."""

from __future__ import annotations

import numpy as np
from pyproj import CRS

from mapdesk.core.crs import transform_xy
from mapdesk.core.errors import CrsError
from mapdesk.core.view import Extent

_SAMPLES = 9


def reprojected_extent(extent: Extent, source: CRS | None, target: CRS | None) -> Extent | None:
    """The bounding box, in ``target``, of ``extent`` given in ``source``.

    The edges are sampled, not just the corners, because a straight edge in
    one CRS is curved in another. None when either CRS is unknown or the
    area has no finite image in ``target`` (e.g. a world view into a UTM zone).
    """
    if source is None or target is None:
        return None
    xmin, ymin, xmax, ymax = extent
    xs, ys = np.meshgrid(np.linspace(xmin, xmax, _SAMPLES), np.linspace(ymin, ymax, _SAMPLES))
    try:
        tx, ty = transform_xy(xs.ravel(), ys.ravel(), source, target)
    except (CrsError, RuntimeError, ValueError):
        return None
    finite = np.isfinite(tx) & np.isfinite(ty)
    if finite.sum() < 2:
        return None
    tx, ty = tx[finite], ty[finite]
    result = (float(tx.min()), float(ty.min()), float(tx.max()), float(ty.max()))
    if result[2] - result[0] <= 0 or result[3] - result[1] <= 0:
        return None
    return result
