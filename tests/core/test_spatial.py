"""Geometries in the map CRS: chunked reprojection and the hit tests that scan bounds."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from mapdesk.core import spatial
from mapdesk.core.crs import transformer
from mapdesk.core.spatial import ProjectedGeometry, project_geometry

UTM = CRS.from_epsg(26919)
MAINE_WEST = CRS.from_epsg(26984)


def _parcels(count: int) -> gpd.GeoSeries:
    x = 398_000.0 + np.arange(count) % 100 * 20.0
    y = 4_834_000.0 + np.arange(count) // 100 * 20.0
    return gpd.GeoSeries(shapely.box(x, y, x + 15.0, y + 15.0), crs=UTM)


def test_reprojecting_in_chunks_gives_every_row_its_own_geometry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(spatial, "PROJECT_CHUNK", 7)  # rows cross chunk edges
    geoms = _parcels(50)
    geoms.iloc[20] = None  # a feature with no geometry keeps its row
    projected = project_geometry(geoms, UTM, MAINE_WEST).geometries
    tr = transformer(UTM, MAINE_WEST)
    assert len(projected) == 50 and projected[20] is None
    for row in (0, 6, 7, 49):
        x, y = tr.transform(*geoms.iloc[row].exterior.xy)
        assert shapely.equals_exact(
            projected[row], shapely.Polygon(np.column_stack([x, y])), 1e-6
        ), row


def test_rows_in_and_rows_at_find_the_same_rows_as_the_spatial_index() -> None:
    geoms = np.asarray(_parcels(400).array, dtype=object)
    geoms[5] = None
    projected = ProjectedGeometry(geoms)
    view = (398_100.0, 4_834_050.0, 398_530.0, 4_834_300.0)
    expected = np.sort(projected.tree.query(shapely.box(*view)))
    assert np.array_equal(projected.rows_in(view), expected)
    # A click in the gap beside parcel 1 finds it within 3 m, not its neighbour.
    click = shapely.Point(398_036.0, 4_834_007.0)
    assert projected.rows_at(click, 3.0).tolist() == [1]
    assert projected.rows_at(click, 0.5).tolist() == []
    # Off parcel 1's corner: inside its padded box, but 2.8 m from it.
    assert projected.rows_at(shapely.Point(398_037.0, 4_834_017.0), 2.5).tolist() == []
    assert projected.rows_at(shapely.Point(398_000.0 + 5 * 20 + 7, 4_834_007.0), 1.0).size == 0


def test_a_big_reprojected_copy_is_kept_out_of_full_collections() -> None:
    # The copy lives while the map is in that CRS; scanning its 500k polygons
    # at each full collection froze the UI for 0.5 s (row-23 heartbeat).
    import gc

    from mapdesk.core.collector import FREEZE_FROM

    geoms = gpd.GeoSeries(gpd.points_from_xy(np.arange(FREEZE_FROM), np.zeros(FREEZE_FROM)))
    gc.unfreeze()
    try:
        projected = project_geometry(geoms, CRS.from_epsg(26919), CRS.from_epsg(4326))
        assert gc.get_freeze_count() >= FREEZE_FROM
        assert len(projected.geometries) == FREEZE_FROM
    finally:
        gc.unfreeze()
