"""A fresh table the analyst may edit, for each editing test.

The city tables are read-only for the analyst (as a planner's role would be);
editing tests each get their own table so that they never see each other's
rows: an integer key from a sequence, a unique code, a checked number, JSON,
and points in Maine West (EPSG:26984).
"""

from __future__ import annotations

import itertools

import psycopg
from psycopg import sql

from tests.io.postgis.server import ANALYST, ThrowAwayServer

_NUMBERS = itertools.count(1)

_TABLE = """
CREATE TABLE public.{name} (
    asset_id serial PRIMARY KEY,
    code text CONSTRAINT {unique} UNIQUE,
    owner text,
    units integer CONSTRAINT {check} CHECK (units >= 0),
    assessed numeric(12, 2),
    notes jsonb,
    geom geometry(Point, 26984)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.{name} TO {analyst};
GRANT USAGE ON SEQUENCE public.{sequence} TO {analyst};
"""


def create_edit_table(server: ThrowAwayServer, rows: int = 3) -> str:
    """A new table ``public.edits_<n>`` with ``rows`` features; its name."""
    name = f"edits_{next(_NUMBERS)}"
    statement = sql.SQL(_TABLE).format(
        name=sql.Identifier(name),
        unique=sql.Identifier(f"{name}_code_unique"),
        check=sql.Identifier(f"{name}_units_not_negative"),
        sequence=sql.Identifier(f"{name}_asset_id_seq"),
        analyst=sql.Identifier(ANALYST),
    )
    with psycopg.connect(**server.admin_settings(), autocommit=True) as conn:
        conn.execute(statement)
        insert = sql.SQL(
            "INSERT INTO public.{} (code, owner, units, assessed, notes, geom) "
            "SELECT 'A' || n, 'owner ' || n, n, n * 1000.5, '{{\"ward\": 1}}', "
            "ST_SetSRID(ST_MakePoint(n * 10, n * 5), 26984) FROM generate_series(1, %s) AS n"
        ).format(sql.Identifier(name))
        conn.execute(insert, [rows])
    return f"public.{name}"


def table_rows(server: ThrowAwayServer, table: str) -> list[tuple[object, ...]]:
    """Every row of ``table`` as the admin sees it, by key: for checking the database."""
    with psycopg.connect(**server.admin_settings()) as conn:
        query = sql.SQL(
            "SELECT asset_id, code, owner, units, assessed, notes::text, ST_AsText(geom) "
            "FROM {} ORDER BY asset_id"
        ).format(sql.Identifier(*table.split(".")))
        return conn.execute(query).fetchall()
