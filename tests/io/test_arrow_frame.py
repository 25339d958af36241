"""The Arrow reader builds the same frame pyogrio's read_dataframe does, only faster.

mapdesk reads GDAL layers through ``arrow_frame.frame_from_arrow`` (numpy
point decoding, Arrow datetime parsing). Every case here is read both ways
and must come out equal: columns, dtypes, values, fid index, CRS, geometries.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, Polygon

from mapdesk.io.arrow_frame import frame_from_arrow, geometries_from_wkb
from tests.conftest import corpus_path


def _both(path: Path, layer: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    meta, table = pyogrio.read_arrow(path, layer=layer, datetime_as_string=True, return_fids=True)
    ours = frame_from_arrow(meta, table)
    theirs = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, fid_as_index=True)
    return ours, theirs


def assert_same_frame(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    assert type(ours) is type(theirs)
    if isinstance(theirs, gpd.GeoDataFrame):
        assert ours.crs == theirs.crs
        mine, other = ours.geometry.array, theirs.geometry.array
        assert list(shapely.is_missing(mine)) == list(shapely.is_missing(other))
        present = ~shapely.is_missing(other)
        assert shapely.equals_exact(mine[present], other[present], tolerance=0).all()
        assert list(shapely.is_empty(mine)) == list(shapely.is_empty(other))
        ours, theirs = ours.drop(columns="geometry"), theirs.drop(columns="geometry")
    pd.testing.assert_frame_equal(pd.DataFrame(ours), pd.DataFrame(theirs))


def _geojson(path: Path, features: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _feature(geometry: dict[str, Any] | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


def test_points_decoded_from_the_wkb_buffer_equal_shapely_decoding(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    xy = rng.uniform([390000, 4820000], [420000, 4850000], size=(5000, 2))
    frame = gpd.GeoDataFrame(
        {"incident": np.arange(5000), "status": rng.choice(["Open", "Closed"], 5000)},
        geometry=shapely.points(xy),
        crs="EPSG:26919",
    )
    path = tmp_path / "incidents.gpkg"
    frame.to_file(path)
    ours, theirs = _both(path)
    assert_same_frame(ours, theirs)
    assert list(ours.index[:3]) == [1, 2, 3]  # GeoPackage fids, as QGIS shows them


@pytest.mark.parametrize(
    "geometries",
    [
        [Point(1, 2), None, Point(3, 4)],  # a feature without geometry
        [Point(1, 2), shapely.Point(), Point(3, 4)],  # an empty point (NaN coordinates)
        [Point(1, 2, 3), Point(3, 4, 5)],  # 3D points: 29-byte WKB
        [Point(1, 2), Polygon([(0, 0), (1, 0), (1, 1)])],  # mixed types
    ],
    ids=["null", "empty", "3d", "mixed"],
)
def test_point_layers_off_the_fast_path_read_the_same(
    tmp_path: Path, geometries: list[Any]
) -> None:
    frame = gpd.GeoDataFrame({"n": range(len(geometries))}, geometry=geometries, crs="EPSG:4326")
    path = tmp_path / "odd.gpkg"
    frame.to_file(path)
    ours, theirs = _both(path)
    assert_same_frame(ours, theirs)


def test_wkb_that_is_not_points_goes_through_shapely() -> None:
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 0)])
    wkb = pa.array([shapely.to_wkb(square), None, shapely.to_wkb(Point(5, 6))])
    decoded = geometries_from_wkb(wkb)
    assert decoded[0].equals(square)
    assert decoded[1] is None
    assert decoded[2].equals(Point(5, 6))


def test_big_endian_points_are_not_misread(tmp_path: Path) -> None:
    wkb = pa.array([shapely.to_wkb(Point(x, 2.5), byte_order=0) for x in range(3)])
    decoded = geometries_from_wkb(wkb)
    assert [g.x for g in decoded] == [0.0, 1.0, 2.0]
    assert {g.y for g in decoded} == {2.5}


@pytest.mark.parametrize(
    "stamps",
    [
        ["2024-01-30T08:48:23", "2023-09-17T16:22:07.250", None],  # naive
        ["2024-01-30T08:48:23Z", "2023-09-17T16:22:07.250Z", None],  # UTC
        ["2024-01-30T08:48:23+01:00", "2023-09-17T16:22:07+01:00"],  # one offset
        ["2024-01-30T08:48:23+01:00", "2023-09-17T16:22:07-05:00"],  # mixed offsets
        ["2024-01-30T08:48:23Z", "2023-09-17T16:22:07"],  # UTC and naive
        [None, None],  # all null
    ],
    ids=["naive", "utc", "offset", "mixed", "utc-and-naive", "null"],
)
def test_datetimes_parse_as_pyogrio_parses_them(tmp_path: Path, stamps: list[str | None]) -> None:
    features = [_feature(_point(i, i), when=s) for i, s in enumerate(stamps)]
    features.append(_feature(_point(9, 9), when="2022-05-01T00:00:00"))
    path = _geojson(tmp_path / "stamps.geojson", features)
    ours, theirs = _both(path)
    assert_same_frame(ours, theirs)


def test_dates_json_fields_and_tables_without_geometry(tmp_path: Path) -> None:
    path = tmp_path / "mixed.gpkg"
    frame = gpd.GeoDataFrame(
        {
            "opened": pd.to_datetime(["2024-03-01", "2024-03-02"]).date,
            "name": ["Hydrant 12", None],
            "count": [1, 2],
        },
        geometry=[Point(1, 1), Point(2, 2)],
        crs="EPSG:4326",
    )
    frame.to_file(path, layer="assets")
    pyogrio.write_dataframe(
        pd.DataFrame({"code": ["A", "B"], "label": ["Alpha", "Beta"]}),
        path,
        layer="codes",
    )
    for layer in ("assets", "codes"):
        ours, theirs = _both(path, layer)
        assert_same_frame(ours, theirs)
    json_path = tmp_path / "json.geojson"
    _geojson(json_path, [_feature(_point(0, 0), tags={"a": 1}), _feature(None, tags=None)])
    ours, theirs = _both(json_path)
    assert_same_frame(ours, theirs)


def _corpus_layers(corpus: Path) -> list[tuple[Path, str]]:
    # The real-world layers; robustness/ holds files built to break readers,
    # which test_corpus.py reads in child processes.
    suffixes = {".gpkg", ".shp", ".geojson", ".json", ".fgb", ".kml", ".gml", ".osm"}
    found = []
    paths = [*(corpus / "portland_me").rglob("*"), *(corpus / "substitutes").rglob("*")]
    for path in sorted(paths):
        if path.suffix.lower() in suffixes and path.stat().st_size < 50_000_000:
            try:
                names = [str(row[0]) for row in pyogrio.list_layers(path)]
            except Exception:  # unreadable files are the error tests' business
                continue
            found.extend((path, name) for name in names)
    return found


def test_the_corpus_reads_the_same_both_ways() -> None:
    corpus = corpus_path()
    layers = _corpus_layers(corpus)
    compared = 0
    for path, layer in layers:
        try:
            theirs = pyogrio.read_dataframe(path, layer=layer, use_arrow=True, fid_as_index=True)
        except Exception:  # pyogrio's Arrow path fails: mapdesk uses its other readers
            continue
        meta, table = pyogrio.read_arrow(
            path, layer=layer, datetime_as_string=True, return_fids=True
        )
        try:
            assert_same_frame(frame_from_arrow(meta, table), theirs)
        except AssertionError as exc:
            raise AssertionError(f"{path.relative_to(corpus)}, layer {layer!r}: {exc}") from exc
        compared += 1
    assert compared >= 10, f"only {compared} corpus layers compared"


def test_big_integer_ids_with_nulls_keep_every_digit(tmp_path: Path) -> None:
    """pandas would read them as float64 and round 2**62 + 1 to 2**62 (pyogrio does)."""
    ids = pd.array([2**62 + 1, None, -(2**60) - 7], dtype="Int64")
    small = pd.array([1, None, 3], dtype="Int64")
    frame = gpd.GeoDataFrame(
        {"asset_id": ids, "count": small, "name": ["a", "b", None]},
        geometry=[Point(0, 0), Point(1, 1), Point(2, 2)],
        crs="EPSG:26919",
    )
    path = tmp_path / "assets.gpkg"
    frame.to_file(path, engine="pyogrio")
    ours, theirs = _both(path)
    assert ours["asset_id"].tolist() == [2**62 + 1, pd.NA, -(2**60) - 7]
    assert int(theirs["asset_id"].iloc[0]) != 2**62 + 1  # what pandas alone makes of it
    assert list(ours.columns) == list(theirs.columns)  # the column keeps its place
    # Columns a float64 holds exactly stay as the rest of mapdesk expects them.
    assert ours["count"].dtype == np.float64
