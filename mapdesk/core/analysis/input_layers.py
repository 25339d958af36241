"""The layers an analysis reads, checked and placed: features, a metric CRS, the area measured.

Radio coverage and boundary QA run from the command line (layers picked from
data files) and from the Analysis menu (layers picked in a dialog); both
read the chosen layers through these functions, so a layer without a CRS or
without any located feature is refused with the same message either way.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
from pyproj import CRS

from mapdesk.core.analysis.metric import metric_crs
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

Bounds = tuple[float, float, float, float]


def frame_of(layer: VectorLayer) -> gpd.GeoDataFrame:
    """The layer's features (fid as index), refusing a layer without a CRS."""
    if layer.crs is None:
        raise MapdeskError(f"Layer {layer.name} has no CRS: set it before the analysis")
    return layer.data


def analysis_crs(layer: VectorLayer) -> CRS:
    """A metric CRS for ``layer``'s area: its own when in metres, else a UTM zone."""
    extent = layer.extent
    if extent is None:
        raise MapdeskError(f"Layer {layer.name} has no features with a location")
    x, y = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    return metric_crs(layer.crs, x, y)


def measured_bounds(layers: Sequence[VectorLayer], crs: CRS) -> Bounds:
    """The box around every feature of ``layers`` in ``crs``: the part of a raster to read.

    Raises
    ------
    MapdeskError
        When none of the layers has a located feature.
    """
    extents = [e for layer in layers if (e := layer.projected(crs).extent) is not None]
    if not extents:
        names = ", ".join(layer.name for layer in layers) or "no layer"
        raise MapdeskError(f"No feature with a location to measure in {names}")
    return (
        min(e[0] for e in extents),
        min(e[1] for e in extents),
        max(e[2] for e in extents),
        max(e[3] for e in extents),
    )
