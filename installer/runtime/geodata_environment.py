"""Runtime hook: point GDAL and PROJ at the data folders inside the bundle.

Runs before mapdesk is imported, in the app and in every reader or writer child.
A GIS workstation often has GDAL_DATA or PROJ_LIB set for another installation
(QGIS, OSGeo4W, ArcGIS Pro); data of another version makes the bundled GDAL and
PROJ fail to look up CRSs ("proj.db lacks ... layout version"), so the bundle's
own folders win over those variables.
"""

import os
import sys

_BUNDLE = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))


def _bundled(*parts):
    path = os.path.join(_BUNDLE, *parts)
    return path if os.path.isdir(path) else None


def _point(variable, folder):
    if folder:
        os.environ[variable] = folder


# pyogrio's GDAL reads and writes every file; its PROJ must get its own proj.db.
# pyproj uses its own copy first whatever these say (pyproj.datadir).
_point("GDAL_DATA", _bundled("pyogrio", "gdal_data"))
_proj = _bundled("pyogrio", "proj_data") or _bundled("pyproj", "proj_dir", "share", "proj")
_point("PROJ_DATA", _proj)
_point("PROJ_LIB", _proj)  # the name PROJ < 9.1 reads (fiona's GDAL may carry one)
# No downloads of PROJ grids at run time: the city network may block them, and
# a transformation must not change with the network.
os.environ["PROJ_NETWORK"] = "OFF"
# GDAL plugins installed for another GDAL version crash the bundled one.
os.environ["GDAL_DRIVER_PATH"] = "disable"
