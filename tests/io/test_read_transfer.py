"""What crosses from the reader sandbox is what the reader returned (no child needed).

The sandbox's child writes a :class:`LayerRead` as Arrow IPC and the app
reads it back; any geometry or column the round trip loses is data the
user's layer silently lacks.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from geopandas.testing import assert_geodataframe_equal

from mapdesk.io.read_transfer import read_from_ipc, read_to_ipc
from mapdesk.io.sources import LayerRead, Source

SOURCE = Source("/data/stations.shp", None, "ESRI Shapefile", "pyogrio")


def _round_trip(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    back: gpd.GeoDataFrame = read_from_ipc(read_to_ipc(LayerRead(frame, SOURCE, ()))).frame
    return back


def test_measured_points_keep_their_m_values() -> None:
    # A PointM shapefile of mile markers: the M value is the measure along the route.
    frame = gpd.GeoDataFrame(
        {"marker": [1, 2]},
        geometry=shapely.from_wkt(["POINT M (1 2 0.5)", "POINT M (4 5 1.25)"]),
        crs="EPSG:2802",
    )
    back = _round_trip(frame)
    assert shapely.to_wkt(back.geometry.array).tolist() == [
        "POINT M (1 2 0.5)",
        "POINT M (4 5 1.25)",
    ]


def test_a_second_geometry_column_comes_back() -> None:
    # GeoParquet may hold several geometry columns; the in-process read keeps them.
    frame = gpd.GeoDataFrame(
        {"id": [1, 2], "centroid": gpd.GeoSeries(shapely.from_wkt(["POINT (0 0)", None]))},
        geometry=shapely.from_wkt(["POLYGON ((0 0, 1 0, 1 1, 0 0))", "POINT (2 2)"]),
        crs="EPSG:2802",
    )
    back = _round_trip(frame)
    assert_geodataframe_equal(back, frame)
    assert shapely.to_wkt(back["centroid"].array).tolist() == ["POINT (0 0)", None]
