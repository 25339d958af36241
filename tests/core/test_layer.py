from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.core.style import LayerStyle


def test_layer_reports_what_the_panel_shows(stations_26984: gpd.GeoDataFrame) -> None:
    layer = VectorLayer(stations_26984, "Stations")
    assert layer.feature_count == 3
    assert layer.geometry_type == "Point"
    assert layer.crs is not None and layer.crs.to_epsg() == 26984
    assert [name for name, _ in layer.fields] == ["station_id", "name"]
    assert layer.extent == (869500.0, 91500.0, 871200.0, 92300.0)


def test_setters_validate_then_emit(stations_26984: gpd.GeoDataFrame) -> None:
    layer = VectorLayer(stations_26984, "Stations")
    seen: list[object] = []
    layer.visibility_changed.connect(seen.append)
    layer.name_changed.connect(seen.append)
    layer.opacity_changed.connect(seen.append)
    layer.visible = False
    layer.visible = False  # no change, no second event
    layer.name = "  Fire stations "
    layer.opacity = 0.5
    assert seen == [False, "Fire stations", 0.5]
    with pytest.raises(MapdeskError):
        layer.opacity = 1.5
    with pytest.raises(MapdeskError):
        layer.name = "   "
    assert layer.opacity == 0.5 and layer.name == "Fire stations"


def test_missing_crs_is_flagged_until_the_user_sets_one() -> None:
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(1, 2)])
    layer = VectorLayer(frame, "no prj")
    assert layer.crs_missing and layer.crs is None
    changes: list[object] = []
    layer.crs_changed.connect(changes.append)
    layer.set_crs("EPSG:26984")
    assert not layer.crs_missing and len(changes) == 1
    # Declaring a CRS never moves the coordinates.
    assert layer.data.geometry.iloc[0].x == 1


def test_attributes_are_plain_python_with_none_for_missing() -> None:
    frame = gpd.GeoDataFrame(
        {"n": [1, 2], "s": ["x", None], "f": [1.5, float("nan")]},
        geometry=[Point(0, 0), Point(1, 1)],
        crs=4326,
    )
    layer = VectorLayer(frame, "t")
    assert layer.attributes(1) == {"n": 2, "s": None, "f": None}
    assert type(layer.attributes(0)["n"]) is int


@pytest.mark.parametrize("distinct", [3, 400])
def test_string_columns_read_the_same_with_few_or_many_distinct_values(distinct: int) -> None:
    # Few distinct values (status, category) are read through integer codes,
    # many through Arrow; a user sees the same values either way.
    statuses = [None if i % 7 == 0 else f"status {i % distinct}" for i in range(1000)]
    frame = gpd.GeoDataFrame(
        {"status": statuses}, geometry=[Point(i, i) for i in range(1000)], crs=26919
    )
    layer = VectorLayer(frame, "incidents")
    rows = np.array([0, 1, 6, 7, 500, 999, 1], dtype=np.intp)
    assert [r["status"] for r in layer.attribute_rows(rows)] == [statuses[i] for i in rows]


def test_projection_cache_follows_data_changes(stations_26984: gpd.GeoDataFrame) -> None:
    layer = VectorLayer(stations_26984, "s")
    wgs = layer.projected(gpd.GeoSeries([], crs=4326).crs)
    assert -71 < wgs.geometries[0].x < -69
    moved = stations_26984.copy()
    moved.geometry = [Point(0, 0)] * 3
    layer.replace_data(moved)
    assert layer.projected(None).geometries[0].x == 0


def test_style_rejects_bad_colours() -> None:
    with pytest.raises(MapdeskError, match="not a #rrggbb"):
        LayerStyle(fill_color="red")


def test_projection_is_shared_between_threads_and_follows_crs_changes(
    stations_26984: gpd.GeoDataFrame,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from mapdesk.core.crs import parse_crs

    layer = VectorLayer(stations_26984, "s")
    wgs = parse_crs(4326)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: layer.projected(wgs), range(8)))
    assert all(r is results[0] for r in results)  # computed once, not per thread
    layer.set_crs(26919)  # the user says the numbers were UTM all along
    moved = layer.projected(wgs).geometries[0]
    assert moved.x != results[0].geometries[0].x


def test_geometry_type_follows_data_changes(stations_26984: gpd.GeoDataFrame) -> None:
    from shapely.geometry import LineString

    layer = VectorLayer(stations_26984, "s")
    assert layer.geometry_type == "Point"
    lines = stations_26984.copy()
    lines.geometry = [LineString([(0, 0), (1, 1)])] * 3
    layer.replace_data(lines)
    assert layer.geometry_type == "LineString"
