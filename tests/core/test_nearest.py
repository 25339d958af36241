"""Nearest asset: each incident with its closest asset, its type and the distance."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import CRS
from shapely.geometry import Point

from mapdesk.core.analysis.nearest import (
    ASSET_ID,
    ASSET_TYPE,
    DISTANCE_M,
    asset_types,
    nearest_asset_layer,
    nearest_assets,
)
from mapdesk.core.crs import transform_xy
from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer

METRIC = CRS.from_epsg(26984)
X0, Y0 = 892_000.0, 91_000.0


@pytest.fixture
def assets() -> VectorLayer:
    frame = gpd.GeoDataFrame(
        {"asset_id": ["NN-1", "NN-2", "NN-3", "NN-4"],
         "type": ["switch", "camera", "camera", "switch"]},
        geometry=[Point(X0, Y0), Point(X0 + 1000, Y0), Point(X0, Y0 + 2000), None],
        crs=METRIC,
    )  # fmt: skip
    return VectorLayer(frame, "Network nodes")


@pytest.fixture
def incidents() -> VectorLayer:
    # In WGS 84, as FixIt reports come: the analysis measures in the project CRS.
    xs, ys = [X0 + 30, X0 + 900, X0 + 10], [Y0 + 40, Y0, Y0 + 1500]
    lon, lat = transform_xy(xs, ys, METRIC, CRS.from_epsg(4326))
    geoms = [Point(a, b) for a, b in zip(lon, lat, strict=True)] + [None]
    frame = gpd.GeoDataFrame(
        {"service_request_id": ["r1", "r2", "r3", "r4"]}, geometry=geoms, crs=4326
    )
    return VectorLayer(frame, "FixIt incidents")


def test_each_incident_gets_its_nearest_asset(incidents: VectorLayer, assets: VectorLayer) -> None:
    result = nearest_assets(incidents, assets, None, METRIC)
    assert list(result[ASSET_ID][:3]) == ["NN-1", "NN-2", "NN-3"]
    assert list(result[ASSET_TYPE][:3]) == ["switch", "camera", "camera"]
    np.testing.assert_allclose(result[DISTANCE_M][:3], [50.0, 100.0, 500.1], atol=0.02)
    # No location: no asset.
    assert pd.isna(result[ASSET_ID].iloc[3]) and math.isnan(result[DISTANCE_M].iloc[3])
    assert result.crs == incidents.data.crs and len(result) == 4
    assert list(result["service_request_id"]) == ["r1", "r2", "r3", "r4"]


def test_filter_by_asset_type(incidents: VectorLayer, assets: VectorLayer) -> None:
    result = nearest_assets(incidents, assets, "camera", METRIC)
    assert list(result[ASSET_ID][:3]) == ["NN-2", "NN-2", "NN-3"]
    assert result[DISTANCE_M].iloc[0] == pytest.approx(math.hypot(970, 40), abs=0.02)


def test_unknown_type_or_no_assets_is_a_clear_error(
    incidents: VectorLayer, assets: VectorLayer
) -> None:
    with pytest.raises(MapdeskError, match="no 'tower' assets"):
        nearest_assets(incidents, assets, "tower", METRIC)
    untyped = VectorLayer(assets.data.drop(columns="type"), "Sites")
    with pytest.raises(MapdeskError, match="no 'type' field"):
        nearest_assets(incidents, untyped, "camera", METRIC)


def test_geographic_project_measures_in_metres(incidents: VectorLayer, assets: VectorLayer) -> None:
    result = nearest_assets(incidents, assets, None, CRS.from_epsg(4326))
    np.testing.assert_allclose(result[DISTANCE_M][:3], [50.0, 100.0, 500.1], rtol=0.01)


def test_result_layer_and_types(incidents: VectorLayer, assets: VectorLayer) -> None:
    incidents.sensitive = True
    layer = nearest_asset_layer(incidents, assets, None, METRIC)
    assert layer.name == "FixIt incidents – nearest Network nodes"
    assert layer.sensitive and layer.feature_count == 4
    assert nearest_asset_layer(incidents, assets, "camera", METRIC).name.endswith("(camera)")
    assert asset_types(assets) == ["camera", "switch"]


def test_demo_incidents_to_cameras() -> None:
    from mapdesk.io.demo import open_demo_project

    project = open_demo_project()
    incidents = project.layers.by_name("FixIt incidents")
    nodes = project.layers.by_name("Network nodes")
    result = nearest_assets(incidents, nodes, "camera", project.crs)
    assert len(result) == incidents.feature_count
    cameras = set(nodes.data.loc[nodes.data["type"] == "camera", "asset_id"])
    assert set(result[ASSET_ID].dropna()) <= cameras
    assert (result[DISTANCE_M].dropna() >= 0).all()


def test_a_web_mercator_project_measures_ground_metres(
    incidents: VectorLayer, assets: VectorLayer
) -> None:
    """Web Mercator's 'metres' are 1.38 ground metres at Portland: never used as such."""
    found = nearest_assets(incidents, assets, None, CRS.from_epsg(3857))
    assert found[DISTANCE_M].iloc[0] == pytest.approx(50.0, abs=0.5)  # 30, 40 from NN-1
