"""Nearest asset: for each incident, the closest asset (node, tower, site...) and how far.

One vectorised ``STRtree.query_nearest`` over all incidents, measured in
metres in the project CRS (or a UTM estimate when that is not metric).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from mapdesk.core.analysis.metric import metric_crs
from mapdesk.core.analysis.roles import column_of
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

#: The columns added to the incidents.
ASSET_ID = "nearest_asset_id"
ASSET_TYPE = "nearest_asset_type"
DISTANCE_M = "nearest_distance_m"

ID_FIELDS = ("asset_id", "site_id", "station_id", "id", "name", "objectid")
TYPE_FIELDS = ("type", "asset_type")


def nearest_assets(
    incidents: VectorLayer,
    assets: VectorLayer,
    asset_filter: str | None,
    project_crs: CRS | None,
) -> gpd.GeoDataFrame:
    """The incidents with their nearest asset's id and type and the distance in metres.

    Parameters
    ----------
    incidents, assets
        Layers in any CRS. Incidents without a geometry get no asset (null
        id and type, NaN distance).
    asset_filter
        Only assets whose ``type`` is this value (``"camera"``); None for all.
    project_crs
        Distances are measured in it when it is metric, else in the UTM zone
        of the incidents.

    Raises
    ------
    MapdeskError
        When no asset is left to measure to.
    """
    work = _working_crs(incidents, assets, project_crs)
    asset_rows = _asset_rows(assets, asset_filter)
    asset_geoms = assets.projected(work).geometries[asset_rows]
    incident_geoms = incidents.projected(work).geometries
    measured = np.flatnonzero(_has_geometry(incident_geoms))
    tree = shapely.STRtree(asset_geoms)
    (inputs, found), distances = tree.query_nearest(
        incident_geoms[measured], return_distance=True, all_matches=False
    )
    nearest = asset_rows[found]
    result = incidents.data.copy()
    result[ASSET_ID] = _column(assets, ID_FIELDS, nearest, measured[inputs], len(result))
    result[ASSET_TYPE] = _column(assets, TYPE_FIELDS, nearest, measured[inputs], len(result))
    metres = np.full(len(result), np.nan)
    metres[measured[inputs]] = distances
    result[DISTANCE_M] = np.round(metres, 2)
    return result


def nearest_asset_layer(
    incidents: VectorLayer,
    assets: VectorLayer,
    asset_filter: str | None,
    project_crs: CRS | None,
) -> VectorLayer:
    """:func:`nearest_assets` as a new in-memory layer, "<incidents> – nearest <assets>"."""
    frame = nearest_assets(incidents, assets, asset_filter, project_crs)
    name = f"{incidents.name} – nearest {assets.name}"
    if asset_filter:
        name += f" ({asset_filter})"
    layer = VectorLayer(frame, name)
    layer.sensitive = incidents.sensitive  # the reporters' data travels with the rows
    return layer


def asset_types(assets: VectorLayer) -> list[str]:
    """The distinct ``type`` values of an asset layer, sorted (empty without the field)."""
    column = column_of(assets, TYPE_FIELDS)
    if column is None:
        return []
    values = assets.data[column].dropna().astype(str).str.strip()
    return sorted(v for v in values.unique() if v)


def _working_crs(incidents: VectorLayer, assets: VectorLayer, project_crs: CRS | None) -> CRS:
    base = project_crs or incidents.crs or assets.crs
    extent = incidents.projected(base).extent or assets.projected(base).extent
    if extent is None:
        raise MapdeskError(f"'{incidents.name}' has no features with a location.")
    return metric_crs(base, (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2)


def _asset_rows(assets: VectorLayer, asset_filter: str | None) -> npt.NDArray[np.intp]:
    """Rows of the assets to measure to: located, and of the wanted type."""
    keep = _has_geometry(np.asarray(assets.data.geometry.array, dtype=object))
    if asset_filter:
        column = column_of(assets, TYPE_FIELDS)
        if column is None:
            raise MapdeskError(f"'{assets.name}' has no 'type' field to pick '{asset_filter}' by.")
        types = assets.data[column].astype(str).str.strip().to_numpy()
        keep &= types == asset_filter.strip()
    rows = np.flatnonzero(keep)
    if len(rows) == 0:
        what = f"'{asset_filter}' assets" if asset_filter else "assets with a location"
        raise MapdeskError(f"'{assets.name}' has no {what} to measure to.")
    return rows


def _has_geometry(geometries: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    return np.asarray(~missing, dtype=bool)


def _column(
    assets: VectorLayer,
    fields: tuple[str, ...],
    asset_rows: npt.NDArray[np.intp],
    incident_rows: npt.NDArray[np.intp],
    size: int,
) -> npt.NDArray[np.object_]:
    """An asset field's values placed at the incidents' rows (None elsewhere)."""
    values = np.full(size, None, dtype=object)
    column = column_of(assets, fields)
    if column is not None:
        values[incident_rows] = assets.data[column].to_numpy(dtype=object)[asset_rows]
    return values
