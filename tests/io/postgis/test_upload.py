"""Uploading a layer to PostGIS: typed columns, CRS, key, spatial index, one transaction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import geopandas
import numpy as np
import pandas as pd
import psycopg
import pyproj
import pytest
import shapely

from mapdesk.cli import main
from mapdesk.core.errors import MapdeskError
from mapdesk.io.postgis.upload import upload_layer
from mapdesk.io.postgis.uri import TableName
from mapdesk.io.registry import read_layer
from tests.support.postgis_server import ThrowAwayServer

pytestmark = pytest.mark.postgis


def parcels_frame() -> geopandas.GeoDataFrame:
    """Three parcels with every common field type, NULLs, and single and multi polygons."""
    square = shapely.box(0, 0, 10, 10)
    return geopandas.GeoDataFrame(
        {
            "units": np.array([4, 2, 7], dtype="int64"),
            "floors": np.array([1, 2, 3], dtype="int32"),
            "assessed": [125000.5, np.nan, 98000.0],
            "vacant": [False, True, False],
            "owner": ["City of Portland", None, "O'Brien; DROP TABLE x"],
            "acquired": [dt.date(2019, 6, 1), None, dt.date(2020, 1, 15)],
            "inspected": pd.to_datetime(
                ["2024-03-05 14:30:00+00:00", None, "2023-01-01 08:00:00+00:00"], utc=True
            ),
            "surveyed": pd.to_datetime(["2001-02-03 04:05:06", None, None]),
        },
        geometry=[
            square,
            shapely.MultiPolygon([shapely.box(20, 0, 30, 10), shapely.box(40, 0, 50, 5)]),
            None,
        ],
        index=pd.Index([11, 12, 40], name="fid"),
        crs="EPSG:26919",
    )


def admin(server: ThrowAwayServer) -> psycopg.Connection[Any]:
    return psycopg.connect(**server.admin_settings(), autocommit=True)


def exists(server: ThrowAwayServer, table: str) -> bool:
    with admin(server) as conn:
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    return bool(row and row[0])


def test_a_layer_becomes_a_typed_keyed_indexed_table(
    city_uri: Any, analyst_password: str, upload_schema: str, postgis_server: ThrowAwayServer
) -> None:
    frame = parcels_frame()
    result = upload_layer(frame, city_uri(f"{upload_schema}.parcels_typed"))
    assert result.rows == 3
    assert result.plan.notes  # single polygons promoted to MultiPolygon, said so
    with admin(postgis_server) as conn:
        types = dict(
            conn.execute(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'uploads.parcels_typed'::regclass AND attnum > 0"
            ).fetchall()
        )
        key = conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'uploads.parcels_typed'::regclass "
            "AND i.indisprimary"
        ).fetchall()
        gist = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'uploads' "
            "AND tablename = 'parcels_typed' AND indexdef LIKE '%USING gist%'"
        ).fetchall()
        new_id = conn.execute(
            "INSERT INTO uploads.parcels_typed (units) VALUES (1) RETURNING fid"
        ).fetchone()
    assert types == {
        "fid": "bigint",
        "units": "bigint",
        "floors": "integer",
        "assessed": "double precision",
        "vacant": "boolean",
        "owner": "text",
        "acquired": "date",
        "inspected": "timestamp with time zone",
        "surveyed": "timestamp without time zone",
        "geom": "geometry(MultiPolygon,26919)",
    }
    assert key == [("fid",)]
    assert len(gist) == 1 and "(geom)" in gist[0][0]
    assert new_id == (41,)  # the key's sequence continues after the layer's ids

    back = read_layer(city_uri(f"{upload_schema}.parcels_typed")).frame.loc[[11, 12, 40]]
    assert back.crs == pyproj.CRS.from_epsg(26919)
    assert back["owner"].iloc[[0, 2]].tolist() == ["City of Portland", "O'Brien; DROP TABLE x"]
    assert pd.isna(back["owner"].iloc[1])
    assert back["assessed"].iloc[0] == 125000.5 and np.isnan(back["assessed"].iloc[1])
    assert back["vacant"].tolist() == [False, True, False]
    assert back["inspected"].iloc[0] == pd.Timestamp("2024-03-05 14:30", tz="UTC")
    assert back.geometry.iloc[0].equals(shapely.MultiPolygon([shapely.box(0, 0, 10, 10)]))
    assert back.geometry.iloc[1].equals(frame.geometry.iloc[1])
    assert back.geometry.iloc[2] is None


def test_without_integer_ids_the_server_numbers_the_rows(
    city_uri: Any, analyst_password: str, upload_schema: str
) -> None:
    frame = geopandas.GeoDataFrame(
        {"name": ["a", "b"]},
        geometry=[shapely.Point(1, 2, 3), shapely.Point(4, 5, 6)],
        index=pd.Index(["x", "y"]),
        crs="EPSG:4326",
    )
    result = upload_layer(frame, city_uri(), table=TableName(upload_schema, "marks_z"))
    assert result.plan.geometry_type == "PointZ" and not result.plan.keep_ids
    back = read_layer(result.uri).frame
    assert back.index.tolist() == [1, 2]
    assert shapely.get_coordinates(back.geometry, include_z=True).tolist() == [
        [1, 2, 3],
        [4, 5, 6],
    ]


def test_a_crs_without_an_epsg_code_is_refused_and_nothing_is_created(
    city_uri: Any, analyst_password: str, upload_schema: str, postgis_server: ThrowAwayServer
) -> None:
    local = pyproj.CRS.from_proj4("+proj=tmerc +lat_0=43 +lon_0=-70.1 +k=0.9999 +x_0=0 +y_0=0")
    frame = parcels_frame().set_crs(local, allow_override=True)
    with pytest.raises(MapdeskError, match="no EPSG code"):
        upload_layer(frame, city_uri(f"{upload_schema}.no_epsg"), layer_name="parcels")
    with pytest.raises(MapdeskError, match="no CRS"):
        upload_layer(frame.set_crs(None, allow_override=True), city_uri(f"{upload_schema}.no_crs"))
    assert not exists(postgis_server, "uploads.no_epsg")


def test_an_existing_table_is_kept_unless_replace_is_asked(
    city_uri: Any, analyst_password: str, upload_schema: str
) -> None:
    uri = city_uri(f"{upload_schema}.kept")
    upload_layer(parcels_frame(), uri)
    with pytest.raises(MapdeskError, match="already exists; choose another name or replace"):
        upload_layer(parcels_frame().iloc[:1], uri)
    assert len(read_layer(uri).frame) == 3
    upload_layer(parcels_frame().iloc[:1], uri, replace=True)
    assert len(read_layer(uri).frame) == 1


class Stop(Exception):
    pass


def test_a_failure_half_way_leaves_the_database_as_it_was(
    city_uri: Any,
    analyst_password: str,
    upload_schema: str,
    postgis_server: ThrowAwayServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mapdesk.io.postgis import upload

    monkeypatch.setattr(upload, "PROGRESS_ROWS", 2)
    uri = city_uri(f"{upload_schema}.half_way")

    def cancel_after_first_rows(sent: int, total: int) -> None:
        if sent >= 2:
            raise Stop

    with pytest.raises(Stop):
        upload_layer(parcels_frame(), uri, progress=cancel_after_first_rows)
    assert not exists(postgis_server, "uploads.half_way")
    # replacing: the old table survives a failed replacement whole
    upload_layer(parcels_frame().iloc[:1], uri)
    with pytest.raises(Stop):
        upload_layer(parcels_frame(), uri, replace=True, progress=cancel_after_first_rows)
    assert len(read_layer(uri).frame) == 1


def test_the_command_line_uploads_a_file_and_refuses_to_overwrite(
    city_uri: Any,
    analyst_password: str,
    upload_schema: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "Parcels 2024.gpkg"
    parcels_frame().to_file(path, layer="Parcels 2024")
    assert (
        main(["postgis", "upload", str(path), city_uri(), "--table", f"{upload_schema}.cli"]) == 0
    )
    assert "Created uploads.cli (3 features)" in capsys.readouterr().out
    target = city_uri(f"{upload_schema}.cli")
    assert main(["postgis", "upload", str(path), target]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["postgis", "upload", str(path), target, "--replace"]) == 0
    assert len(read_layer(target).frame) == 3
