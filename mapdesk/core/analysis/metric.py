"""A CRS in which distances are metres, for analyses that report them."""

from __future__ import annotations

from pyproj import CRS, Proj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from mapdesk.core.crs import transform_xy
from mapdesk.core.errors import MapdeskError

WGS84 = CRS.from_epsg(4326)


def metric_crs(crs: CRS | None, x: float, y: float) -> CRS:
    """``crs`` itself when it is projected in metres, else the UTM zone around (x, y).

    (x, y) is a position in ``crs``; it picks the UTM zone (a projected CRS
    in feet, such as Maine's US-feet state plane, gets one too).
    """
    if crs is None:
        raise MapdeskError("Distances need a coordinate reference system: set the project CRS.")
    if is_metric(crs, x, y):
        return crs
    lon, lat = transform_xy([x], [y], crs, WGS84)
    return utm_crs(float(lon[0]), float(lat[0]))


#: How far a projection's scale may stray from 1 for its metres to count as
#: ground metres: a state plane or UTM zone stays within 1/1,000 inside its
#: area (1 % even 900 km outside it); Web Mercator is 38 % off at Portland.
MAX_SCALE_ERROR = 0.02


def is_metric(crs: CRS | None, x: float, y: float) -> bool:
    """True when distances measured in ``crs`` near (x, y) are ground metres.

    A projected CRS in metres whose scale factor there is about 1: not one in
    feet, and not Web Mercator (whose "metres" stretch with latitude).
    """
    if crs is None or not crs.is_projected or not _in_metres(crs):
        return False
    try:
        lon, lat = transform_xy([x], [y], crs, WGS84)
        factors = Proj(crs).get_factors(float(lon[0]), float(lat[0]))
        scale = max(abs(factors.meridional_scale - 1), abs(factors.parallel_scale - 1))
    except Exception:  # outside the projection's area: not a place to measure in it
        return False
    return bool(scale <= MAX_SCALE_ERROR)


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone CRS for a longitude/latitude."""
    area = AreaOfInterest(lon, lat, lon, lat)
    found = query_utm_crs_info(datum_name="WGS 84", area_of_interest=area)
    if not found:
        raise MapdeskError(f"No UTM zone covers {lat:.4f}, {lon:.4f}.")
    return CRS.from_epsg(found[0].code)


def _in_metres(crs: CRS) -> bool:
    axes = crs.axis_info
    return bool(axes) and all(axis.unit_conversion_factor == 1.0 for axis in axes[:2])
