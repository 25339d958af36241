"""Predicted-signal rasters: the cells at or above the threshold, as coverage areas.

The test rasters are written here with rasterio: 10 x 10 cells of 100 m in
NAD83 / Maine West, strong signal (-80 dBm) in the west half, weak (-110)
in the east half, one nodata cell among the strong ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS

from mapdesk.core.analysis.geodesy import geodesic_lengths
from mapdesk.core.analysis.radio import RadioInputs, radio_coverage
from mapdesk.core.errors import MapdeskError
from mapdesk.io.signal_raster import read_signal_area

rasterio = pytest.importorskip("rasterio")

CRS_M = CRS.from_epsg(26984)
X0, Y0 = 880_000.0, 90_000.0  # the raster's south-west corner
NODATA = -9999.0


def write_raster(path: Path, crs: str | None = "EPSG:26984") -> Path:
    from rasterio.transform import from_origin

    values = np.full((10, 10), -110.0, dtype=np.float32)
    values[:, :5] = -80.0
    values[0, 0] = NODATA  # the north-west corner cell
    with rasterio.open(
        path, "w", driver="GTiff", width=10, height=10, count=1, dtype="float32",
        crs=crs, transform=from_origin(X0, Y0 + 1000, 100, 100), nodata=NODATA,
    ) as raster:  # fmt: skip
        raster.write(values, 1)
    return path


def test_cells_at_or_above_the_threshold_cover(tmp_path: Path) -> None:
    area = read_signal_area(write_raster(tmp_path / "signal.tif"), -95.0)
    expected = shapely.box(X0, Y0, X0 + 500, Y0 + 1000).difference(
        shapely.box(X0, Y0 + 900, X0 + 100, Y0 + 1000)
    )
    assert shapely.equals(area.geometry, expected)
    assert area.cells == 49 and area.source == "signal.tif" and area.crs.to_epsg() == 26984
    everything = read_signal_area(tmp_path / "signal.tif", -110.0)
    assert everything.cells == 99  # the threshold itself covers; nodata never does


def test_only_the_cells_over_the_data_are_read(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "signal.tif")
    bounds = (X0 + 150.0, Y0 + 150.0, X0 + 250.0, Y0 + 250.0)
    area = read_signal_area(path, -95.0, bounds=bounds, bounds_crs=CRS_M)
    assert shapely.equals(area.geometry, shapely.box(X0 + 100, Y0 + 100, X0 + 300, Y0 + 300))


def test_a_raster_apart_from_the_data_is_refused(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "signal.tif")
    with pytest.raises(MapdeskError, match=r"signal\.tif does not overlap the data measured"):
        read_signal_area(path, -95.0, bounds=(0.0, 0.0, 10.0, 10.0), bounds_crs=CRS_M)


def test_no_crs_a_missing_band_and_a_bad_file_are_named(tmp_path: Path) -> None:
    with pytest.raises(MapdeskError, match=r"nocrs\.tif has no CRS"):
        read_signal_area(write_raster(tmp_path / "nocrs.tif", crs=None), -95.0)
    with pytest.raises(MapdeskError, match=r"signal\.tif has 1 band"):
        read_signal_area(write_raster(tmp_path / "signal.tif"), -95.0, band=2)
    junk = tmp_path / "junk.tif"
    junk.write_text("not a raster")
    with pytest.raises(MapdeskError, match=r"Cannot read the signal raster junk\.tif"):
        read_signal_area(junk, -95.0)


def test_without_rasterio_the_message_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(MapdeskError, match=r"needs rasterio: pip install 'mapdesk\[raster\]'"):
        read_signal_area(tmp_path / "signal.tif", -95.0)


def test_in_the_installed_app_the_message_does_not_send_users_to_pip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "rasterio", None)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(MapdeskError, match="the installed mapdesk does not include it") as raised:
        read_signal_area(tmp_path / "signal.tif", -95.0)
    assert "pip install" not in str(raised.value)


def test_a_raster_alone_gives_the_coverage(tmp_path: Path) -> None:
    area = read_signal_area(write_raster(tmp_path / "signal.tif"), -95.0)
    addresses = gpd.GeoDataFrame(
        {"Add_Number": [1, 2]},
        geometry=gpd.points_from_xy([X0 + 250, X0 + 750], [Y0 + 500, Y0 + 500]),
        crs=CRS_M,
    )
    road = shapely.LineString([(X0 + 300, Y0 + 420), (X0 + 800, Y0 + 420)])
    roads = gpd.GeoDataFrame(geometry=[road], crs=CRS_M).to_crs(4326)
    result = radio_coverage(
        RadioInputs(CRS_M, None, (area,), addresses=("a", addresses), roads=("r", roads))
    )
    assert (result.overall.addresses, result.overall.addresses_outside) == (2, 1)
    outside = shapely.LineString([(X0 + 500, Y0 + 420), (X0 + 800, Y0 + 420)])
    assert result.overall.road_outside_m == pytest.approx(
        float(geodesic_lengths([outside], CRS_M)[0]), abs=0.01
    )
    assert result.areas["source"].tolist() == ["signal ≥ -95: signal.tif"]
