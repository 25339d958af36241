"""Review of the fast layer read (ADBC): edge cases where it must equal the session's reader.

Every table lives in a database of its own (``arrow_review``, and a LATIN1 one),
so the city database's listings stay as the other tests expect.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import pytest

from mapdesk.io.postgis import PostgisUri, arrow_read
from mapdesk.io.postgis.connection import connect
from mapdesk.io.postgis.reader import find_table, plan_read, read_rows
from mapdesk.io.registry import read_layer
from tests.io.postgis.extra_database import uri as database_uri
from tests.io.postgis.two_readers import assert_same_read, read_by_both
from tests.support.postgis_server import ThrowAwayServer

pytestmark = pytest.mark.postgis

_DATABASE = "arrow_review"

_TABLES = r"""
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE SCHEMA "odd ""sch%ema";
CREATE TABLE "odd ""sch%ema"."we'ird %s tab""le" (
    id bigint PRIMARY KEY, n numeric, tags text[], j json, jb jsonb, u uuid, t time,
    tz timetz, iv interval, b bytea, vc varchar(5), c char(4), nm name, i2 int2, i4 int4,
    i8 int8, f4 float4, f8 float8, bo bool, d date, ts timestamp, tstz timestamptz,
    e mood, ch "char", dom positive, "the geom %s" geometry(Point, 26919));
INSERT INTO "odd ""sch%ema"."we'ird %s tab""le" VALUES
 (9223372036854775807, 'NaN', '{"a,b",NULL}', '{"k": [1]}', '{"k": "é"}',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '23:59:59.999999', '01:02:03+05:30',
  '1 year 2 mons -3 days', '\x00ff', 'ünï', 'ab', 'nm', 32767, 2147483647,
  9223372036854775807, 'NaN', '-Infinity', true, '0001-01-01', '1677-09-21 00:12:43.145224',
  '2262-04-11 23:47:16.854775+00', 'sad', 'x', 1, 'SRID=26919;POINT(1 2)'),
 (-9223372036854775808, '1e300', '{}', 'null', '[]', NULL, '00:00', NULL, '0', '\x', '',
  '', '', -32768, -2147483648, -9223372036854775808, '-0', 1e308, false, '9999-12-31',
  '1900-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', 'ok', NULL, 2,
  'SRID=26919;POINT EMPTY'),
 (0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, '-infinity', '-infinity', 'infinity', NULL, NULL, NULL, NULL),
 (5, '123456789012345678901234567890.5', '{"x"}', '"s"', '1', NULL, NULL, NULL, NULL, NULL,
  'a😀b', 'é', NULL, 0, 0, 0, 1.5, 2.5, NULL, '2001-02-28 BC', '0044-03-15 12:00',
  '4713-01-01 00:00:00+00 BC', NULL, NULL, NULL, 'SRID=26919;POINT(3 4)');

CREATE TABLE curves (gid int4 PRIMARY KEY, geom geometry);
INSERT INTO curves VALUES
 (1, 'SRID=2249;CIRCULARSTRING(0 0, 1 1, 2 0)'),
 (2, 'SRID=2249;COMPOUNDCURVE(CIRCULARSTRING(0 0, 1 1, 2 0), (2 0, 3 0))'),
 (3, 'SRID=2249;CURVEPOLYGON(CIRCULARSTRING(0 0, 4 0, 4 4, 0 4, 0 0))'),
 (4, 'SRID=2249;MULTICURVE((0 0, 5 5), CIRCULARSTRING(4 0, 4 4, 8 4))'),
 (5, 'SRID=2249;POINT Z (1 2 3)'), (6, NULL), (7, 'SRID=2249;LINESTRING EMPTY'),
 (8, 'SRID=2249;POLYGON((0 0, 1 0, 1 1, 0 0))');

CREATE TABLE text_keys (code text PRIMARY KEY, geom geometry(Point, 2249));
INSERT INTO text_keys VALUES ('b', 'SRID=2249;POINT(1 1)'), ('a', 'SRID=2249;POINT(2 2)');
CREATE TABLE two_keys (a int, b int, geom geometry(Point, 2249), PRIMARY KEY (a, b));
INSERT INTO two_keys VALUES (2, 1, 'SRID=2249;POINT(1 1)'), (1, 2, 'SRID=2249;POINT(2 2)');
CREATE TABLE small_keys (id int2 PRIMARY KEY, name text, geom geometry(Point, 2249));
INSERT INTO small_keys SELECT n, 'n' || n, ST_SetSRID(ST_MakePoint(n, n), 2249)
  FROM generate_series(1, 300) n ORDER BY random();
