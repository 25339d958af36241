"""Refusing degrees that cannot be degrees: swapped latitude/longitude and mislabelled CRSs.

A layer in a geographic CRS holds longitude, latitude (mapdesk keeps x first,
``always_xy``). Two mistakes of other software reach city staff as files whose
"latitudes" lie beyond ±90°, which no place on Earth has:

- a writer that put latitude first (pyogrio#420 wrote KML that way, and
  GDAL 3 taught many scripts to do the same with EPSG:4326): every feature
  fits once its two axes are swapped;
- projected coordinates (metres, feet) labelled as degrees, like a GeoJSON
  exported in UTM without its ``crs`` member, which RFC 7946 reads as WGS 84.

The first is refused with a message that says what is wrong: mapdesk cannot
know which features a half-swapped file swapped. The second loads with its
CRS unknown, so the analyst chooses the right one, as for a shapefile without
``.prj``. Latitudes within ±90° are never judged: a swapped Portland point
(-70.26, 43.66 read as 43.66, -70.26) is a valid place in Antarctica.
"""

from __future__ import annotations

import geopandas
import numpy as np
import shapely

from mapdesk.core.crs import crs_label
from mapdesk.core.errors import DataSourceError

#: Beyond this, a "degree" is surely a metre or a foot (longitudes reach 360
#: in 0-360° data; nothing in degrees reaches 540).
_NOT_DEGREES = 540.0
#: Latitudes this close beyond ±90° are rounding (a pole reprojected), not errors.
_LATITUDE_LIMIT = 90.0 + 1e-6


def check_degrees(
    frame: geopandas.GeoDataFrame, name: str
) -> tuple[geopandas.GeoDataFrame, list[str]]:
    """``frame`` as it may be loaded, and notes; raise for swapped coordinates.

    Parameters
    ----------
    frame
        A layer just read, geometry column ``"geometry"``.
    name
        The file's name, for messages.

    Returns
    -------
    frame, notes
        The frame unchanged, or with its CRS removed (and a note saying why)
        when every feature is outside the range of degrees.

    Raises
    ------
    DataSourceError
        When latitudes beyond ±90° are not explained by projected
        coordinates: latitude and longitude swapped, or some features broken.
    """
    if frame.crs is None or not frame.crs.is_geographic or not len(frame):
        return frame, []
    bounds = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
    present = ~np.isnan(bounds).any(axis=1)
    beyond = present & (np.abs(bounds[:, [1, 3]]).max(axis=1, initial=0.0) > _LATITUDE_LIMIT)
    if not beyond.any():
        return frame, []
    first = int(np.flatnonzero(beyond)[0])
    x, y = (float(v) for v in bounds[first, :2])
    where = f"feature {first + 1} is at {x:.12g}, {y:.12g}"
    count = f"{int(beyond.sum())} of {int(present.sum())} features"
    label = crs_label(frame.crs)
    # Points at exactly 0, 0 ("null island", a common placeholder for a missing
    # location) say nothing about the units of the others.
    judged = present & ~(bounds == 0.0).all(axis=1)
    if (np.abs(bounds[judged]).max(axis=1) > _NOT_DEGREES).all():
        note = (
            f"No CRS: {name} says its coordinates are {label}, but they are not degrees "
            f"({where}): they look like metres or feet; choose the CRS they are in"
        )
        return frame.set_crs(None, allow_override=True), [note]
    if _fits_swapped(bounds[present]):
        raise DataSourceError(
            f"{name}: {count} have a latitude beyond ±90° ({where}): the file has latitude "
            f"first where {label} stores longitude first (KML and GeoJSON always do). "
            "It was not loaded; ask for a file written longitude first"
        )
    raise DataSourceError(
        f"{name}: {count} have a latitude beyond ±90° ({where}), which {label} cannot "
        "hold; the file was not loaded"
    )


def _fits_swapped(bounds: np.ndarray) -> bool:
    """True when every feature is a valid place with its x and y exchanged."""
    xs = np.abs(bounds[:, [0, 2]])
    ys = np.abs(bounds[:, [1, 3]])
    return bool((xs <= 90.0).all() and (ys <= 180.0).all())
