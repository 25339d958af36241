"""Fixtures for the io tests: small layers written into tmp_path with pyogrio."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

# The local GeoReport v2 server of the pager's tests, for the endpoint import too.
from tests.io.test_open311_fetch import serve  # noqa: F401


@pytest.fixture
def stations() -> gpd.GeoDataFrame:
    """Three points in NAD83 / Maine West with an id that looks like a number."""
    return gpd.GeoDataFrame(
        {"station_id": ["007", "012", "101"], "name": ["Central", "Bramhall", "Ocean Ave"]},
        geometry=[Point(871000, 92000), Point(869500, 91500), Point(871200, 92300)],
        crs="EPSG:26984",
    )


@pytest.fixture
def roads() -> gpd.GeoDataFrame:
    """Two lines in WGS 84."""
    return gpd.GeoDataFrame(
        {"name": ["Congress St", "Forest Ave"], "lanes": [2, 4]},
        geometry=[
            LineString([(-70.26, 43.656), (-70.25, 43.66)]),
            LineString([(-70.27, 43.66), (-70.28, 43.67)]),
        ],
        crs="EPSG:4326",
    )


@pytest.fixture
def parcels() -> gpd.GeoDataFrame:
    """One square parcel in WGS 84."""
    square = Polygon([(-70.26, 43.65), (-70.25, 43.65), (-70.25, 43.66), (-70.26, 43.66)])
    return gpd.GeoDataFrame({"parcel": ["A-1"]}, geometry=[square], crs="EPSG:4326")


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def folder_digest() -> Callable[[Path], dict[str, str]]:
    """A function giving every file under a folder with its SHA-256."""
    return _digest