CREATE VIEW small_view AS SELECT id, name, geom FROM small_keys WHERE id % 2 = 0;

CREATE TABLE parted (id int8, zone text, geom geometry(Point, 2249), PRIMARY KEY (id, zone))
  PARTITION BY LIST (zone);
CREATE TABLE parted_a PARTITION OF parted FOR VALUES IN ('a');
CREATE TABLE parted_b PARTITION OF parted FOR VALUES IN ('b');
INSERT INTO parted SELECT n, CASE WHEN n % 2 = 0 THEN 'a' ELSE 'b' END,
  ST_SetSRID(ST_MakePoint(n, n), 2249) FROM generate_series(1, 50) n;

CREATE TABLE secret_sites (id int4 PRIMARY KEY, owner text, geom geometry(Point, 2249));
INSERT INTO secret_sites SELECT n, CASE WHEN n % 3 = 0 THEN 'analyst' ELSE 'other' END,
  ST_SetSRID(ST_MakePoint(n, n), 2249) FROM generate_series(1, 3000) n;
ALTER TABLE secret_sites ENABLE ROW LEVEL SECURITY;
CREATE POLICY mine ON secret_sites FOR SELECT USING (owner = current_user);

CREATE TABLE parent_sites (id int4 PRIMARY KEY, geom geometry(Point, 2249));
CREATE TABLE child_sites () INHERITS (parent_sites);
INSERT INTO parent_sites SELECT n, ST_SetSRID(ST_MakePoint(n, n), 2249)
  FROM generate_series(1, 2000) n;
INSERT INTO child_sites SELECT n, ST_SetSRID(ST_MakePoint(n, n), 2249)
  FROM generate_series(2001, 4000) n;

CREATE TABLE wide_keyless (name text, geom geometry(Point, 2249));
INSERT INTO wide_keyless SELECT 'n' || n, ST_SetSRID(ST_MakePoint(n, n), 2249)
  FROM generate_series(1, 3000) n;
"""


@pytest.fixture(scope="module")
def review_database(postgis_server: ThrowAwayServer) -> str:
    from tests.io.postgis.extra_database import create_database, grant_reading

    with psycopg.connect(**postgis_server.admin_settings("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_DATABASE} WITH (FORCE)")
    settings = create_database(postgis_server, _DATABASE)
    with psycopg.connect(**settings, autocommit=True) as conn:
        conn.execute(_TABLES)
        conn.execute('GRANT USAGE ON SCHEMA "odd ""sch%ema" TO analyst')
        conn.execute('GRANT SELECT ON ALL TABLES IN SCHEMA "odd ""sch%ema" TO analyst')
    grant_reading(settings)
    return _DATABASE


_EVERY = "odd%20%22sch%25ema.we%27ird%20%25s%20tab%22le"


@pytest.mark.parametrize(
    "table",
    [
        _EVERY,
        "public.curves",
        "public.text_keys",
        "public.two_keys",
        "public.small_keys",
        "public.small_view",
        "public.parted",
        "public.secret_sites",
        "public.parent_sites",
        "public.wide_keyless",
    ],
)
@pytest.mark.parametrize("parallel", [False, True], ids=["one stream", "streams"])
def test_the_fast_read_equals_the_sessions_read(
    postgis_server: ThrowAwayServer,
    review_database: str,
    analyst_password: str,
    table: str,
    parallel: bool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if parallel:
        monkeypatch.setattr(arrow_read, "PARALLEL_PAGES", 1)
        monkeypatch.setattr(arrow_read, "stream_count", lambda: 3)
    with caplog.at_level(logging.WARNING, logger=arrow_read.__name__):
        fast, reference = read_by_both(database_uri(postgis_server, review_database, table))
    assert not caplog.records, caplog.text
    assert_same_read(fast, reference)


_GIS_DATABASE = "arrow_review_gis"


@pytest.fixture(scope="module")
def postgis_in_its_own_schema(postgis_server: ThrowAwayServer) -> str:
    """A database with PostGIS in schema ``gis``, found through the search path the
    connection's service sets (``options=-c search_path=...`` in pg_service.conf)."""
    admin = postgis_server.admin_settings("postgres")
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_GIS_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {_GIS_DATABASE}")
    settings = postgis_server.admin_settings(_GIS_DATABASE)
    with psycopg.connect(**settings, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA gis; GRANT USAGE ON SCHEMA gis TO analyst")
        conn.execute("CREATE EXTENSION postgis SCHEMA gis")
        conn.execute(
            "CREATE TABLE public.arcs (id int PRIMARY KEY, geom gis.geometry);"
            "INSERT INTO public.arcs VALUES"
            " (1, gis.ST_GeomFromEWKT('SRID=2249;CIRCULARSTRING(0 0, 1 1, 2 0)')),"
            " (2, gis.ST_GeomFromEWKT('SRID=2249;LINESTRING(0 0, 5 5)'));"
            "GRANT SELECT ON public.arcs TO analyst"
        )
    return _GIS_DATABASE


def test_the_streams_connect_with_the_services_settings(
    postgis_server: ThrowAwayServer,
    postgis_in_its_own_schema: str,
    memory_keyring: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The session reads the service's options (the search path finding PostGIS,
    # here); the driver's connections must too, or every load takes the slow path.
    (tmp_path / "pg_service.conf").write_text(
        f"[review]\nhost=127.0.0.1\nport={postgis_server.port}\n"
        f"dbname={postgis_in_its_own_schema}\nuser=analyst\n"
        "options=-c search_path=public,gis\n"
    )
    passwords = tmp_path / "pgpass"
    passwords.write_text(f"127.0.0.1:{postgis_server.port}:*:analyst:{postgis_server.password}\n")
    passwords.chmod(0o600)
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "pg_service.conf"))
    monkeypatch.setenv("PGPASSFILE", str(passwords))
    with caplog.at_level(logging.WARNING, logger=arrow_read.__name__):
        frame = read_layer("postgresql:///?service=review&table=public.arcs").frame
    assert list(frame.index) == [1, 2] and frame.geometry.geom_type.tolist() == ["LineString"] * 2
    assert not caplog.records, caplog.text  # the driver did the read, not the fallback
    assert postgis_server.password not in caplog.text


