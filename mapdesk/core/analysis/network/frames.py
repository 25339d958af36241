"""Reading the node and span layers: text columns, service status, one working CRS."""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from pyproj import CRS

from mapdesk.core.analysis.metric import is_metric
from mapdesk.core.analysis.network.model import OUT_OF_SERVICE
from mapdesk.core.errors import CrsError, MapdeskError


def text_column(frame: gpd.GeoDataFrame, column: str) -> list[str]:
    """A column as stripped text, ``""`` for a missing column or a null value."""
    if column not in frame.columns:
        return [""] * len(frame)
    return ["" if _is_null(value) else str(value).strip() for value in frame[column]]


def rows_with_ids(
    frame: gpd.GeoDataFrame, column: str, ids: Iterable[str]
) -> npt.NDArray[np.bool_]:
    """Which rows' ``column``, read as the graph reads ids (see ``text_column``), is in ``ids``.

    An id typed with a trailing space is the graph's id without it, so the
    features a trace or cut names are found by the same reading.
    """
    wanted = set(ids) - {""}
    return np.array([value in wanted for value in text_column(frame, column)], dtype=bool)


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def in_service(frame: gpd.GeoDataFrame) -> npt.NDArray[np.bool_]:
    """True for features whose ``status`` is not out of service (see ``OUT_OF_SERVICE``)."""
    status = [value.lower() for value in text_column(frame, "status")]
    return np.array([value not in OUT_OF_SERVICE for value in status], dtype=bool)


def require_ids(frame: gpd.GeoDataFrame, layer: str) -> list[str]:
    """The ``asset_id`` column, or an error naming the layer when it has none."""
    if "asset_id" not in frame.columns:
        raise MapdeskError(f"The {layer} layer has no asset_id field")
    return text_column(frame, "asset_id")


def working_crs(nodes: gpd.GeoDataFrame, spans: gpd.GeoDataFrame) -> CRS | None:
    """The projected CRS (metres) both layers are snapped in: the nodes' own when projected."""
    if (nodes.crs is None) != (spans.crs is None):
        missing = "node" if nodes.crs is None else "span"
        raise CrsError(f"The {missing} layer has no CRS, so it cannot be matched to the other")
    if nodes.crs is None:
        return None
    crs = CRS.from_user_input(nodes.crs)
    # The tolerance is in metres: a CRS in US feet or Web Mercator would snap
    # at the wrong distance, so those are measured in the UTM zone instead.
    located = nodes.geometry[~nodes.geometry.is_empty & nodes.geometry.notna()]
    if len(located):
        x, y = located.union_all().centroid.coords[0]
        if is_metric(crs, x, y):
            return crs
    if not len(located):
        return crs if crs.is_projected else None
    utm = nodes.estimate_utm_crs()
    return CRS.from_user_input(utm)


def reprojected(frame: gpd.GeoDataFrame, crs: CRS | None) -> gpd.GeoDataFrame:
    """``frame`` in ``crs`` (as is when it already is, or when there is no CRS)."""
    if crs is None or frame.crs is None or CRS.from_user_input(frame.crs) == crs:
        return frame
    return frame.to_crs(crs)
