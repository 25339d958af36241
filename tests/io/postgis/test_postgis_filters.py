"""Loading part of a PostGIS table: by a box (the view's extent) or by a filter expression."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import geopandas
import psycopg
import pyproj
import pytest
from psycopg import sql

from mapdesk import Project
from mapdesk.cli import main
from mapdesk.core.errors import ExpressionError, MapdeskError
from mapdesk.io.postgis import PostgisUri
from mapdesk.io.postgis.connection import connect
from mapdesk.io.postgis.layers import server_rows
from mapdesk.io.postgis.reader import find_table, plan_read, select_rows
from mapdesk.io.postgis.uri import Bbox
from mapdesk.io.registry import describe, read_layer
from tests.io.postgis.server import ThrowAwayServer

pytestmark = pytest.mark.postgis


def _where(text: str) -> str:
    return quote(text, safe="")


def test_a_box_loads_the_features_it_meets(city_uri: Any, analyst_password: str) -> None:
    # address n is the point (n, 2n)
    read = read_layer(city_uri("public.address_points", bbox="10,20,20,30"))
    assert list(read.frame.index) == [10, 11, 12, 13, 14, 15]
    assert read.source.path == city_uri("public.address_points", bbox="10,20,20,30")


def test_a_box_in_the_maps_crs_is_moved_to_the_tables(city_uri: Any, analyst_password: str) -> None:
    # Hydrant 9001 is at (-70.2553, 43.6591) in WGS 84; the box is in Web Mercator.
    to_map = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    x, y = to_map.transform(-70.2553, 43.6591)
    box = f"{x - 50},{y - 50},{x + 50},{y + 50},EPSG:3857"
    assert list(read_layer(city_uri("utilities.hydrants", bbox=box)).frame.index) == [9001]


def test_the_box_uses_the_spatial_index(
    postgis_server: ThrowAwayServer, city_uri: Any, analyst_password: str
) -> None:
    with psycopg.connect(**postgis_server.admin_settings(), autocommit=True) as admin:
        admin.execute(
            "CREATE INDEX IF NOT EXISTS address_points_geom ON address_points USING gist (geom)"
        )
    uri = PostgisUri.parse(city_uri("public.address_points", bbox="10,20,20,30"))
    with connect(uri.connection) as conn:
        plan = plan_read(conn, find_table(conn, uri))
        from mapdesk.io.postgis.layers import _in_box

        box = _in_box(conn, uri, plan)
        assert box is not None
        conn.execute("SET enable_seqscan = off")  # 5,000 rows: the planner might scan anyway
        rows = conn.execute(sql.SQL("EXPLAIN ") + select_rows(plan, box), box.params).fetchall()
    assert "address_points_geom" in "\n".join(r[0] for r in rows)


def test_a_filter_runs_on_the_server(city_uri: Any, analyst_password: str) -> None:
    text = "owner LIKE 'C%' AND (units >= 4 OR vacant) AND acquired IS NULL OR assessed / 2 > 60000"
    read = read_layer(city_uri("public.parcels", where=_where(text)))
    assert list(read.frame.index) == [1, 2]
    assert not any("ran in mapdesk" in w for w in read.warnings)
    uri = PostgisUri.parse(city_uri("public.parcels", where=_where(text)))
    with connect(uri.connection) as conn:
        plan = plan_read(conn, find_table(conn, uri))
        rows, in_memory = server_rows(conn, uri, plan, None)
    assert in_memory is None and rows is not None
    assert "'C%'" not in rows.condition.as_string(None)  # the value is a parameter
    assert "C%" in rows.params


def test_box_and_filter_together(city_uri: Any, analyst_password: str) -> None:
    uri = city_uri("public.parcels", bbox="-1,-1,15,15", where=_where("owner ILIKE '%portland'"))
    assert list(read_layer(uri).frame.index) == [1]
    uri = city_uri("public.parcels", bbox="35,-1,60,15", where=_where("owner ILIKE '%portland'"))
    assert list(read_layer(uri).frame.index) == []


def test_what_cannot_run_on_the_server_runs_in_mapdesk_and_says_so(
    city_uri: Any, analyst_password: str
) -> None:
    read = read_layer(city_uri("public.parcels", where=_where("$area > 60")))
    assert list(read.frame.index) == [1]
    assert any("ran in mapdesk, not on the server ($area" in w for w in read.warnings)


def test_what_the_server_cannot_compute_runs_in_mapdesk(
    city_uri: Any, analyst_password: str
) -> None:
    # 0 ^ -1 is an error in PostgreSQL and NULL in mapdesk
    read = read_layer(city_uri("public.parcels", where=_where("(units - 4) ^ -1 IS NULL")))
    assert list(read.frame.index) == [1, 2]
    assert any("the server could not compute it" in w for w in read.warnings)


def test_a_wrong_filter_is_reported_before_connecting() -> None:
    with pytest.raises(ExpressionError, match="Expected"):
        read_layer("postgresql://nobody@127.0.0.1:1/city?table=parcels&where=units%20%3E")


def test_a_filter_naming_a_missing_field_says_which(city_uri: Any, analyst_password: str) -> None:
    with pytest.raises(MapdeskError, match='Unknown field "Owner"; did you mean "owner"'):
        read_layer(city_uri("public.parcels", where=_where("\"Owner\" = 'x'")))


def test_a_project_keeps_the_box_and_filter(
    city_uri: Any, analyst_password: str, tmp_path: Path
) -> None:
    uri = city_uri("public.parcels", bbox="-1,-1,60,15", where=_where("units IS NOT NULL"))
    project = Project()
    layer = project.add_layer(uri)
    assert len(layer.data) == 1
    project.save(tmp_path / "shared.mapdesk")
    reopened = Project.open(tmp_path / "shared.mapdesk")
    assert len(reopened.layers[0].data) == 1
    assert PostgisUri.parse(reopened.layers[0].origin.path) == PostgisUri.parse(uri)


def test_the_command_line_counts_and_exports_the_filtered_features(
    city_uri: Any, analyst_password: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uri = city_uri("public.address_points", where=_where("address_id <= 25"), bbox="0,0,40,80")
    assert describe(uri)[0].feature_count == 25
    assert describe(uri)[0].extent == (1.0, 2.0, 25.0, 50.0)
    assert main(["export", "vector", uri, "-o", str(tmp_path / "some.gpkg")]) == 0
    assert len(geopandas.read_file(tmp_path / "some.gpkg")) == 25


def test_a_uri_keeps_where_and_bbox_round_trip() -> None:
    text = (
        "postgresql://ed@gis/city?table=public.parcels&bbox=-70.3,43.6,-70.2,43.7,EPSG:4326"
        "&where=" + _where("owner = 'a&b=c' AND units + 1 > 2")
    )
    uri = PostgisUri.parse(text)
    assert uri.where == "owner = 'a&b=c' AND units + 1 > 2"
    assert uri.bbox == Bbox(-70.3, 43.6, -70.2, 43.7, "EPSG:4326")
    assert PostgisUri.parse(uri.format()) == uri


@pytest.mark.parametrize("box", ["1,2,3", "1,2,3,x", "3,0,1,1", "1,2,3,4,", "nan,0,1,1"])
def test_a_malformed_bbox_is_refused(box: str) -> None:
    with pytest.raises(MapdeskError, match="bbox"):
        PostgisUri.parse(f"postgresql://ed@gis/city?table=parcels&bbox={box}")
