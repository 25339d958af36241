"""A CRS in which distances are metres, for analyses that report them."""

from __future__ import annotations

from pyproj import CRS
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
    if crs.is_projected and _in_metres(crs):
        return crs
    lon, lat = transform_xy([x], [y], crs, WGS84)
    return utm_crs(float(lon[0]), float(lat[0]))


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