_LATIN1 = "arrow_review_latin1"


@pytest.fixture(scope="module")
def latin1_table(postgis_server: ThrowAwayServer) -> str:
    """public.shops in a LATIN1 database: accented names, NULLs."""
    from tests.io.postgis.extra_database import grant_reading

    with psycopg.connect(**postgis_server.admin_settings("postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {_LATIN1} WITH (FORCE)")
        conn.execute(
            f"CREATE DATABASE {_LATIN1} ENCODING 'LATIN1' TEMPLATE template0"
            " LC_COLLATE 'C' LC_CTYPE 'C'"
        )
    settings = postgis_server.admin_settings(_LATIN1)
    with psycopg.connect(**settings, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION postgis")
        conn.execute(
            "CREATE TABLE shops (id int PRIMARY KEY, name text, street varchar(20), code char(3),"
            " geom geometry(Point, 2249));"
            "INSERT INTO shops VALUES"
            " (1, 'Café Ünïon ß', 'Rue Élise', 'ç', 'SRID=2249;POINT(1 1)'),"
            " (2, 'plain', NULL, NULL, NULL)"
        )
    grant_reading(settings)
    return database_uri(postgis_server, _LATIN1, "public.shops")


def test_text_of_a_latin1_database_arrives_right_by_both_readers(
    latin1_table: str, analyst_password: str
) -> None:
    fast, reference = read_by_both(latin1_table)
    assert fast.loc[1, "name"] == "Café Ünïon ß" and fast.loc[1, "street"] == "Rue Élise"
    assert_same_read(fast, reference)


def test_a_latin1_table_loads_and_saves(latin1_table: str, analyst_password: str) -> None:
    # The session's reader also reads the rows a save checks (reader.read_rows).
    uri = PostgisUri.parse(latin1_table)
    with connect(uri.connection) as conn:
        plan = plan_read(conn, find_table(conn, uri))
        rows = read_rows(conn, plan, [1])
    assert rows.loc[1, "code"] == "ç  "


def test_dates_beyond_pandas_nanoseconds_are_not_read_as_other_dates(
    postgis_server: ThrowAwayServer, review_database: str, analyst_password: str
) -> None:
    # 9999-12-31 is the usual "still in service" end date of asset tables; held as
    # nanoseconds it wrapped round to 1816-03-29 (and 0001-01-01 to 1754-08-30),
    # by both readers (reader._series). A wrong date is worse than none.
    fast, _ = read_by_both(database_uri(postgis_server, review_database, _EVERY))
    end_of_time, first_day = fast["d"].loc[-(2**63)], fast["d"].loc[2**63 - 1]
    assert pd.isna(end_of_time) or end_of_time.year == 9999, end_of_time
    assert pd.isna(first_day) or first_day.year == 1, first_day
