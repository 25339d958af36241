"""40 SQL-injection payloads in filters, table names, column names and values execute nothing.

Each payload is tried five ways through the real loader (``read_layer`` on a
``postgresql://`` URI): as a whole filter, breaking out of a text literal in a
filter, as a properly quoted value, as a column name (a column of that name
exists, so the quoted name reaches SQL), and as a table name (a table of that
name exists too). Afterwards every table in the server's databases has the same
row count and checksum, no table or role appeared or vanished, and the server's
statement log (kept for the probing role only) shows nothing but the reads
mapdesk makes: SELECTs, its COPY of one SELECT to the client, and transaction control.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

from mapdesk.core.errors import MapdeskError
from mapdesk.io.registry import read_layer
from tests.io.postgis.extra_database import create_database
from tests.io.postgis.server import DATABASE, ThrowAwayServer

pytestmark = pytest.mark.postgis

INJECTION_DATABASE = "injection"
PROBE = "probe"
PROBE_PASSWORD = "probe-pw-Zq7"

PAYLOADS = [
    "'; DROP TABLE parcels; --",
    '"; DROP TABLE parcels; --',
    "') OR 1=1 --",
    '") OR 1=1 --',
    "' OR '1'='1",
    "1; DELETE FROM parcels",
    "x' UNION SELECT usename, passwd FROM pg_shadow --",
    "/* comment */ DROP TABLE parcels",
    "*/ DROP TABLE parcels; /*",
    "-- comment\nDROP TABLE parcels",
    "$$; DROP TABLE parcels; $$",
    "$tag$ DROP TABLE parcels $tag$",
    "\\'; DROP TABLE parcels; --",
    "\\\\'; DROP TABLE parcels; --",
    "E'\\x27; DROP TABLE parcels",
    "\u2019; DROP TABLE parcels; --",  # right single quotation mark
    "\u02bc OR 1=1 --",  # modifier letter apostrophe
    "\uff07; DROP TABLE parcels; --",  # fullwidth apostrophe
    "\uff02; DROP TABLE parcels",  # fullwidth quotation mark
    "a\x00'; DROP TABLE parcels",
    "x" * 200,
    "'" * 70 + "; DROP TABLE parcels",
    "'; SELECT pg_sleep(5); --",
    "1 OR pg_sleep(5) IS NOT NULL",
    "'||pg_sleep(5)||'",
    "'; COPY parcels TO '/tmp/pwned'; --",
    "'; CREATE ROLE pwned SUPERUSER LOGIN; --",
    "'; UPDATE parcels SET owner = 'pwned'; --",
    "'; INSERT INTO parcels (owner) VALUES ('pwned'); --",
    "'); TRUNCATE parcels; --",
    "%s; DROP TABLE parcels",
    "%(name)s'; DROP TABLE parcels",
    "{0}; DROP TABLE parcels",
    '";\nDROP TABLE parcels;\n--',
    "'; DO $$ BEGIN PERFORM pg_sleep(5); END $$; --",
    "'; SET ROLE postgres; DROP TABLE parcels; --",
    "'; ALTER TABLE parcels RENAME TO gone; --",
    "'; SELECT lo_export(0, '/tmp/x'); --",
    "'; COMMIT; DROP TABLE parcels; BEGIN; --",
    'U&"\\0064rop"; DROP TABLE parcels',
]

#: Statements mapdesk's reads may send (first word), nothing else.
_ALLOWED = {"SELECT", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "COPY"}
#: The only COPY mapdesk sends: one SELECT, in binary, to the client (never to a file).
_READ_COPY = re.compile(r"COPY \((SELECT .*)\) TO STDOUT \(FORMAT (?i:BINARY)\)", re.DOTALL)
#: The settings of a read's transaction (the fast reader's streams): read-only, one snapshot.
_READ_SETTINGS = re.compile(
    r"SET TRANSACTION (READ ONLY|ISOLATION LEVEL REPEATABLE READ, READ ONLY|SNAPSHOT '[0-9A-F-]+')"
)
_FORBIDDEN = re.compile(
    r"\b(DROP|DELETE|INSERT|UPDATE|TRUNCATE|ALTER|CREATE|COPY|GRANT|DO|SET\s+ROLE|pg_sleep"
    r"|lo_export|UNION)\b",
    re.IGNORECASE,
)


def _identifier_ok(name: str) -> bool:
    """Whether PostgreSQL can hold ``name`` as it is (no NUL, at most 63 bytes)."""
    return "\x00" not in name and len(name.encode()) <= 63


@pytest.fixture(scope="module")
def injection(postgis_server: ThrowAwayServer) -> dict[str, Any]:
    """A database whose tables and columns are named by the payloads, and a logged role."""
    settings = create_database(postgis_server, INJECTION_DATABASE)
    columns = [p for p in PAYLOADS if _identifier_ok(p)]
    with psycopg.connect(**settings, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE parcels (id integer PRIMARY KEY, owner text, units integer,"
            " geom geometry(Point, 26984))"
        )
        named = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns)
        table = "CREATE TABLE odd_columns (id integer PRIMARY KEY, {}, geom geometry(Point, 26984))"
        conn.execute(sql.SQL(table).format(named))
        for number, payload in enumerate(PAYLOADS, start=1):
            value = payload.replace("\x00", "")  # PostgreSQL text cannot hold NUL
            conn.execute(
                "INSERT INTO parcels VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, 0), 26984))",
                (number, value, number, number),
            )
            if _identifier_ok(payload):
                conn.execute(
                    sql.SQL(
                        "CREATE TABLE {} (id integer PRIMARY KEY, geom geometry(Point, 26984));"
                        "INSERT INTO {} VALUES (1, ST_SetSRID(ST_MakePoint(1, 2), 26984))"
                    ).format(sql.Identifier(payload), sql.Identifier(payload))
                )
        values = sql.SQL(", ").join(sql.Literal("v") for _ in columns)
        row = "INSERT INTO odd_columns VALUES (1, {}, ST_SetSRID(ST_MakePoint(0, 0), 26984))"
        conn.execute(sql.SQL(row).format(values))
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(PROBE), sql.Literal(PROBE_PASSWORD)
            )
        )
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PROBE}")
        # Every statement of the probe's sessions goes to the server log.
        conn.execute(f"ALTER ROLE {PROBE} SET log_statement = 'all'")
        conn.execute("ANALYZE")
    return {"columns": columns, "log": postgis_server.folder / "server.log"}


def _fingerprint(server: ThrowAwayServer) -> dict[str, Any]:
    """Row count and checksum of every table in both databases, and the roles."""
    found: dict[str, Any] = {}
    for database in (DATABASE, INJECTION_DATABASE):
        with psycopg.connect(**server.admin_settings(database), autocommit=True) as conn:
            tables = conn.execute(
                "SELECT schemaname, tablename FROM pg_tables"
                " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
            ).fetchall()
            for schema, name in tables:
                query = sql.SQL(
                    "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                    " FROM {} t"
                ).format(sql.Identifier(schema, name))
                found[f"{database}:{schema}.{name}"] = conn.execute(query).fetchone()
            roles = conn.execute("SELECT rolname, rolsuper FROM pg_roles ORDER BY 1").fetchall()
            found[f"{database}:roles"] = roles
    return found


def _uri(server: ThrowAwayServer, table: str, where: str | None = None) -> str:
    text = f"postgresql://{PROBE}:{PROBE_PASSWORD}@127.0.0.1:{server.port}/{INJECTION_DATABASE}"
    text += "?table=" + quote("public." + table, safe="")
    return text + ("&where=" + quote(where, safe="") if where is not None else "")


def _expression_text(payload: str) -> str:
    return "'" + payload.replace("'", "''") + "'"


#: How long each load took.
_SECONDS: list[float] = []


def _load(uri: str) -> list[int] | str:
    """The feature ids loaded, or the message of the mapdesk error (never another error)."""
    began = time.monotonic()
    try:
        return list(read_layer(uri).frame.index)
    except MapdeskError as exc:
        return str(exc)
    finally:
        _SECONDS.append(time.monotonic() - began)


def _logged_statements(log: Path, start: int) -> list[str]:
    """The statements the server logged after byte ``start`` of its log."""
    text = log.read_bytes()[start:].decode("utf-8", errors="replace")
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    marker = re.compile(r"LOG:\s+(?:statement|execute [^:]*):\s(.*)", re.DOTALL)
    return [m.group(1).strip() for e in entries if (m := marker.search(e))]


def _outside_quotes(statement: str) -> str:
    """The statement without its quoted names and text literals."""
    return re.sub(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'", " ", statement)


def test_40_payloads_execute_nothing(
    postgis_server: ThrowAwayServer, injection: dict[str, Any]
) -> None:
    assert len(PAYLOADS) == 40
    before = _fingerprint(postgis_server)
    log: Path = injection["log"]
    start = log.stat().st_size
    for number, payload in enumerate(PAYLOADS, start=1):
        stored = payload.replace("\x00", "")
        # 1. the payload as the whole filter: not an expression, or one selecting rows only
        whole = _load(_uri(postgis_server, "parcels", payload))
        assert isinstance(whole, str) or set(whole) <= set(range(1, 41)), payload
        # 2. breaking out of a text literal in a filter
        _load(_uri(postgis_server, "parcels", f"owner = '{payload}'"))
        # 3. a properly written value matches its own row only (NUL: no row holds it)
        value = _load(_uri(postgis_server, "parcels", f"owner = {_expression_text(payload)}"))
        assert value == ([] if stored != payload else [number]), payload
        # 4. a column name: the quoted name reaches SQL and compares the column
        column = '"' + payload.replace('"', '""') + '"'
        found = _load(_uri(postgis_server, "odd_columns", f"{column} = 'v'"))
        if payload in injection["columns"]:
            assert found == [1], payload
        else:
            assert isinstance(found, str) and "Unknown field" in found, payload
        # 5. a table name
        table = _load(_uri(postgis_server, payload))
        assert table == [1] if _identifier_ok(payload) else isinstance(table, str), payload
    assert _fingerprint(postgis_server) == before
    assert max(_SECONDS) < 4  # no load waited for a pg_sleep(5)
    statements = _logged_statements(log, start)
    assert len(statements) > 200  # the log did record the probe's session
    copies = 0
    for statement in statements:
        if _READ_SETTINGS.fullmatch(statement):
            continue
        first = statement.split(None, 1)[0].upper()
        assert first in _ALLOWED, statement
        if first == "COPY":
            read = _READ_COPY.fullmatch(_outside_quotes(statement))
            assert read is not None, statement
            statement = read.group(1)  # what runs inside it
            copies += 1
        assert not _FORBIDDEN.search(_outside_quotes(statement)), statement
    assert copies > 100  # the loads did run as COPY, and were checked
