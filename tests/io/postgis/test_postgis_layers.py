"""Loading and listing PostGIS tables from a real (throw-away) server."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
import shapely

from mapdesk import Project
from mapdesk.core.errors import LayerNotFoundError
from mapdesk.io.postgis import PostgisUri
from mapdesk.io.postgis.connection import connect
from mapdesk.io.postgis.reader import find_table, plan_read, read_batches
from mapdesk.io.registry import describe, list_layers, read_layer
from tests.io.postgis.city_tables import BIG_ROWS, ODD_TABLE

pytestmark = pytest.mark.postgis


def test_a_table_loads_with_its_types_crs_and_keys(city_uri: Any, analyst_password: str) -> None:
    read = read_layer(city_uri("public.parcels"))
    frame = read.frame
    assert frame.crs.to_epsg() == 26984
    assert list(frame.index) == [1, 2, 3]  # the primary key is the feature id
    assert list(frame["owner"]) == ["City of Portland", "Casco Bay Lines", "Unmapped owner"]
    assert frame["assessed"].dtype == "float64" and frame["assessed"].iloc[0] == 125000.50
    assert pd.isna(frame["units"].iloc[1]) and frame["units"].iloc[2] == 1
    assert pd.api.types.is_datetime64_any_dtype(frame["acquired"])
    assert str(frame["inspected"].dt.tz) == "UTC"
    assert frame["inspected"].iloc[0] == pd.Timestamp("2024-03-05 14:30", tz="UTC")
    assert frame["notes"].iloc[0] == '{"ward": 2}'  # JSON arrives as its text
    assert "geom" not in frame.columns
    first = frame.geometry.iloc[0]
    assert first.geom_type == "MultiPolygon" and len(first.geoms) == 2
    assert frame.geometry.iloc[2] is None
    assert read.warnings == ("1 of 3 features has no geometry",)
    assert read.source.driver == "PostgreSQL"
    assert read.source.path == city_uri("public.parcels")


def test_another_schema_and_a_bigint_key(city_uri: Any, analyst_password: str) -> None:
    frame = read_layer(city_uri("utilities.hydrants")).frame
    assert frame.crs.to_epsg() == 4326
    assert list(frame.index) == [9001, 9002]
    assert shapely.get_x(frame.geometry.iloc[0]) == pytest.approx(-70.2553)


def test_a_table_without_primary_key_is_numbered_and_says_so(
    city_uri: Any, analyst_password: str
) -> None:
    read = read_layer(city_uri("trails"))
    assert list(read.frame.index) == [1, 2]
    assert read.frame.crs.to_epsg() == 26984
    assert any("no primary key" in note for note in read.warnings)


def test_a_column_without_declared_srid_takes_the_rows_crs(
    city_uri: Any, analyst_password: str
) -> None:
    assert read_layer(city_uri("public.survey_marks")).frame.crs.to_epsg() == 4326


def test_a_table_with_two_geometry_columns_needs_a_choice(
    city_uri: Any, analyst_password: str
) -> None:
    with pytest.raises(LayerNotFoundError, match=r"entrance.*footprint"):
        read_layer(city_uri("public.buildings"))
    frame = read_layer(city_uri("public.buildings", geometry="footprint")).frame
    assert frame.geometry.iloc[0].geom_type == "Polygon"


def test_an_empty_table_loads_as_an_empty_layer(city_uri: Any, analyst_password: str) -> None:
    read = read_layer(city_uri("public.planned_sites"))
    assert len(read.frame) == 0
    assert read.frame.crs.to_epsg() == 26984
    assert "label" in read.frame.columns


def test_a_missing_table_lists_the_ones_there(city_uri: Any, analyst_password: str) -> None:
    with pytest.raises(LayerNotFoundError, match=r"no table public.parcel .*public.parcels"):
        read_layer(city_uri("public.parcel"))


def test_a_name_that_looks_like_sql_is_only_a_name(city_uri: Any, analyst_password: str) -> None:
    layer = f"public.{ODD_TABLE}"
    read = read_layer(city_uri(), layer)
    assert len(read.frame) == 1
    assert len(read_layer(city_uri("public.parcels")).frame) == 3  # nothing was dropped


def test_the_database_lists_its_spatial_tables(city_uri: Any, analyst_password: str) -> None:
    infos = {info.name: info for info in list_layers(city_uri())}
    assert set(infos) >= {
        "public.parcels",
        "utilities.hydrants",
        "public.trails",
        "public.buildings (entrance)",
        "public.buildings (footprint)",
        "public.survey_marks",
        "public.address_points",
    }
    parcels = infos["public.parcels"]
    assert parcels.geometry_type == "MultiPolygon"
    assert parcels.crs.to_epsg() == 26984
    assert parcels.feature_count == 3  # PostgreSQL's estimate after ANALYZE
    assert ("assessed", "Real") in parcels.fields and ("owner", "String") in parcels.fields
    assert infos["public.address_points"].feature_count == BIG_ROWS
    assert infos["utilities.hydrants"].crs.to_epsg() == 4326
    assert infos["public.survey_marks"].geometry_type is None  # any geometry


def test_describing_one_table_counts_it_and_measures_its_extent(
    city_uri: Any, analyst_password: str
) -> None:
    [info] = describe(city_uri("public.parcels"))
    assert info.feature_count == 3
    assert info.extent == (0.0, 0.0, 50.0, 10.0)


def test_big_tables_stream_in_batches(city_uri: Any, analyst_password: str) -> None:
    uri = PostgisUri.parse(city_uri("public.address_points"))
    with connect(uri.connection) as conn:
        plan = plan_read(conn, find_table(conn, uri))
        sizes = [len(batch) for batch in read_batches(conn, plan, batch_rows=1_000)]
    assert sizes == [1_000] * (BIG_ROWS // 1_000)
    frame = read_layer(uri.format()).frame
    assert len(frame) == BIG_ROWS and frame.index.is_unique
    assert shapely.get_y(frame.geometry.loc[BIG_ROWS]) == BIG_ROWS * 2


def test_a_project_adds_every_table_of_a_database(city_uri: Any, analyst_password: str) -> None:
    project = Project()
    layer = project.add_layer(city_uri("utilities.hydrants"))
    assert layer.name == "utilities.hydrants"
    assert project.crs.to_epsg() == 4326
    added = project.add_layers(city_uri())
    assert "public.parcels" in [found.name for found in added]
