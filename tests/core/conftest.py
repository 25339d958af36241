from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

import mapdesk  # noqa: F401  (registers the file reader with Project)


@pytest.fixture
def stations_26984() -> gpd.GeoDataFrame:
    """Three stations in NAD83 / Maine West (metres)."""
    return gpd.GeoDataFrame(
        {"station_id": ["F1", "F2", "P1"], "name": ["Central", "Bramhall", "Police HQ"]},
        geometry=[Point(871000, 92000), Point(869500, 91500), Point(871200, 92300)],
        crs="EPSG:26984",
    )


@pytest.fixture
def mixed_shapes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kind": ["road", "parcel"]},
        geometry=[
            LineString([(0, 0), (100, 0)]),
            Polygon([(200, 200), (300, 200), (300, 300), (200, 300)]),
        ],
        crs="EPSG:26984",
    )
