"""The PostGIS tables the tests read: small, but with what real city tables have.

Parcels with every common attribute type, a NULL geometry and multipolygons
(Maine West, EPSG:26984); hydrants in another schema with a bigint key
(WGS 84); a table without a primary key; one with two geometry columns; an
untyped geometry column whose SRID only the rows tell; a name that would be
SQL if it were not quoted; and a table big enough to stream in batches.
"""

from __future__ import annotations

import psycopg

from tests.support.postgis_server import ANALYST, ThrowAwayServer

ODD_TABLE = 'odd "name"; DROP TABLE parcels'
BIG_ROWS = 5_000
_ODD_IDENTIFIER = '"' + ODD_TABLE.replace('"', '""') + '"'

_SQL = f"""
CREATE TABLE public.parcels (
    parcel_id serial PRIMARY KEY,
    owner text,
    assessed numeric(12, 2),
    units integer,
    acquired date,
    inspected timestamptz,
    vacant boolean,
    notes jsonb,
    geom geometry(MultiPolygon, 26984)
);
INSERT INTO public.parcels (owner, assessed, units, acquired, inspected, vacant, notes, geom)
VALUES
 ('City of Portland', 125000.50, 4, '2019-06-01', '2024-03-05 14:30:00+00', false,
  '{{"ward": 2}}',
  ST_GeomFromText('MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0)),((20 0,30 0,30 10,20 0)))', 26984)),
 ('Casco Bay Lines', 98000, NULL, NULL, NULL, true, NULL,
  ST_GeomFromText('MULTIPOLYGON(((40 0,50 0,50 10,40 0)))', 26984)),
 ('Unmapped owner', NULL, 1, '2020-01-15', NULL, NULL, NULL, NULL);

CREATE SCHEMA utilities;
CREATE TABLE utilities.hydrants (
    hydrant_id bigint PRIMARY KEY,
    flow_gpm double precision,
    geom geometry(Point, 4326)
);
INSERT INTO utilities.hydrants VALUES
 (9001, 1250.5, ST_SetSRID(ST_MakePoint(-70.2553, 43.6591), 4326)),
 (9002, 980, ST_SetSRID(ST_MakePoint(-70.2601, 43.6615), 4326));

CREATE TABLE public.trails (name text, geom geometry(LineString, 26984));
INSERT INTO public.trails VALUES
 ('Back Cove', ST_GeomFromText('LINESTRING(0 0, 100 100)', 26984)),
 ('Eastern Prom', ST_GeomFromText('LINESTRING(5 5, 50 5)', 26984));

CREATE TABLE public.buildings (
    building_id integer PRIMARY KEY,
    entrance geometry(Point, 26984),
    footprint geometry(Polygon, 26984)
);
INSERT INTO public.buildings VALUES
 (1, ST_GeomFromText('POINT(5 0)', 26984), ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 0))', 26984));

CREATE TABLE public.survey_marks (mark_id integer PRIMARY KEY, geom geometry);
INSERT INTO public.survey_marks VALUES
 (7, ST_SetSRID(ST_MakePoint(-70.25, 43.66), 4326));

CREATE TABLE public.{_ODD_IDENTIFIER} (id integer PRIMARY KEY, geom geometry(Point, 26984));
INSERT INTO public.{_ODD_IDENTIFIER} VALUES (1, ST_GeomFromText('POINT(1 2)', 26984));

CREATE TABLE public.address_points (address_id integer PRIMARY KEY, geom geometry(Point, 26984));
INSERT INTO public.address_points
SELECT n, ST_SetSRID(ST_MakePoint(n, n * 2), 26984) FROM generate_series(1, {BIG_ROWS}) AS n;

CREATE TABLE public.planned_sites (site_id integer PRIMARY KEY, label text,
                                   geom geometry(Point, 26984));

GRANT USAGE ON SCHEMA utilities TO {ANALYST};
GRANT SELECT ON ALL TABLES IN SCHEMA public, utilities TO {ANALYST};
ANALYZE;
"""


def create_city_tables(server: ThrowAwayServer) -> None:
    """Create and fill the tables (as the administrator), then ANALYZE for row estimates."""
    with psycopg.connect(**server.admin_settings(), autocommit=True) as conn:
        conn.execute(_SQL)  # type: ignore[arg-type]  # a fixed script, no parameters
